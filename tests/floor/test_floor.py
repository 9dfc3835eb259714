"""The floor with its real parts: a real nats-server with JetStream, real ``voiceassist``
agent processes publishing paced calls, the board as a real ``voiceassist floor`` process,
seen in a real headless Chromium."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import time

import httpx
import nats
import pytest
from floortools import DEMO_EVENTS
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from clitools import voiceassist
from voiceassist.config import load_config
from voiceassist.floor.board import read_call
from voiceassist.floor.broker import EmbeddedBroker
from voiceassist.sinks.floor import FloorPublisher

DEMO = [json.loads(line) for line in DEMO_EVENTS.read_text(encoding="utf-8").splitlines()]


def api(board_url: str, path: str = "/api/floor", **params) -> httpx.Response:
    base, token = board_url.split("/?token=")
    return httpx.get(base + path, params={"token": token, **params}, timeout=5)


def rows(board_url: str) -> list[dict]:
    return api(board_url).json()["calls"]


def wait_for(check, timeout: float = 30.0, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(every)
    raise AssertionError(f"not within {timeout} s: {check}")


def publisher(url: str, agent: str, call: str, redact: bool = True, **floor) -> FloorPublisher:
    cfg = load_config(None, {"privacy.redact_floor": redact, **{f"floor.{k}": v for k, v in floor.items()}})
    return FloorPublisher(url, cfg.floor, agent=agent, call=call, language="en", redact=cfg.privacy.redact_floor)


def test_two_agents_calls_on_the_board_in_a_browser(broker, processes, chromium):
    _, url = processes.board(broker.url)
    ann = processes.agent(broker.url, "ann", speed=6)
    bob = processes.agent(broker.url, "bob", speed=6)
    chromium.get(url)
    wait = WebDriverWait(chromium, 30, poll_frequency=0.05)
    wait.until(lambda d: {td.text.split("\n")[0] for td in d.find_elements(By.CSS_SELECTOR, "td.agent")} == {"ann", "bob"})
    # the caller's agitation crosses escalation.high at 23.5 s of the call: both rows alert
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "tr.alert")) == 2)
    assert not chromium.find_element(By.ID, "alert-banner").get_attribute("hidden")
    assert "agitation" in chromium.find_element(By.ID, "alert-banner").text
    assert chromium.execute_script("return window.alerts.length") >= 2
    state = rows(url)
    assert {r["agent"] for r in state} == {"ann", "bob"}
    assert all(r["agitation"] >= 0.6 and r["language"] == "en" and r["topic"] for r in state), state

    chromium.find_element(By.XPATH, "//td[starts-with(normalize-space(.), 'ann')]").click()
    wait.until(lambda d: "caller: Hello, I ordered a coat from you" in d.find_element(By.ID, "detail-transcript").text)
    assert chromium.find_element(By.ID, "detail-title").text.lower() == "ann — en"
    assert chromium.find_elements(By.CSS_SELECTOR, "#detail-prompts li")

    # a prompt that asks for the supervisor shows red on the row
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "td.prompt span.urgent[data-kind='offer_supervisor']"))
    assert ann.wait(60) == 0 and bob.wait(60) == 0
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#ended-list li") and not d.find_elements(By.CSS_SELECTOR, "#rows tr"))
    ended = chromium.find_element(By.ID, "ended-list").text
    assert "ann — 02:12" in ended and "bob — 02:12" in ended and "late delivery" in ended


def test_prompts_and_alerts_reach_the_board_within_a_second(broker, processes, chromium):
    _, url = processes.board(broker.url)
    chromium.get(url)
    wait = WebDriverWait(chromium, 10, poll_frequency=0.02)
    agent = publisher(broker.url, "ann", "c1")
    try:
        agent.handle({**DEMO[0], "t": 0.0})
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#rows tr"))
        chromium.find_element(By.ID, "sound").click()  # a supervisor's click: the page may play sound
        lower = next(e for e in DEMO if e["type"] == "prompt.shown" and e["kind"] == "lower_voice")
        sent = time.monotonic()
        agent.handle(lower)
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "td.prompt span.urgent[data-kind='lower_voice']"))
        prompt_s = time.monotonic() - sent
        manager = next(e for e in DEMO if e["type"] == "prompt.shown" and e["kind"] == "offer_supervisor")
        sent = time.monotonic()
        agent.handle({**manager, "reason": 'the caller asked for a manager: "I want to speak to your manager"'})
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "tr.alert.flash"))
        alert_s = time.monotonic() - sent
    finally:
        agent.close()
    assert chromium.find_element(By.ID, "alert-banner").text == "ann: asked for a manager"
    assert chromium.execute_script("return window.beeps") == 1
    assert prompt_s < 1.0 and alert_s < 1.0, (prompt_s, alert_s)


def test_the_api_and_who_may_see_it(broker, processes):
    _, url = processes.board(broker.url)
    base, token = url.split("/?token=")
    for path in ("/", "/api/floor", "/events", "/api/call"):
        assert httpx.get(base + path).status_code == 403
        assert httpx.get(base + path, params={"token": "wrong"}).status_code == 403
    agent = publisher(broker.url, "ann", "c1")
    for e in DEMO[:200]:
        agent.handle(e)
    agent.close()
    [row] = wait_for(lambda: rows(url))
    assert set(row) >= {"agent", "call", "team", "language", "started_at", "duration", "agitation", "prompt", "alert", "counts"}
    assert (row["agent"], row["call"], row["team"], row["language"]) == ("ann", "c1", "floor", "en")
    assert row["counts"]["no_blame"] == 1  # the events up to 40 s: the agent blamed the courier once
    assert set(api(url).json()) >= {"calls", "promises"}
    assert api(url, "/api/call", call="c1").json()["transcript"]
    page = httpx.get(url)
    assert page.status_code == 200 and "/static/board.js" in page.text and "http" not in page.text.replace(base, "")


def test_an_agents_call_is_unharmed_by_a_broker_killed_mid_call(tmp_path, processes):
    """The broker dies 6 s into a call and is back 5 s later: the call goes on, its events wait
    and reach the stream and the board, none lost."""
    port = EmbeddedBroker(tmp_path, port=0).port
    store = tmp_path / "store"
    first = EmbeddedBroker(store, port=port).start()
    try:
        _, url = processes.board(first.url)
        agent = processes.agent(first.url, "ann", DEMO_EVENTS, 6, "--events", tmp_path / "ann.jsonl")
        wait_for(lambda: rows(url), every=0.02)
        began = time.monotonic()  # the call started (its first events on the board)
        time.sleep(5)
        first.kill()
        time.sleep(5)
        assert agent.poll() is None  # the call goes on
        second = EmbeddedBroker(store, port=port).start()
        try:
            assert agent.wait(60) == 0, agent.err_path.read_text()
            assert time.monotonic() - began < DEMO[-1]["t"] / 6 + 3  # its pace kept: it never waited 5 s for the broker
            logged = [json.loads(line) for line in (tmp_path / "ann.jsonl").read_text().splitlines()]
            assert logged[-1]["type"] == "call.ended" and len(logged) > 700
            call = re.search(r"call (\S+) of agent ann", agent.err_path.read_text()).group(1)
            stored = read_call(load_config(), second.url, call)
            assert [(e["t"], e["type"]) for e in stored] == [(e["t"], e["type"]) for e in logged]
            assert "not delivered" not in agent.err_path.read_text()
            # and the board, connected through it all, saw the call end
            wait_for(lambda: [e for e in api(url).json()["ended"] if e["call"] == call], timeout=15)
        finally:
            second.stop()
    finally:
        first.stop()


def test_events_beyond_the_buffer_are_dropped_oldest_first_and_counted(tmp_path, caplog):
    port = EmbeddedBroker(tmp_path, port=0).port
    url = f"nats://127.0.0.1:{port}"
    agent = publisher(url, "ann", "c1", buffer_events=100)
    try:
        started = time.monotonic()
        for e in DEMO[:250]:  # the broker is not there yet
            agent.handle(e)
        assert time.monotonic() - started < 0.5  # the call never waits
        assert agent.dropped == 150
        with EmbeddedBroker(tmp_path / "store", port=port) as b:
            wait_for(lambda: agent.published == 100, timeout=15)
            agent.close()
            stored = read_call(load_config(), b.url, "c1")
    finally:
        agent.close()
    assert [e["t"] for e in stored] == [e["t"] for e in DEMO[150:250]]
    assert (agent.dropped, agent.unsent) == (150, 0)
    assert "150 event(s) of call c1 not delivered" in caplog.text


def test_a_restarted_board_recovers_the_live_calls_from_the_stream(broker, processes):
    board, url = processes.board(broker.url)
    short = publisher(broker.url, "cat", "ended-call")
    for e in DEMO[:20] + [DEMO[-1]]:
        short.handle(e)
    short.close()
    ann = processes.agent(broker.url, "ann", speed=5)
    before = wait_for(lambda: [r for r in rows(url) if r["agent"] == "ann" and r["agitation"]])[0]
    board.send_signal(signal.SIGTERM)
    assert board.wait(10) != 1, board.err_path.read_text()
    time.sleep(3)
    _, url = processes.board(broker.url, name="board2")
    [after] = rows(url)  # at once: rebuilt from the stream, not from what came since
    assert (after["agent"], after["call"]) == ("ann", before["call"])
    assert after["duration"] >= before["duration"] + 3 * 5  # the board was away 3 s of wall time
    detail = api(url, "/api/call", call=after["call"]).json()
    assert detail["transcript"][0]["t"] < before["duration"]  # what was said before the restart
    assert ann.wait(60) == 0
    wait_for(lambda: not rows(url))


def test_report_reads_a_call_from_the_stream(broker, tmp_path):
    agent = publisher(broker.url, "ann", "20261202-101500-abc123")
    for e in DEMO:
        agent.handle(e)
    agent.close()
    out = tmp_path / "call.html"
    result = voiceassist("report", "--floor", broker.url, "--call", "20261202-101500-abc123", "-o", out)
    assert result.returncode == 0, result.stderr
    assert "Make the apology specific" in out.read_text() or "specific" in out.read_text()
    missing = voiceassist("report", "--floor", broker.url, "--call", "nosuchcall", "-o", out)
    assert missing.returncode == 2 and "no such call" in missing.stderr


def test_card_numbers_phones_and_emails_are_redacted_before_publishing(broker):
    said = {"t": 5.0, "type": "transcript.final", "speaker": "caller", "start": 1.0, "end": 5.0, "words": [],
            "text": "my card is 4111 1111 1111 1111 and my mail is ivan dot petrov at gmail dot com"}
    for call, redact in (("on", True), ("off", False)):
        agent = publisher(broker.url, "ann", call, redact=redact)
        agent.handle(DEMO[0])
        agent.handle(said)
        agent.close()
    on = read_call(load_config(), broker.url, "on")[1]["text"]
    off = read_call(load_config(), broker.url, "off")[1]["text"]
    assert on == "my card is [card] and my mail is [email]"
    assert off == said["text"]


def test_the_floor_command_starts_its_own_broker_with_a_token(tmp_path, processes):
    config = tmp_path / "floor.toml"
    config.write_text(f'[floor]\nbroker_port = 0\nstore_dir = "{tmp_path / "store"}"\n')
    board = processes.start("floor", "--port", "0", "--config", config, name="floor")
    printed = wait_for(lambda: re.search(r"broker: (nats://(\S+)@127\.0\.0\.1:(\d+))\nboard: (http://127\.0\.0\.1:\d+/\?token=\S+)",
                                         board.out_path.read_text()), timeout=30)
    broker_url, token, port, url = printed.groups()

    async def without_token():
        try:
            await nats.connect(f"nats://127.0.0.1:{port}", allow_reconnect=False, connect_timeout=2)
        except Exception as e:  # noqa: BLE001
            return str(e)
        return "connected"

    assert "Authorization Violation" in asyncio.run(without_token())
    agent = processes.agent(broker_url, "ann", speed=20)
    wait_for(lambda: rows(url))
    assert agent.wait(60) == 0
    assert (tmp_path / "store" / "jetstream").is_dir()


@pytest.mark.parametrize("args, needles", [
    (["analyze", DEMO_EVENTS, "--floor", "nats://127.0.0.1:1", "--speed", "0"], ["--speed 0.0", "positive"]),
    (["floor", "--listen", "everywhere"], ["--listen 'everywhere'", "IP address"]),
    (["floor", "--broker", "nats://127.0.0.1:1", "--port", "0"], ["nats://127.0.0.1:1", "cannot connect"]),
    (["report", "--floor", "nats://127.0.0.1:1", "-o", "x.html"], ["--call ID"]),
])
def test_user_errors_are_one_line(args, needles):
    from clitools import user_error

    user_error(voiceassist(*args, timeout=60), *needles)


def test_on_loopback_only_this_machine_may_see_the_board_and_with_listen_others_need_the_token():
    from starlette.testclient import TestClient

    from voiceassist.floor.board import create_app
    from voiceassist.floor.state import FloorState

    state = FloorState(load_config())
    here = create_app(state, "tok", 4.0, loopback_only=True)
    assert TestClient(here, client=("127.0.0.1", 5000)).get("/api/floor?token=tok").status_code == 200
    assert TestClient(here, client=("203.0.113.9", 5000)).get("/api/floor?token=tok").status_code == 403
    shared = create_app(state, "tok", 4.0, loopback_only=False)  # --listen 0.0.0.0
    assert TestClient(shared, client=("203.0.113.9", 5000)).get("/api/floor?token=tok").status_code == 200
    assert TestClient(shared, client=("203.0.113.9", 5000)).get("/api/floor").status_code == 403
