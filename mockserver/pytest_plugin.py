"""The pytest plugin: a mock server for the session, a `mock` handle per test, SDK clients bound to the test,
the `mockserver_scenarios` marker and the journal of a failing test in its report.

Registered through the package's `pytest11` entry point (`-p no:mockserver` turns it off). Importing it costs
next to nothing: the server is imported when a test first asks for it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .testing import MockHandle, SessionServer
    from .testing.recordings import Plan

HANDLE = pytest.StashKey["MockHandle"]()
PLAN = pytest.StashKey["Plan | None"]()
MARKER = "mockserver_scenarios"
# Variables that would send an SDK elsewhere or with another credential while a test runs.
CLEARED_ENV = ("ANTHROPIC_AUTH_TOKEN", "GOOGLE_GENAI_USE_VERTEXAI")
PROXY_ENV = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mockserver", "mockserver: the LLM gateway mock")
    group.addoption("--mockserver-url", metavar="URL", default=None,
                    help="use the mock server running at URL instead of starting one in the test process")
    group.addoption("--mockserver-record", action="store_true", default=False,
                    help="record each test's traffic to --mockserver-upstream into recordings/<module>/<test>/ "
                         "beside its file; later runs replay it")
    group.addoption("--mockserver-upstream", metavar="URL", default=None,
                    help="the real API that --mockserver-record forwards to (the SDKs keep your keys)")
    group.addoption("--mockserver-replay-timing", metavar="recorded|none|xN", default="none",
                    help="how fast recorded streams replay: none (at once, the default), recorded, or xN")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("mockserver_record") and not config.getoption("mockserver_upstream"):
        raise pytest.UsageError("--mockserver-record needs --mockserver-upstream URL (the real API to record)")
    config.addinivalue_line(
        "markers", f"{MARKER}(*paths): scenario files or directories (relative to the test file) that this test's "
                   "mock answers with, visible to this test only")


@pytest.fixture(scope="session")
def mockserver(pytestconfig: pytest.Config) -> Iterator["SessionServer"]:
    """The mock server of this test session: `url`, `openai_base_url`, `anthropic_base_url`, `gemini_base_url`."""
    from .testing import SessionServer

    url = pytestconfig.getoption("mockserver_url")
    if url:
        server = SessionServer.external(url)
    else:
        mock_logger = logging.getLogger("mockserver")
        if mock_logger.level == logging.NOTSET:  # request lines reach pytest's log capture (shown on failure)
            mock_logger.setLevel(logging.INFO)
        server = SessionServer.start()
    yield server
    server.close()


@pytest.fixture
def mock(mockserver: "SessionServer", request: pytest.FixtureRequest,
         monkeypatch: pytest.MonkeyPatch) -> Iterator["MockHandle"]:
    """This test's handle: `scenario()`, `requests()`, `reply()`, `fail()`, `slow_stream()`, `dying_stream()`.

    While the test runs, the SDKs' environment variables point at the mock with this test's key. A test with
    recordings (or one being recorded) gets a server of its own.
    """
    from .testing import MockHandle, ScenarioRejected
    from .testing.handle import new_test_id
    from .testing.recordings import plan_for

    node, config = request.node, request.config
    plan = plan_for(Path(node.path), node.name, node.nodeid, config.getoption("mockserver_record"))
    node.stash[PLAN] = plan
    if plan is not None and plan.mode == "missing":
        pytest.fail(plan.missing_message(), pytrace=False)
    own = own_server(plan, mockserver, config) if plan is not None else None
    handle = MockHandle(own or mockserver, new_test_id(node.nodeid, node.name), own_server=own is not None,
                        real_keys=plan is not None and plan.mode == "record")
    node.stash[HANDLE] = handle
    point_sdks_at(handle, monkeypatch)
    try:
        for path in marker_paths(node):
            rejected = None
            try:
                handle.scenario_file(path)
            except ScenarioRejected as exc:
                rejected = str(exc)
            if rejected is not None:
                pytest.fail(f"@pytest.mark.{MARKER}: the mock rejected {path}:\n{rejected}", pytrace=False)
        yield handle
    finally:
        if own is None:
            handle.clear()
        else:
            own.close()
            if plan.mode == "record":
                plan.finish(config.getoption("mockserver_upstream"))


@pytest.fixture(autouse=True)
def _mockserver_marked(request: pytest.FixtureRequest) -> None:
    """A test with `mockserver_scenarios` gets the `mock` fixture even if it does not ask for it (so its
    scenarios load and the SDKs' environment points at them)."""
    if "mock" not in request.fixturenames and request.node.get_closest_marker(MARKER) is not None:
        request.getfixturevalue("mock")


def own_server(plan: "Plan", session: "SessionServer", config: pytest.Config) -> "SessionServer":
    """The server a test has to itself while it is recorded (through the upstream) or replayed (strictly)."""
    from .testing import SessionServer

    if plan.mode == "record":
        plan.start()
    settings = plan.server_settings(config.getoption("mockserver_upstream"),
                                    config.getoption("mockserver_replay_timing"))
    return SessionServer.start(spec=session.mock.spec if session.mock is not None else None, **settings)


def point_sdks_at(handle: "MockHandle", monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDKs' environment variables, for clients the code under test builds itself."""
    for name in CLEARED_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in handle.env().items():
        monkeypatch.setenv(name, value)
    if any(os.environ.get(name) for name in PROXY_ENV):  # the loopback mock is never reached through a proxy
        monkeypatch.setenv("NO_PROXY", ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1,localhost"])))


def marker_paths(node: pytest.Item) -> list[Path]:
    """The scenario files the `mockserver_scenarios` markers name: module's, then class's, then the test's own."""
    base = Path(node.path).parent
    files: list[Path] = []
    for marker in reversed(list(node.iter_markers(MARKER))):
        for given in marker.args:
            path = Path(given) if Path(given).is_absolute() else base / given
            if path.is_dir():
                from .scenarios.loader import scenario_files
                files += scenario_files(path)
            elif path.is_file():
                files.append(path)
            else:
                pytest.fail(f"@pytest.mark.{MARKER}: no such file or directory: {path}", pytrace=False)
    return files


def _sdk(module: str, fixture: str, package: str) -> Any:
    import importlib
    try:
        return importlib.import_module(module)
    except ImportError:
        pytest.skip(f"{fixture} needs the {package} package (pip install {package})")


def _unpooled_async(sdk: Any = None) -> Any:
    """An async HTTP client (the SDK's default one where it has it) that keeps no idle connection: an async test's
    event loop closes with the test, and a connection left open in it would be reported as an unclosed socket
    (an error under `-W error`)."""
    import httpx

    client_class = getattr(sdk, "DefaultAsyncHttpxClient", httpx.AsyncClient)
    return client_class(limits=httpx.Limits(max_connections=100, max_keepalive_connections=0))


def _client(mock: "MockHandle", fixture: str, package: str, asynchronous: bool) -> Any:
    """The openai or anthropic SDK's client bound to this test (an async one keeps no idle connection)."""
    sdk = _sdk(package, fixture, package)
    base_url = getattr(mock, f"{package}_base_url")
    name = {"openai": "OpenAI", "anthropic": "Anthropic"}[package]
    if asynchronous:
        return getattr(sdk, f"Async{name}")(base_url=base_url, api_key=mock.api_key, http_client=_unpooled_async(sdk))
    return getattr(sdk, name)(base_url=base_url, api_key=mock.api_key)


@pytest.fixture
def openai_client(mock: "MockHandle") -> Iterator[Any]:
    """`openai.OpenAI` bound to this test (skipped without the openai package)."""
    client = _client(mock, "openai_client", "openai", asynchronous=False)
    yield client
    client.close()


@pytest.fixture
def async_openai_client(mock: "MockHandle") -> Any:
    """`openai.AsyncOpenAI` bound to this test (skipped without the openai package)."""
    return _client(mock, "async_openai_client", "openai", asynchronous=True)


@pytest.fixture
def anthropic_client(mock: "MockHandle") -> Iterator[Any]:
    """`anthropic.Anthropic` bound to this test (skipped without the anthropic package)."""
    client = _client(mock, "anthropic_client", "anthropic", asynchronous=False)
    yield client
    client.close()


@pytest.fixture
def async_anthropic_client(mock: "MockHandle") -> Any:
    """`anthropic.AsyncAnthropic` bound to this test (skipped without the anthropic package)."""
    return _client(mock, "async_anthropic_client", "anthropic", asynchronous=True)


@pytest.fixture
def genai_client(mock: "MockHandle") -> Iterator[Any]:
    """`google.genai.Client` bound to this test; `.aio` is its async side (skipped without google-genai)."""
    genai = _sdk("google.genai", "genai_client", "google-genai")
    options: dict[str, Any] = {"base_url": mock.gemini_base_url}
    if "httpx_async_client" in getattr(genai.types.HttpOptions, "model_fields", {}):  # not in older google-genai
        options["httpx_async_client"] = _unpooled_async()
    client = genai.Client(api_key=mock.api_key, http_options=options)
    yield client
    if hasattr(client, "close"):
        client.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    handle = item.stash.get(HANDLE, None)
    if handle is None or not report.failed or report.when not in ("setup", "call"):
        return
    from .testing.report import TITLE, journal_text
    try:
        entries = handle.requests()
        if not entries and report.when == "setup":  # a fixture failed before any request: nothing to show
            return
        text = journal_text(entries, handle, item.stash.get(PLAN, None))
    except Exception as exc:  # the report must never hide the test's own failure
        text = f"could not read the journal: {exc!r}"
    report.sections.append((TITLE, text))
