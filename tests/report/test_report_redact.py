"""Reports leave out card numbers, phone numbers and e-mail addresses by default
(``privacy.redact_reports``), and keep them with ``--no-redact``; the event log keeps them
unless ``privacy.redact_events`` is on, and then the rules still see the real words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from report_helpers import read_jsonl, voiceassist

CARD, PHONE, EMAIL = "4111 1111 1111 1111", "+90 532 123 45 67", "ali.veli@firma.com.tr"
SECRETS = ("4111", "532 123", "ali.veli", "firma")


def _event_lines(language: str, caller: str, agent: str) -> str:
    evs = [
        {"t": 0.0, "type": "call.started", "language": language, "engine": "other", "model": "", "sample_rate_in": 8000,
         "channels": 2, "started_at": "2026-11-23T14:05:00"},
        {"t": 6.0, "type": "transcript.final", "speaker": "caller", "text": caller, "start": 0.5, "end": 5.5,
         "words": [{"w": w, "start": 0.5 + i * 0.3, "end": 0.7 + i * 0.3, "conf": 0.9} for i, w in enumerate(caller.split())]},
        {"t": 12.0, "type": "transcript.final", "speaker": "agent", "text": agent, "start": 7.0, "end": 11.5, "words": []},
    ]
    return "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in evs)


@pytest.fixture
def events(tmp_path) -> Path:
    """A Turkish call: the caller gives a card, a phone number and an e-mail address; the agent
    promises a call-back on that number."""
    path = tmp_path / "card.jsonl"
    path.write_text(_event_lines(
        "tr",
        f"kart numaram {CARD} telefonum {PHONE} e-postam {EMAIL}",
        f"sizi yarın saat üçte geri arayacağım, numaranız {PHONE}",
    ), encoding="utf-8")
    return path


def _has_secrets(html: str) -> list[str]:
    return [s for s in SECRETS if s in html]


def test_a_report_leaves_them_out_by_default_and_keeps_them_with_no_redact(events, tmp_path):
    out = tmp_path / "r.html"
    voiceassist("report", events, "-o", out)
    html = out.read_text(encoding="utf-8")
    assert _has_secrets(html) == []
    assert "kart numaram [card] telefonum [phone] e-postam [email]" in html
    assert "geri arayacağım, numaranız [phone]" in html  # the promise's text too
    voiceassist("report", events, "-o", out, "--no-redact")
    assert _has_secrets(out.read_text(encoding="utf-8")) == list(SECRETS)


def test_a_team_config_can_turn_report_redaction_off(events, tmp_path):
    (tmp_path / "team.toml").write_text("[privacy]\nredact_reports = false\n")
    voiceassist("report", events, "-o", tmp_path / "r.html", "--config", tmp_path / "team.toml")
    assert _has_secrets((tmp_path / "r.html").read_text(encoding="utf-8")) == list(SECRETS)


def test_a_team_page_leaves_them_out(events, tmp_path):
    calls = tmp_path / "calls"
    calls.mkdir()
    (calls / "a.jsonl").write_text(events.read_text(encoding="utf-8"), encoding="utf-8")
    (calls / "b.jsonl").write_text(_event_lines("en", "my email is ivan dot petrov at gmail dot com",
                                                "I'll call you back on 07911 123456"), encoding="utf-8")
    voiceassist("report", calls, "-o", tmp_path / "team")
    for page in (tmp_path / "team").glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert _has_secrets(html) == [] and "petrov" not in html and "07911" not in html, page.name


def test_analyze_report_and_the_event_log(events, tmp_path):
    """analyze --report redacts the report, not the event log (redact_events is off by default)."""
    log, report = tmp_path / "out.jsonl", tmp_path / "r.html"
    voiceassist("analyze", events, "--events", log, "--report", report)
    assert _has_secrets(report.read_text(encoding="utf-8")) == []
    assert _has_secrets(log.read_text(encoding="utf-8")) == list(SECRETS)
    voiceassist("analyze", events, "--report", report, "--no-redact")
    assert _has_secrets(report.read_text(encoding="utf-8")) == list(SECRETS)


def test_redact_events_saves_redacted_copies_while_the_rules_hear_the_real_words(events, tmp_path):
    (tmp_path / "team.toml").write_text("[privacy]\nredact_events = true\n")
    log = tmp_path / "out.jsonl"
    result = voiceassist("analyze", events, "--events", log, "--config", tmp_path / "team.toml")
    assert _has_secrets(log.read_text(encoding="utf-8")) == []
    assert _has_secrets(result.stdout) == []  # the readable transcript on the terminal
    evs = read_jsonl(log)
    caller = next(e for e in evs if e["type"] == "transcript.final" and e["speaker"] == "caller")
    assert caller["text"] == "kart numaram [card] telefonum [phone] e-postam [email]"
    assert " ".join(w["w"] for w in caller["words"]) == caller["text"]  # the words agree with the text
    assert [w["start"] for w in caller["words"]][:4] == [0.5, 0.8, 1.1, 2.3]  # "[card]" from "4111" on, times kept
    [promise] = [e for e in evs if e["type"] == "callback.promised"]
    # The promise was dated from the real words (its time and the number were heard as said).
    assert promise["due_said"] == "tomorrow 15:00" and promise["text"].endswith("numaranız [phone]")
