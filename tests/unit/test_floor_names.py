"""The floor's subjects, broker URLs and credentials."""

from __future__ import annotations

from voiceassist.config import load_config
from voiceassist.sinks.floor import connect_options, servers, subject


def test_subjects_carry_team_agent_call_and_type_as_safe_tokens():
    assert subject("returns", "anna", "20261202-101500-abc123", "prompt.shown") == \
        "voiceassist.returns.anna.20261202-101500-abc123.prompt.shown"
    # '.', '*', '>' and spaces would split or widen a subject
    assert subject("team a", "j.doe", "c*1", "call.ended") == "voiceassist.team_a.j_doe.c_1.call.ended"


def test_a_cluster_is_a_list_of_urls():
    assert servers("nats://a:4222, nats://b:4222,") == ["nats://a:4222", "nats://b:4222"]


def test_credentials_from_the_environment_win_over_the_config(monkeypatch):
    cfg = load_config(None, {"floor.token": "from-config", "floor.user": "u", "floor.password": "p"}).floor
    monkeypatch.delenv("VOICEASSIST_FLOOR_TOKEN", raising=False)
    assert connect_options(cfg) == {"token": "from-config", "user": "u", "password": "p"}
    monkeypatch.setenv("VOICEASSIST_FLOOR_TOKEN", "from-env")
    monkeypatch.setenv("VOICEASSIST_FLOOR_PASSWORD", "secret")
    assert connect_options(cfg) == {"token": "from-env", "user": "u", "password": "secret"}
    assert connect_options(load_config().floor) == {"token": "from-env"}
