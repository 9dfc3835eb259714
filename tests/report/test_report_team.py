"""The team page over several calls, opened in the real headless Chromium.

Three events files, all made by the product from the demo call: its events as analysed; the
same transcripts re-run through `analyze EVENTS.jsonl` (the voice monitor's prompts need the
audio and are not re-derived, so its counts differ); and its first half, as a call whose
log was cut short (no `call.ended`)."""

from __future__ import annotations

import json
import shutil
from collections import Counter

import pytest
from report_helpers import read_jsonl, voiceassist
from selenium.webdriver.common.by import By

from voiceassist.events import heard_phrase


@pytest.fixture(scope="module")
def team(demo, tmp_path_factory):
    calls = tmp_path_factory.mktemp("calls")
    shutil.copy(demo["events"], calls / "angry.jsonl")
    voiceassist("analyze", calls / "angry.jsonl", "--events", calls / "rerun.jsonl")
    lines = demo["events"].read_text(encoding="utf-8").splitlines(keepends=True)
    (calls / "cut.jsonl").write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")
    # a call that ends on a promise with no time, through the real trigger rules
    said = [
        {"t": 0.0, "type": "call.started", "language": "en", "engine": "other", "model": "", "sample_rate_in": 8000, "channels": 2},
        {"t": 4.0, "type": "transcript.final", "speaker": "caller", "text": "Where is my order? This is ridiculous.", "start": 0.5, "end": 3.5, "words": []},
        {"t": 9.0, "type": "transcript.final", "speaker": "agent", "text": "Let me look into it and I'll call you back later.", "start": 5.0, "end": 8.5, "words": []},
    ]
    source = tmp_path_factory.mktemp("vague") / "vague.jsonl"
    source.write_text("".join(json.dumps(e) + "\n" for e in said), encoding="utf-8")
    voiceassist("analyze", source, "--events", calls / "vague.jsonl")
    out = tmp_path_factory.mktemp("team") / "reports"
    result = voiceassist("report", calls, "-o", out)
    assert "index.html" in result.stdout
    events = {p.stem: read_jsonl(p) for p in sorted(calls.glob("*.jsonl"))}
    return out, events, calls


def test_team_page_lists_each_call_with_its_prompt_counts(team, page):
    out, events, _ = team
    assert sorted(p.name for p in out.iterdir()) == ["angry.html", "cut.html", "index.html", "rerun.html", "vague.html"]
    driver = page(out / "index.html")
    rows = {r.get_attribute("data-call"): r for r in driver.find_elements(By.CSS_SELECTOR, "#calls tr.call")}
    assert sorted(rows) == sorted(events)
    counts = {name: Counter(e["kind"] for e in evs if e["type"] == "prompt.shown") for name, evs in events.items()}
    assert counts["angry"] != counts["rerun"], "the re-run has no voice-monitor prompts"
    for name, row in rows.items():
        assert int(row.find_element(By.CSS_SELECTOR, "td.total").text) == sum(counts[name].values())
        for cell in row.find_elements(By.CSS_SELECTOR, "td[data-kind]"):
            assert int(cell.text or 0) == counts[name][cell.get_attribute("data-kind")], (name, cell.get_attribute("data-kind"))
    assert "(cut short)" in rows["cut"].text and "(cut short)" not in rows["angry"].text


def test_most_common_triggers(team, page):
    out, events, _ = team
    kinds = Counter(e["kind"] for evs in events.values() for e in evs if e["type"] == "prompt.shown")
    reasons = {}  # each prompt's last word on what was heard: a prompt.updated replaces its prompt.shown's
    for name, evs in events.items():
        for e in evs:
            if e["type"] in ("prompt.shown", "prompt.updated"):
                reasons[name, e["id"]] = e["reason"]
    phrases = Counter(heard_phrase(r).lower() for r in reasons.values() if heard_phrase(r))
    driver = page(out / "index.html")
    rows = driver.find_elements(By.CSS_SELECTOR, "#kinds tr[data-kind]")
    shown = [(r.get_attribute("data-kind"), int(r.find_elements(By.TAG_NAME, "td")[-1].text)) for r in rows]
    assert sorted(shown) == sorted(kinds.items())
    assert [n for _, n in shown] == sorted((n for _, n in shown), reverse=True), "most common first"
    table = driver.find_element(By.ID, "phrases").text
    top, n = phrases.most_common(1)[0]
    assert f"“{top}”" in table and n >= 3  # heard in all three calls


def test_calls_with_vague_promises_link_to_their_reports(team, page):
    out, events, _ = team
    vague = sorted(name for name, evs in events.items() if any(e["type"] == "callback.promised" and e["due_said"] == "vague" for e in evs))
    assert vague == ["vague"]
    driver = page(out / "index.html")
    items = driver.find_elements(By.CSS_SELECTOR, "#vague li[data-call]")
    assert sorted(i.get_attribute("data-call") for i in items) == vague
    items[0].find_element(By.TAG_NAME, "a").click()
    assert driver.title == f"Call report: {vague[0]}"
    assert driver.find_element(By.CSS_SELECTOR, "#promises tr.vague")
    driver.find_element(By.LINK_TEXT, "← team report").click()
    assert driver.title.startswith("Team report: 4 calls")


def test_several_files_make_the_same_pages_as_their_folder(team, tmp_path):
    out, _, calls = team
    again = tmp_path / "again"
    voiceassist("report", *sorted(calls.glob("*.jsonl")), "-o", again)
    for made in out.iterdir():
        assert (again / made.name).read_bytes() == made.read_bytes(), made.name
