"""The dashboard in a real browser (Debian's Chromium through Selenium and chromium-driver), driven as a user.

`make test` installs chromium and chromium-driver when they are missing (as root, with apt-get); without them these
tests are skipped and say why. Each main view is saved as a screenshot into docs/dashboard/, which the README shows,
so the pictures stay current (MOCKSERVER_SCREENSHOTS=0 saves them into a temporary directory instead).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from conftest import RunningServer, start_server

try:
    from selenium import webdriver
    from selenium.common.exceptions import (NoSuchElementException, StaleElementReferenceException,
                                            TimeoutException, WebDriverException)
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.remote.webelement import WebElement
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # pragma: no cover - the test extra installs it
    webdriver = None

SHOTS = (Path(tempfile.gettempdir()) / "mockserver-dashboard-shots" if os.environ.get("MOCKSERVER_SCREENSHOTS") == "0"
         else Path(__file__).resolve().parents[1] / "docs" / "dashboard")
AUTH = {"Authorization": "Bearer sk-test"}
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
         "--window-size=1440,900", "--autoplay-policy=user-gesture-required")
SCENARIOS = """\
scenarios:
  - name: greeting
    description: a fixed greeting
    match: {message: hello there}
    reply: {text: General Kenobi.}

  - name: door
    description: opens for the password only
    match: {model: mock-door, message: open sesame}
    reply: {text: The door opens.}

  - name: paced-demo
    description: a stream with a visible pace
    match: {model: mock-demo}
    stream: {ttft_ms: 120, tokens_per_second: 80, keepalive_ms: 40}
"""

if webdriver is None:
    pytestmark = pytest.mark.skip(reason="selenium is not installed (make test installs the test extra)")
elif not (CHROMIUM and DRIVER):
    pytestmark = pytest.mark.skip(reason="no chromium and chromedriver on PATH (make test installs Debian's "
                                         "chromium and chromium-driver when it runs as root)")


def chrome() -> "webdriver.Chrome":
    """Headless Chromium with a fresh profile, or a skip saying why it could not start."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='mock-dashboard-')}")
    try:
        return webdriver.Chrome(service=Service(DRIVER), options=options)
    except WebDriverException as exc:
        pytest.skip(f"chromium could not be started: {exc.msg}")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[RunningServer]:
    directory = tmp_path_factory.mktemp("scenarios")
    (directory / "demo.yaml").write_text(SCENARIOS)
    server, stop = start_server(task_speed=0, scenario_dirs=(directory,))
    yield server
    stop()


@pytest.fixture(scope="module")
def browser(site: RunningServer) -> Iterator["webdriver.Chrome"]:
    driver = chrome()
    yield driver
    driver.quit()


class Page:
    """The dashboard as a user sees it."""

    def __init__(self, driver: "webdriver.Chrome", url: str) -> None:
        self.driver, self.url = driver, url
        self.http = httpx.Client(base_url=url, headers=AUTH, timeout=30)

    def wait(self, condition: Callable[[Any], Any], timeout: float = 30) -> Any:
        return WebDriverWait(self.driver, timeout, poll_frequency=0.05,
                             ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)).until(condition)

    def find(self, css: str, root: Any = None) -> "WebElement":
        return (root or self.driver).find_element(By.CSS_SELECTOR, css)

    def click(self, css: str) -> None:
        """Click what `css` finds, finding it again if the page redrew it meanwhile."""
        self.wait(lambda _: self.find(css).click() or True)

    def all(self, css: str, root: Any = None) -> list["WebElement"]:
        return (root or self.driver).find_elements(By.CSS_SELECTOR, css)

    def rows(self) -> list[dict[str, str]]:
        """The traffic table, top (newest) first."""
        names = ("id", "time", "method", "path", "operation", "model", "asked", "status", "answered", "ms", "test_id")
        cells = self.driver.execute_script(  # in one go: the table changes under a row-by-row reader
            "return [...document.querySelectorAll('#requests tbody tr')]"
            ".map(r => [r.dataset.id, ...[...r.cells].map(c => c.innerText.trim())])")
        return [dict(zip(names, row)) for row in cells]

    def row_where(self, **wanted: str) -> dict[str, str]:
        """The first row whose cells contain the wanted texts (waited for)."""
        def found(_: Any) -> dict | None:
            return next((r for r in self.rows() if all(v in r[k] for k, v in wanted.items())), None)
        return self.wait(found)

    def open_row(self, row_id: str) -> "WebElement":
        self.click(f'#requests tr[data-id="{row_id}"]')
        return self.wait(lambda _: self.find("#detail .facts") and self.find("#detail"))

    def chat(self, text: str, model: str = "gpt-4o", **headers: str) -> httpx.Response:
        return self.http.post("/v1/chat/completions", headers=headers,
                              json={"model": model, "messages": [{"role": "user", "content": text}]})

    def type_into(self, element: "WebElement", text: str) -> None:
        """Select everything in a field and type `text` over it, as a user would."""
        element.click()
        element.send_keys(Keys.CONTROL, "a")
        element.send_keys(Keys.DELETE)
        element.send_keys(text)

    def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(SHOTS / f"{name}.png"))


@pytest.fixture
def page(browser: "webdriver.Chrome", site: RunningServer) -> Iterator[Page]:
    view = Page(browser, site.url)
    view.http.post("/_mock/reset")
    browser.get("about:blank")  # a fresh page (the same address again would only move to its #fragment)
    browser.get(site.url + "/_mock/#traffic")
    view.wait(lambda _: view.find("#conn").get_attribute("data-state") == "live")
    yield view
    view.http.close()


def test_requests_appear_live_newest_first_and_filter(page: Page, site: RunningServer) -> None:
    page.chat("What is the capital of France?", **{"x-test-id": "checkout-1"})
    oai = openai.OpenAI(base_url=site.v1, api_key="sk-test", max_retries=0,
                        default_headers={"x-test-id": "checkout-2"})
    list(oai.chat.completions.create(model="gpt-4o", stream=True,
                                     messages=[{"role": "user", "content": "Stream a haiku about rain"}]))
    page.chat("hello there, scenario", **{"x-test-id": "checkout-2"})
    page.chat("knock knock", "mock-door")
    page.http.post("/mj/submit/imagine", json={"prompt": "a lighthouse at dusk --ar 3:2"})
    page.chat("are you there?", "mock-overloaded")
    page.wait(lambda _: len(page.rows()) == 6)
    rows = page.rows()
    assert [int(r["id"]) for r in rows] == sorted((int(r["id"]) for r in rows), reverse=True)
    assert rows[0]["answered"].startswith("scenario:overloaded") and rows[0]["status"].startswith("529")
    assert rows[1]["operation"] == "mjSubmitImagine" and rows[1]["asked"] == "a lighthouse at dusk --ar 3:2"
    assert rows[3]["answered"] == "scenario:greeting · step 0" and rows[3]["test_id"] == "checkout-2"
    assert "SSE" in rows[4]["status"] and rows[4]["asked"] == "Stream a haiku about rain"
    page.shot("traffic")
    page.type_into(page.find("#f-test-id"), "checkout-2")
    page.wait(lambda _: [r["asked"] for r in page.rows()] == ["hello there, scenario", "Stream a haiku about rain"])
    page.find("#f-status").send_keys("5xx")
    page.type_into(page.find("#f-test-id"), "")
    page.wait(lambda _: [r["model"] for r in page.rows()] == ["mock-overloaded"])


def test_a_stream_in_full_with_its_timeline_and_text(page: Page, site: RunningServer) -> None:
    oai = openai.OpenAI(base_url=site.v1, api_key="sk-test", max_retries=0)
    text = "".join(c.choices[0].delta.content or "" for c in oai.chat.completions.create(
        model="mock-demo", stream=True, max_tokens=24,
        messages=[{"role": "user", "content": "Tell me slowly about tides"}]) if c.choices)
    row = page.wait(lambda _: next((r for r in page.rows() if r["model"] == "mock-demo" and "…" not in r["status"]),
                                   None))
    page.open_row(row["id"])
    page.wait(lambda _: page.all("#detail svg.timeline line.tick"))
    events = page.http.get(f"/_mock/requests/{row['id']}").json()["response"]["events"]
    assert len(page.all("#detail svg.timeline line.tick")) == len(events)
    assert len(page.all("#detail table.events tbody tr")) == len(events)
    assert len(page.all("#detail table.events tr.ping")) == sum("comment" in e for e in events) > 0
    assert page.find("#detail .ttft-label").text.startswith("TTFT ")
    assert page.find("#detail pre.reassembled").text == text
    assert "scenario paced-demo" in page.find("#detail details.section").text.lower()
    page.shot("request")


def test_a_miss_shows_the_near_scenarios_and_why(page: Page) -> None:
    page.chat("knock knock", "mock-door")
    row = page.row_where(model="mock-door")
    detail = page.open_row(row["id"])
    page.wait(lambda _: "No scenario matched" in detail.text)
    misses = page.find("#detail ul.misses").text
    assert "door" in misses and "last user message 'knock knock' does not contain 'open sesame'" in misses


def test_a_cut_stream_is_marked_where_it_was_cut(page: Page) -> None:
    with pytest.raises(httpx.HTTPError):
        page.http.post("/v1/chat/completions", json={"model": "mock-stream-dies", "stream": True,
                                                     "messages": [{"role": "user", "content": "die"}]})
    row = page.row_where(model="mock-stream-dies")
    assert "✂" in row["status"]
    page.open_row(row["id"])
    page.wait(lambda _: page.all("#detail svg.timeline .cut-label"))
    assert "connection reset after 5 events" in page.find("#detail .stats").text


def test_edit_a_scenario_see_its_error_at_the_line_then_fix_it(page: Page) -> None:
    page.chat("hello there")
    page.click("#tab-scenarios")
    cells = page.wait(lambda _: [c.text for c in page.all('#scenarios tr[data-name="greeting"] td')])
    assert cells[2] == "demo.yaml:2" and cells[5] == "1"
    page.click('#scenarios tr[data-name="greeting"] button.edit')
    editor = page.find("#editor-text")
    original = page.wait(lambda _: "name: greeting" in editor.get_attribute("value") and editor.get_attribute("value"))
    broken = original.replace("reply:\n", "reply:\n  colour: red\n")
    page.type_into(editor, broken)
    page.click("#editor-save")
    problem = page.wait(lambda _: page.find("#editor-problems li"))
    line = broken.splitlines().index("  colour: red") + 1
    assert problem.text.startswith(f"line {line}: unknown key 'colour'")
    assert page.find(f'#editor-gutter span[data-line="{line}"]').get_attribute("class") == "bad"
    assert page.chat("hello there").json()["choices"][0]["message"]["content"] == "General Kenobi."
    page.shot("scenarios")
    page.type_into(editor, original.replace("General Kenobi.", "Hello, fixed."))
    page.click("#editor-save")
    page.wait(lambda _: page.find("#editor-status").text == "Saved greeting.")
    assert page.all("#editor-problems li") == []
    assert page.chat("hello there").json()["choices"][0]["message"]["content"] == "Hello, fixed."
    page.click('#scenarios tr[data-name="greeting"] input.enable')
    page.wait(lambda _: "disabled" in page.find('#scenarios tr[data-name="greeting"]').get_attribute("class"))
    assert page.chat("hello there").json()["choices"][0]["message"]["content"] != "Hello, fixed."


def test_turn_a_request_into_a_scenario_that_answers_the_next_one(page: Page) -> None:
    page.chat("Please remember this answer")
    row = page.row_where(asked="Please remember this answer")
    page.open_row(row["id"])
    page.click("#to-scenario")
    text = page.wait(lambda _: page.find("#dialog-text").get_attribute("value"))
    assert f"name: recorded-createchatcompletion-{row['id']}" in text
    assert "message: Please remember this answer" in text
    page.click("#scenario-add")
    page.wait(lambda _: page.find("#dialog-status").text.startswith("Added: recorded-"))
    page.shot("to-scenario")
    page.click("#dialog-close")
    page.chat("Please remember this answer")
    page.row_where(answered=f"scenario:recorded-createchatcompletion-{row['id']}")


def test_copy_as_curl_gives_a_command_that_works(page: Page) -> None:
    page.chat("curl from the page", **{"x-test-id": "curl-page"})
    row = page.row_where(asked="curl from the page")
    page.open_row(row["id"])
    page.click("#as-curl")
    command = page.wait(lambda _: page.find("#dialog-text").get_attribute("value"))
    page.click("#dialog-close")
    out = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and '"object":"chat.completion"' in out.stdout, out.stderr
    page.wait(lambda _: len([r for r in page.rows() if r["test_id"] == "curl-page"]) == 2)


def test_pause_holds_new_requests_until_resumed(page: Page) -> None:
    page.chat("first")
    page.row_where(asked="first")
    page.click("#pause")
    page.chat("while paused")
    page.wait(lambda _: "1 new while paused" in page.find("#count").text)
    assert [r["asked"] for r in page.rows()] == ["first"]
    assert page.find("#conn").text == "paused"
    page.click("#pause")
    page.wait(lambda _: [r["asked"] for r in page.rows()] == ["while paused", "first"])


JOBS_JS = """return [...document.querySelectorAll('#jobs article.job')].map(card => ({
  family: card.dataset.family, text: card.innerText,
  images: [...card.querySelectorAll('img.thumb')].map(i => i.complete ? i.naturalWidth : 0),
  audio: [...card.querySelectorAll('audio')].map(a => a.src), video: [...card.querySelectorAll('video')].map(v => v.src)}))"""


def test_jobs_show_progress_and_their_assets(page: Page) -> None:
    page.http.post("/mj/submit/imagine", json={"prompt": "a lighthouse at dusk --ar 3:2"})
    page.http.post("/suno/submit/music", json={"prompt": "a sea shanty about a mock server", "mv": "chirp-v4"})
    page.click("#tab-jobs")

    def shown(_: Any) -> dict | None:  # read in one go: the cards refresh as jobs move
        cards: dict[str, dict] = {}
        for card in page.driver.execute_script(JOBS_JS):  # newest first: keep each family's newest job
            cards.setdefault(card["family"], card)
        loaded = all(card["images"] and card["images"][0] for card in cards.values())  # the rest load lazily
        return cards if {"midjourney", "suno"} <= set(cards) and loaded else None

    try:  # the mock renders each image on request: give a busy machine time
        cards = page.wait(shown, timeout=40)
    except TimeoutException:
        raise AssertionError(f"the job cards never showed: {page.driver.execute_script(JOBS_JS)}") from None
    assert "succeeded" in cards["midjourney"]["text"] and "a lighthouse at dusk" in cards["midjourney"]["text"]
    assert cards["midjourney"]["images"] and cards["midjourney"]["images"][0] == 1024
    assert cards["suno"]["audio"] and all(src.endswith(".mp3") for src in cards["suno"]["audio"])
    assert cards["suno"]["video"] and all(src.endswith(".mp4") for src in cards["suno"]["video"])
    page.shot("jobs")


def test_with_an_api_key_the_page_asks_for_the_admin_key(browser: "webdriver.Chrome") -> None:
    server, stop = start_server(api_keys=("sk-live",))
    try:
        browser.get(server.url + "/_mock/")
        view = Page(browser, server.url)
        field = view.wait(lambda _: view.find("#key"))
        field.send_keys("sk-live", Keys.ENTER)
        view.wait(lambda _: view.all("#conn") and view.find("#conn").get_attribute("data-state") == "live")
        assert "key=" not in browser.current_url  # taken out of the address bar
        httpx.post(server.url + "/v1/chat/completions", headers={"Authorization": "Bearer sk-live"},
                   json={"model": "gpt-4o", "messages": [{"role": "user", "content": "with a key"}]})
        view.row_where(asked="with a key")
    finally:
        browser.get("about:blank")
        stop()
