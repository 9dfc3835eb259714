"""Helpers of the floor's tests."""

from __future__ import annotations

from clitools import ROOT

# The demo call's events as `voiceassist demo --events … --levels` wrote them (see
# tests/fixtures/floor/README.md): an angry caller who asks for a manager, an agent prompted to
# lower their voice, slow down and let him finish.
DEMO_EVENTS = ROOT / "tests" / "fixtures" / "floor" / "demo.events.jsonl"
