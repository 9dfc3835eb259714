"""The post-call report of a real call (the demo call through analyze --report), opened in the
real headless Chromium: the timeline plot, the prompts at their times, the trigger words
marked in the transcript, the promises, the summary counts; and nothing fetched from outside."""

from __future__ import annotations

import json
import re

import pytest
from selenium.webdriver.common.by import By

from voiceassist.events import heard_phrase
from voiceassist.events import clock

from report_helpers import read_jsonl, voiceassist


def _prompts(evs):
    """The prompts shown, each in its last words (a ``prompt.updated`` corrects one in place)."""
    shown = {e["id"]: e for e in evs if e["type"] == "prompt.shown"}
    for e in evs:
        if e["type"] == "prompt.updated" and e["id"] in shown:
            shown[e["id"]] = {**e, "t": shown[e["id"]]["t"], "type": "prompt.shown"}
    return list(shown.values())


def _plain(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def test_plot_has_both_speakers_loudness_and_rate(demo, demo_events, page):
    levels = [e for e in demo_events if e["type"] == "level"]
    assert {e["speaker"] for e in levels} == {"caller", "agent"}, "--report must turn level events on"
    driver = page(demo["report"])
    svg = driver.find_element(By.CSS_SELECTOR, "#timeline svg")
    assert svg.size["width"] > 300 and svg.size["height"] > 150
    for series in ("loudness", "baseline", "rate", "rate-baseline", "turns"):
        for speaker in ("caller", "agent"):
            path = svg.find_element(By.CSS_SELECTOR, f"g#{series}-{speaker} path")
            d = path.get_attribute("d")
            points = len(re.findall(r"[ML]", d))
            # a line through the speaker's measurements, a bar per utterance; a baseline is
            # nearly flat (matplotlib drops the points of a straight run)
            assert points >= {"turns": 4, "baseline": 2, "rate-baseline": 2}.get(series, 20), (series, speaker, points)
    labels = svg.text
    assert "loudness (LUFS)" in labels and "speech rate" in labels and "call time" in labels


def test_prompts_are_on_the_plot_at_their_times(demo, demo_events, page):
    shown = _prompts(demo_events)
    assert len(shown) >= 5
    driver = page(demo["report"])
    xs, ts = [], []
    for n, e in enumerate(shown, 1):
        row = driver.find_element(By.ID, f"prompt-row-{n}")
        assert row.get_attribute("data-kind") == e["kind"]
        assert clock(e["t"]) in row.text and e["text"] in row.text
        line = driver.find_element(By.CSS_SELECTOR, f"#timeline g#prompt-{n}")
        title = line.find_element(By.TAG_NAME, "title").get_attribute("textContent")
        assert e["kind"] in title and clock(e["t"]) in title and e["reason"] in title
        box = driver.execute_script("return arguments[0].getBoundingClientRect()", line.find_element(By.TAG_NAME, "path"))
        xs.append(box["x"] + box["width"] / 2)
        ts.append(e["t"])
    # The lines sit at their times: x is one linear function of t (within a pixel).
    (t0, x0), (t1, x1) = min(zip(ts, xs)), max(zip(ts, xs))
    assert t1 - t0 > 30 and x1 - x0 > 100
    for t, x in zip(ts, xs):
        assert abs(x0 + (t - t0) * (x1 - x0) / (t1 - t0) - x) < 1.5, (t, x)


def test_trigger_words_are_highlighted(demo, demo_events, page):
    finals = [e for e in demo_events if e["type"] == "transcript.final"]
    driver = page(demo["report"])
    marks = {}
    for m in driver.find_elements(By.CSS_SELECTOR, "#transcript mark"):
        marks.setdefault(int(m.get_attribute("data-prompt")), []).append(m)
    expected = 0
    for n, e in enumerate(_prompts(demo_events), 1):
        heard = heard_phrase(e["reason"])
        said = heard and any(
            f" {_plain(heard)} " in f" {_plain(f['text'])} " and abs(e["t"] - min(max(e["t"], f["start"]), f["end"])) < 20
            for f in finals
        )
        if not said:  # a voice-monitor prompt, or words heard in a partial that the final changed
            assert n not in marks
            continue
        expected += 1
        assert n in marks, (n, heard)
        marked = [driver.execute_script("return arguments[0].firstChild.textContent", m) for m in marks[n]]
        assert _plain(" ".join(marked)) == _plain(heard)
        assert [m.find_element(By.TAG_NAME, "sup").text for m in marks[n]] == [str(n)] * len(marked)
        assert marks[n][0].get_attribute("data-kind") == e["kind"]
    assert expected >= 5
    # The mark is inside the words of the utterance that said them, whose speaker is shown.
    row = marks[min(marks)][0].find_element(By.XPATH, "./ancestor::tr")
    assert row.get_attribute("class").split()[-1] in ("caller", "agent")


def test_promises_are_listed_and_vague_ones_flagged(demo, demo_events, page):
    promised = [e for e in demo_events if e["type"] == "callback.promised"]
    assert promised, "the demo call's agent promises a call-back"
    driver = page(demo["report"])
    rows = driver.find_elements(By.CSS_SELECTOR, "#promises tr.vague, #promises tr.timed")
    assert len(rows) == len(promised)
    for row, e in zip(rows, promised):
        assert e["text"] in row.text and clock(e["said_at"]) in row.text
        if e["due"] is None:
            assert "vague" in row.get_attribute("class") and "no time agreed" in row.text
        else:
            assert e["due"] in row.text
    vague = sum(e["due"] is None for e in promised)
    item = driver.find_element(By.CSS_SELECTOR, "#fixes li[data-kind=promises]")
    assert f"Call-back promises: {len(promised)}" in item.text
    assert (f"{vague} vague" in item.text) == (vague > 0)


def test_summary_counts_what_to_fix(demo, demo_events, page):
    ended = demo_events[-1]
    assert ended["type"] == "call.ended"
    counts = ended["summary"]["prompts"]
    driver = page(demo["report"])
    fixes = {li.get_attribute("data-kind"): li.text for li in driver.find_elements(By.CSS_SELECTOR, "#fixes li[data-kind]")}
    for kind in ("lower_voice", "slow_down", "no_blame", "specific_apology", "let_them_finish"):
        if counts.get(kind):
            assert f"{counts[kind]}× {kind}" in fixes[kind]
        else:
            assert kind not in fixes
    assert "lower_voice" in fixes and "no_blame" in fixes, "the demo agent gets loud and blames the courier"
    table = driver.find_element(By.ID, "summary").text
    for kind, n in counts.items():
        assert re.search(rf"^{kind} {n}$", table, re.M), (kind, n)
    for topic in ended["summary"]["topics"]:
        assert topic in fixes["topics"]


def test_report_is_self_contained_and_small(demo, page):
    driver = page(demo["report"])
    assert driver.title == "Call report: call"
    refs = driver.execute_script(
        "return [...document.querySelectorAll('[src],[href],link,script')].map(e => e.outerHTML.slice(0, 80))"
    )
    assert refs == []
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0
    size = demo["report"].stat().st_size
    assert size < 250_000, f"{size} bytes"


def test_report_from_the_events_file_is_the_same_page(demo, tmp_path):
    """--report implies --levels, so the events file re-renders the same report."""
    again = tmp_path / "call.html"
    voiceassist("report", demo["events"], "-o", again)
    assert again.read_bytes() == demo["report"].read_bytes()


def test_untrusted_text_is_shown_as_text(demo, demo_events, tmp_path, page):
    evs = [dict(e) for e in demo_events]
    first = next(e for e in evs if e["type"] == "transcript.final")
    first["text"] = "<script>window.pwned = 1</script> <b>hello</b> & goodbye"
    shown = next(e for e in evs if e["type"] == "prompt.shown")
    for e in evs:  # and the final's correction of it, if any
        if e["type"] in ("prompt.shown", "prompt.updated") and e["id"] == shown["id"]:
            e["reason"] = 'the caller said "<img src=x onerror=window.pwned=2>"'
    path = tmp_path / "evil.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in evs), encoding="utf-8")
    voiceassist("report", path, "-o", tmp_path / "evil.html")
    driver = page(tmp_path / "evil.html")
    assert driver.execute_script("return window.pwned") is None
    cell = driver.find_element(By.CSS_SELECTOR, "#transcript tr.utterance td.text")
    assert cell.text == "<script>window.pwned = 1</script> <b>hello</b> & goodbye"
    assert driver.find_elements(By.CSS_SELECTOR, "#transcript b, body img, body script") == []
    title = driver.find_element(By.CSS_SELECTOR, "#timeline g#prompt-1 title").get_attribute("textContent")
    assert "<img src=x onerror=window.pwned=2>" in title


def test_arabic_transcript_reads_right_to_left(tmp_path, page):
    """A file from another recogniser, in Arabic: the real trigger rules run on it
    (analyze EVENTS.jsonl --report), and the report marks the Arabic words and sets them RTL."""
    def final(t, speaker, text, start, end):
        return {"t": t, "type": "transcript.final", "speaker": speaker, "text": text, "start": start, "end": end, "words": []}

    evs = [
        {"t": 0.0, "type": "call.started", "language": "ar", "engine": "other", "model": "", "sample_rate_in": 8000, "channels": 2},
        final(4.0, "caller", "أين طلبي؟ هذه مهزلة، أسبوعان وأنا أنتظر", 0.5, 3.8),
        final(9.0, "agent", "أنا آسف جداً، سأتصل بك لاحقاً", 4.5, 8.6),  # "later": a vague promise
    ]
    src = tmp_path / "ar.jsonl"
    src.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in evs), encoding="utf-8")
    out = tmp_path / "ar.html"
    voiceassist("analyze", src, "--events", tmp_path / "ar-out.jsonl", "--report", out)
    made = read_jsonl(tmp_path / "ar-out.jsonl")
    assert any(e["type"] == "prompt.shown" for e in made) and any(e["type"] == "callback.promised" for e in made)
    driver = page(out)
    cells = driver.find_elements(By.CSS_SELECTOR, "#transcript td.text")
    assert [c.text.split("\n")[0][:3] for c in cells] == ["أين", "أنا"]
    for cell in cells:
        assert cell.get_attribute("lang") == "ar"
        assert driver.execute_script("return getComputedStyle(arguments[0]).direction", cell) == "rtl"
    assert driver.find_elements(By.CSS_SELECTOR, "#transcript mark"), "the Arabic trigger words are marked"
    promise = driver.find_element(By.CSS_SELECTOR, "#promises tr.vague td[dir=auto]")
    assert driver.execute_script("return getComputedStyle(arguments[0]).direction", promise) == "rtl"
    assert driver.find_elements(By.CSS_SELECTOR, "#timeline svg g#turns-caller")


@pytest.mark.parametrize(
    "reason, heard",
    [
        ('the caller said "where is my order"', "where is my order"),
        ("клиент: «где мой заказ»", "где мой заказ"),
        ("kupac je rekao: „gdje je narudžba”", "gdje je narudžba"),
        ('yine "pardon" dediniz: sadece "özür dilerim" yetmez', "pardon"),  # the first quote is what was heard
        ("+8.2 dB over your usual level for 0.5 s", None),
    ],
)
def test_heard_phrase_is_the_first_quote(reason, heard):
    assert heard_phrase(reason) == heard
