"""Fixtures for the view tests."""

from __future__ import annotations

import pytest
from viewtools import Tmux


@pytest.fixture
def tmux():
    """Starts commands in tmux sessions (real pseudo-terminals); kills them after the test."""
    sessions: list[Tmux] = []

    def start(command: list[str], env: dict[str, str] | None = None) -> Tmux:
        session = Tmux(command, env=env)
        sessions.append(session)
        return session

    yield start
    for session in sessions:
        session.kill()
