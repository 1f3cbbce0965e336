"""`mockserver serve` with the dashboard: `--admin-key`, the address it prints, and Ctrl-C with a live feed open."""

from __future__ import annotations

import signal
import subprocess
import threading

import httpx
from cli_helpers import cli_server


def test_admin_key_guards_the_control_api_and_the_banner_says_where_the_dashboard_is(tmp_path):
    with cli_server("--api-key", "sk-app", "--admin-key", "adm-1", cwd=tmp_path) as server:
        log = server.wait_for_log("dashboard at")
        assert f"dashboard at {server.url}/_mock/ (admin key required)" in log
        assert httpx.get(server.url + "/_mock/requests", headers={"x-api-key": "sk-app"}).status_code == 401
        assert httpx.get(server.url + "/_mock/requests", headers={"x-api-key": "adm-1"}).status_code == 200


def test_ctrl_c_ends_the_server_while_a_dashboard_feed_is_open(tmp_path):
    with cli_server(cwd=tmp_path) as server:
        opened = threading.Event()

        def watch() -> None:
            try:
                with httpx.stream("GET", server.url + "/_mock/requests/stream", timeout=30) as feed:
                    opened.set()
                    for _ in feed.iter_bytes():
                        pass
            except httpx.HTTPError:
                pass

        reader = threading.Thread(target=watch, daemon=True)
        reader.start()
        assert opened.wait(10)
        server.process.send_signal(signal.SIGINT)
        try:  # uvicorn waits for open responses; the feed ends itself when the server shuts down
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            raise AssertionError("the server did not stop while a feed was open:\n" + server.log()) from None
        reader.join(10)
        assert server.process.returncode == 0 and not reader.is_alive()
