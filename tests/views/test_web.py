"""The web page in a real headless Chromium, fed a golden call's events as they happen; and
who may see it: the token, and loopback peers only."""

from __future__ import annotations

import json
import socket
import threading
import time

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from starlette.testclient import TestClient
from viewtools import ROOT

from voiceassist.config import load_config
from voiceassist.rules.phrasebook import load_phrasebook
from voiceassist.sinks.view import ViewState
from voiceassist.sinks.web import WebView, create_app

# The events of golden/monologue.wav as `voiceassist analyze --engine whisper --levels` wrote
# them (see tests/fixtures/views/README.md).
MONOLOGUE = ROOT / "tests" / "fixtures" / "views" / "monologue.events.jsonl"


def replay(events: list[dict], sink, speed: float) -> None:
    """Hands each event to ``sink`` at its audio time, ``speed`` times faster than real time."""
    start = time.monotonic()
    for event in events:
        time.sleep(max(0.0, start + event["t"] / speed - time.monotonic()))
        sink.handle(event)


@pytest.fixture
def web():
    cfg = load_config(None, {"ui.port": 0})
    view = WebView(ViewState(cfg), cfg.ui)
    yield view
    view.close()


def text(driver, element_id: str) -> str:
    return driver.find_element(By.ID, element_id).text


def test_page_shows_the_golden_calls_prompt_transcript_and_meters(chromium, web, tmp_path):
    events = [json.loads(line) for line in MONOLOGUE.read_text(encoding="utf-8").splitlines()]
    chromium.get(web.url)
    feeder = threading.Thread(target=replay, args=(events, web, 8.0), daemon=True)
    feeder.start()
    wait = WebDriverWait(chromium, 30, poll_frequency=0.05)

    wait.until(lambda d: text(d, "prompt-text") == "Show you're listening")
    clock = text(chromium, "clock")
    assert "01:01.4" <= clock <= "01:03.0", clock  # shown at 61.36 s of audio (+ a redraw)
    assert [li.text for li in chromium.find_elements(By.CSS_SELECTOR, "#suggestions li")] == [
        "“I see.”", "“I understand.”", "“Go on, please.”"
    ]
    assert "without a word from you" in text(chromium, "reason")
    assert "whole situation from the beginning" in text(chromium, "transcript")
    assert chromium.find_element(By.ID, "prompt").get_attribute("class") == "advice"
    assert text(chromium, "agitation-value").endswith(" dB")  # the caller's loudness over baseline
    rate = text(chromium, "rate-value")  # "4.1 / 5.5": the agent's last rate against the limit
    assert rate.split(" / ")[1] == "5.5"

    chromium.find_elements(By.CSS_SELECTOR, "#suggestions li")[0].click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#suggestions li.used"))
    chromium.save_screenshot(str(tmp_path / "view-web.png"))
    chromium.find_element(By.ID, "dismiss").click()
    wait.until(lambda d: "no prompt" in text(d, "prompt-text"))
    feeder.join()
    wait.until(lambda d: text(d, "status") == "call ended")


def test_arabic_reads_right_to_left(chromium, web):
    book = load_phrasebook("ar")
    prompt = book.prompts["acknowledge"]
    for event in [
        {"t": 0.0, "type": "call.started", "language": "ar", "engine": "whisper", "model": "", "sample_rate_in": 8000, "channels": 2},
        {"t": 3.0, "type": "transcript.final", "speaker": "caller", "text": "الطلب لم يصل بعد", "start": 1.0, "end": 3.0, "words": []},
        {"t": 4.0, "type": "prompt.shown", "id": "acknowledge-1", "kind": "acknowledge", "text": prompt.text,
         "suggestions": list(prompt.suggestions), "reason": "…", "language": "ar"},
    ]:
        web.handle(event)
    chromium.get(web.url)
    WebDriverWait(chromium, 10).until(lambda d: text(d, "prompt-text") == prompt.text)
    for element_id in ("prompt-text", "suggestions", "transcript"):
        assert chromium.find_element(By.ID, element_id).get_attribute("dir") == "rtl"
    assert text(chromium, "transcript") == "الطلب لم يصل بعد"
    # laid out right to left: the first word of the line sits right of the last
    words = chromium.execute_script(
        "const p = document.querySelector('#transcript p'); const r = document.createRange();"
        "r.setStart(p.firstChild, 0); r.setEnd(p.firstChild, 5); const first = r.getBoundingClientRect().left;"
        "r.setStart(p.firstChild, p.firstChild.length - 3); r.setEnd(p.firstChild, p.firstChild.length);"
        "return [first, r.getBoundingClientRect().left];"
    )
    assert words[0] > words[1]


def test_without_the_token_403(web):
    assert httpx.get(web.url.split("?")[0]).status_code == 403
    assert httpx.get(web.url.replace(web.token, "wrong")).status_code == 403
    assert httpx.get(f"http://127.0.0.1:{web.port}/events?token=wrong").status_code == 403
    assert httpx.post(f"http://127.0.0.1:{web.port}/action", json={"action": "dismissed"}).status_code == 403
    page = httpx.get(web.url)
    assert page.status_code == 200 and "/static/app.js" in page.text


def _own_address() -> str | None:
    """This machine's address on its network interface (no packet is sent), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("198.51.100.1", 9))  # a documentation address: only picks the route
            host = s.getsockname()[0]
        except OSError:
            return None
    return None if host.startswith("127.") else host


def test_not_reachable_from_the_network(web):
    host = _own_address()
    if host is None:
        pytest.skip("this machine has no non-loopback address")
    with pytest.raises(httpx.ConnectError):  # bound to 127.0.0.1 only
        httpx.get(f"http://{host}:{web.port}/?token={web.token}")


def test_a_non_loopback_peer_is_refused_even_with_the_token():
    """The app itself refuses non-loopback peers, whatever the server binds: a real server on
    this machine's network address, asked by a real client from that address."""
    import uvicorn

    host = _own_address()
    if host is None:
        pytest.skip("this machine has no non-loopback address")
    cfg = load_config()
    stopping = threading.Event()
    app = create_app(ViewState(cfg), "tok", stopping=stopping)
    sock = socket.socket()
    sock.bind((host, 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        answer = httpx.get(f"http://{host}:{sock.getsockname()[1]}/?token=tok")
        assert answer.status_code == 403 and "this machine only" in answer.text
    finally:
        stopping.set()
        server.should_exit = True
        thread.join(5)
    # and the same app answers a loopback peer (in-process ASGI client, peer address as given)
    assert TestClient(app, client=("127.0.0.1", 5000)).get("/?token=tok").status_code == 200
    assert TestClient(app, client=("203.0.113.9", 5000)).get("/?token=tok").status_code == 403


def test_a_lost_device_is_shown_until_it_is_back(chromium, web):
    web.handle({"t": 0.0, "type": "call.started", "language": "en", "engine": "whisper", "model": "", "sample_rate_in": 16000, "channels": 1})
    chromium.get(web.url)
    wait = WebDriverWait(chromium, 10, poll_frequency=0.05)
    wait.until(lambda d: text(d, "status") == "live")
    assert not chromium.find_element(By.ID, "notice").is_displayed()
    web.handle({"t": 5.0, "type": "device.lost", "device": "callerline", "speakers": ["caller"]})
    wait.until(lambda d: d.find_element(By.ID, "notice").is_displayed())
    assert text(chromium, "notice") == "input device 'callerline' lost — waiting for it"
    web.handle({"t": 8.0, "type": "device.restored", "device": "callerline", "speakers": ["caller"], "lost_s": 3.0})
    wait.until(lambda d: not d.find_element(By.ID, "notice").is_displayed())


def test_earlier_calls_open_promises_are_on_the_page(chromium):
    cfg = load_config(None, {"ui.port": 0})
    earlier = [{"id": "aaaa0002", "call": "/calls/a.wav", "started_at": None, "text": "I'll call you back tomorrow at three",
                "due": "2020-03-03T15:00:00", "due_said": "tomorrow 15:00", "said_at": 3.0, "done": False}]
    view = WebView(ViewState(cfg, earlier=earlier), cfg.ui)
    try:
        chromium.get(view.url)
        wait = WebDriverWait(chromium, 10, poll_frequency=0.05)
        wait.until(lambda d: d.find_element(By.ID, "promises").is_displayed())
        [item] = chromium.find_elements(By.CSS_SELECTOR, "#earlier-list li")
        assert item.text == "earlier: tomorrow 15:00 OVERDUE — aaaa0002 I'll call you back tomorrow at three"
        assert item.get_attribute("class") == "overdue"
        assert chromium.find_elements(By.CSS_SELECTOR, "#promise-list li") == []
    finally:
        view.close()


def test_page_shows_the_talk_shares_of_a_golden_call(chromium, web):
    """Real level events (the voice monitor on golden/calm.wav) into the page: its bar and
    numbers are those of the newest event."""
    from voiceassist.pipeline import run_call
    from voiceassist.sinks.memory import ListSink
    from voiceassist.sources.wav import WavSource

    sink = ListSink()
    with WavSource(ROOT / "tests" / "fixtures" / "golden" / "calm.wav") as source:
        run_call(source, None, [sink], load_config(), levels=True)
    for event in sink.events:
        if event["type"] != "call.ended":
            web.handle(event)
    share = {k: round(100 * v) for k, v in [e for e in sink.events if e["type"] == "level"][-1]["talk_share"].items()}
    chromium.get(web.url)
    wait = WebDriverWait(chromium, 10)
    wait.until(lambda d: text(d, "talk-value") == f"{share['agent']}% · {share['caller']}%")
    assert f"silence {share['silence']}%" in chromium.find_element(By.ID, "talk-bar").get_attribute("title")
    widths = chromium.execute_script(
        "return ['agent', 'caller', 'silence'].map(k => document.getElementById('talk-' + k).style.width)")
    assert widths == [f"{share[k]}%" for k in ("agent", "caller", "silence")]
    bar = chromium.find_element(By.ID, "talk-agent").size["width"] / chromium.find_element(By.ID, "talk-bar").size["width"]
    assert bar == pytest.approx(share["agent"] / 100, abs=0.02)
