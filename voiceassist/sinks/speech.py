"""A short spoken cue in the agent's ear ("lower", "slower") when the voice monitor prompts:
opt-in (``[ui] cue``), quiet, rate-limited, and never while the agent is speaking.

The cue is rendered by pyttsx3 with espeak-ng to a WAV (once per word) and played with
sounddevice on the agent's output device only: the headset's earpiece, which the caller does
not hear (the caller hears the agent's microphone). All timing is by call-audio time from the
events, so the same call cues at the same moments; rendering and playing run in a thread of
their own and a cue that is still busy makes the next one drop, never wait.
"""

from __future__ import annotations

import logging
import queue
import tempfile
import threading
from pathlib import Path
from typing import Callable

from voiceassist.config import UiConfig
from voiceassist.errors import ConfigError
from voiceassist.events import Event

__all__ = ["SpokenCue", "CUES", "render_cue"]

log = logging.getLogger(__name__)

# One word each: shorter than any sentence the agent is in the middle of.
CUES = {"lower_voice": "lower", "slow_down": "slower"}
# A cue held back while the agent speaks is dropped if they have not paused within this many
# seconds of audio: by then the prompt on screen has done the job.
_STALE_S = 5.0


def render_cue(word: str, path: Path, volume: float) -> Path:
    """``word`` spoken by espeak-ng (through pyttsx3) into the WAV file ``path``."""
    import pyttsx3

    engine = pyttsx3.init("espeak")
    engine.setProperty("volume", volume)
    engine.setProperty("rate", 160)
    engine.save_to_file(word, str(path))
    engine.runAndWait()
    return path


def _play_on_device(device: str) -> Callable[[Path], None]:
    import sounddevice as sd
    import soundfile as sf

    target: int | str | None = int(device) if device.isdigit() else (device or None)
    try:
        sd.query_devices(target, kind="output")
    except (ValueError, sd.PortAudioError) as e:
        raise ConfigError(
            f"ui.cue_device = {device!r}: no such output device ({e}); give an output's index or name "
            "from `python -m sounddevice`, or empty for the default output"
        ) from None

    def play(path: Path) -> None:
        data, rate = sf.read(str(path), dtype="int16")
        sd.play(data, rate, device=target, blocking=True)

    return play


class SpokenCue:
    """The cue as a sink. ``play`` plays a rendered WAV (default: the ``ui.cue_device``
    output); ``folder`` keeps the rendered cues (default: a temporary folder)."""

    def __init__(self, ui: UiConfig, play: Callable[[Path], None] | None = None, folder: Path | None = None):
        self._volume = ui.cue_volume
        self._interval_s = ui.cue_interval_s
        self._play = play or _play_on_device(ui.cue_device)
        self._tmp = None if folder is not None else tempfile.TemporaryDirectory(prefix="voiceassist-cue-")
        self.folder = Path(folder or self._tmp.name)
        self._agent_speaking = False
        self._pending: tuple[str, float] | None = None  # (word, audio time of the prompt)
        self._last_cue_t: float | None = None
        self.cued: list[tuple[float, str]] = []  # (audio time, word) of each cue given
        self._jobs: queue.Queue[str | None] = queue.Queue(maxsize=1)
        self._worker = threading.Thread(target=self._run, name="spoken-cue", daemon=True)
        self._worker.start()

    def handle(self, event: Event) -> None:
        t = float(event["t"])
        if event["type"] == "level" and event["speaker"] == "agent":
            self._agent_speaking = bool(event["speaking"])
        elif event["type"] == "prompt.shown" and event["kind"] in CUES:
            if self._last_cue_t is None or t - self._last_cue_t >= self._interval_s:
                self._pending = (CUES[event["kind"]], t)
        if self._pending is None:
            return
        word, since = self._pending
        if t - since > _STALE_S:
            self._pending = None
        elif not self._agent_speaking:
            self._pending = None
            try:
                self._jobs.put_nowait(word)
            except queue.Full:  # the last cue is still rendering or playing
                return
            self._last_cue_t = t
            self.cued.append((t, word))

    def _run(self) -> None:
        while (word := self._jobs.get()) is not None:
            try:
                path = self.folder / f"{word}.wav"
                if not path.exists():
                    render_cue(word, path, self._volume)
                self._play(path)
            except Exception:  # a cue is a nicety: a broken device must not end the call
                log.warning("spoken cue %r failed", word, exc_info=True)

    def close(self) -> None:
        self._jobs.put(None)
        self._worker.join(timeout=5)
        if self._tmp is not None:
            self._tmp.cleanup()
