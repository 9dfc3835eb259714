"""Fixtures of the hostile-input suite."""

from __future__ import annotations

from pathlib import Path

import pytest
import soundfile as sf

from hostile_cli import tone


@pytest.fixture
def mono_wav(tmp_path: Path) -> Path:
    path = tmp_path / "mono.wav"
    sf.write(path, tone(1.0, 16000), 16000, subtype="PCM_16")
    return path
