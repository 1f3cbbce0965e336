"""Browser apps on another origin: preflight on every path, CORS headers on every answer, `cors_origins`."""

from __future__ import annotations

import re

import httpx
import pytest

ORIGIN = "http://localhost:5173"
SDK_HEADERS = ["authorization", "content-type", "x-api-key", "anthropic-version", "anthropic-beta",
               "anthropic-dangerous-direct-browser-access", "x-goog-api-key", "x-goog-api-client",
               "x-stainless-os", "x-test-id", "x-mock-scenario", "prefer"]
EXPOSED = ["x-request-id", "request-id", "retry-after", "retry-after-ms", "x-should-retry",
           "x-ratelimit-remaining-requests", "x-ratelimit-reset-tokens", "anthropic-ratelimit-requests-remaining"]
ADMIN_PATHS = [("GET", "/_mock/health"), ("GET", "/_mock/requests"), ("DELETE", "/_mock/requests"),
               ("POST", "/_mock/scenarios"), ("DELETE", "/_mock/scenarios/some-name"), ("PUT", "/_mock/state"),
               ("POST", "/_mock/reset"), ("GET", "/openapi.json"), ("GET", "/_mock/assets/image/64x64/a.png")]


def preflight(url: str, method: str, origin: str = ORIGIN) -> httpx.Response:
    return httpx.options(url, headers={"Origin": origin, "Access-Control-Request-Method": method,
                                       "Access-Control-Request-Headers": ", ".join(SDK_HEADERS)}, timeout=10)


def spec_paths(server) -> list[tuple[str, str]]:
    return [(op.method.upper(), re.sub(r"\{[^}]+\}", "x1", op.path)) for op in server.mock.spec.operations]


def test_every_spec_and_admin_path_answers_a_preflight(server):
    paths = spec_paths(server) + ADMIN_PATHS
    assert len(paths) > 80
    for method, path in paths:
        r = preflight(server.url + path, method)
        assert r.status_code == 200, (method, path, r.status_code, r.text)
        assert r.headers["access-control-allow-origin"] == "*"
        assert method in r.headers["access-control-allow-methods"]
        allowed = {h.strip().lower() for h in r.headers["access-control-allow-headers"].split(",")}
        assert set(SDK_HEADERS) <= allowed, (path, allowed)
        assert r.headers["access-control-max-age"] == "600"


@pytest.mark.parametrize("kind", ["json", "stream", "error", "admin"])
def test_answers_carry_the_cors_headers_a_browser_needs(server, kind):
    auth = {"Authorization": "Bearer sk-test", "Origin": ORIGIN}
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    if kind == "json":
        r = httpx.post(server.url + "/v1/chat/completions", json=body, headers=auth, timeout=10)
    elif kind == "stream":
        r = httpx.post(server.url + "/v1/chat/completions", json={**body, "stream": True}, headers=auth, timeout=10)
        assert r.text.rstrip().endswith("data: [DONE]")
    elif kind == "error":
        r = httpx.post(server.url + "/v1/messages", json=body, headers={"Origin": ORIGIN}, timeout=10)
        assert r.status_code == 401 and r.json()["error"]["type"] == "authentication_error"
    else:
        r = httpx.get(server.url + "/_mock/scenarios", headers={"Origin": ORIGIN}, timeout=10)
    assert r.headers["access-control-allow-origin"] == "*"
    exposed = {h.strip() for h in r.headers["access-control-expose-headers"].split(",")}
    assert set(EXPOSED) <= exposed
    if kind != "admin":
        assert r.headers["x-request-id"].startswith("req_")


def test_a_request_without_origin_gets_no_cors_headers(http):
    r = http.post("/v1/chat/completions", json={"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


def test_an_options_request_that_is_not_a_preflight_is_still_routed(server):
    r = httpx.options(server.url + "/v1/chat/completions", headers={"Authorization": "Bearer sk-test"}, timeout=10)
    assert r.status_code == 405 and "POST" in r.headers["allow"]


def test_cors_origins_allow_only_those(make_server):
    running = make_server(cors_origins=("http://app.example",))
    ok = preflight(running.url + "/v1/messages", "POST", origin="http://app.example")
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == "http://app.example"
    assert "Origin" in ok.headers["vary"]
    refused = preflight(running.url + "/v1/messages", "POST", origin="http://other.example")
    assert refused.status_code == 400 and "access-control-allow-origin" not in refused.headers
