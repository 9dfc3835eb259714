"""A short spoken cue in the agent's ear ("lower", "slower") when the voice monitor prompts:
opt-in (``[ui] cue``), quiet, rate-limited, and never while the agent is speaking.

The cue is said in the prompt's language (the call's: under ``asr.language = "auto"`` prompts
follow ``language.detected``), with the words and espeak-ng voice of that language's phrasebook
(``[cue]``). It is rendered by the ``espeak-ng`` command to a WAV (once per language and word)
and played with sounddevice on the agent's output device only: the headset's earpiece, which
the caller does not hear (the caller hears the agent's microphone). All timing is by call-audio
time from the events, so the same call cues at the same moments; rendering and playing run in
a thread of their own and a cue that is still busy makes the next one drop, never wait.

(espeak-ng is run as a command rather than through pyttsx3, whose espeak driver prints "Audio
saved to …" on stdout, into ``--events -``, and speaks an unknown voice in its default one.)
"""

from __future__ import annotations

import logging
import queue
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Callable

from voiceassist.config import UiConfig
from voiceassist.errors import ConfigError
from voiceassist.events import Event
from voiceassist.rules.phrasebook import CueWords, load_phrasebook

__all__ = ["SpokenCue", "CUE_KINDS", "cue_words", "render_cue"]

log = logging.getLogger(__name__)

# The prompts with a cue; its word (one: shorter than any sentence the agent is in the middle
# of) is in each phrasebook's [cue].
CUE_KINDS = ("lower_voice", "slow_down")
# A cue held back while the agent speaks is dropped if they have not paused within this many
# seconds of audio: by then the prompt on screen has done the job.
_STALE_S = 5.0


def cue_words(language: str, phrasebooks_dir: str = "") -> CueWords:
    """The cue's words and voice for ``language``: its phrasebook's ``[cue]`` (a team's own,
    ``triggers.phrasebooks_dir``, or the packaged one's when the team's has none)."""
    return load_phrasebook(language, phrasebooks_dir).cue or load_phrasebook(language).cue


def render_cue(word: str, path: Path, volume: float, voice: str = "en-us") -> Path:
    """``word`` spoken by espeak-ng in ``voice`` into the WAV file ``path`` (22.05 kHz)."""
    command = ["espeak-ng", "-v", voice, "-s", "160", "-a", str(round(100 * volume)), "-w", str(path), word]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except FileNotFoundError:
        raise ConfigError("ui.cue = true needs espeak-ng (apt install espeak-ng)") from None
    if result.returncode != 0:
        raise ConfigError(f"espeak-ng -v {voice} (cue.voice): {result.stderr.strip() or result.returncode}")
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
    output); ``folder`` keeps the rendered cues (default: a temporary folder);
    ``phrasebooks_dir`` is ``triggers.phrasebooks_dir``, where a team's cue words may be."""

    def __init__(self, ui: UiConfig, play: Callable[[Path], None] | None = None, folder: Path | None = None,
                 phrasebooks_dir: str = ""):
        self._volume = ui.cue_volume
        self._interval_s = ui.cue_interval_s
        self._play = play or _play_on_device(ui.cue_device)
        self._tmp = None if folder is not None else tempfile.TemporaryDirectory(prefix="voiceassist-cue-")
        self.folder = Path(folder or self._tmp.name)
        self._phrasebooks_dir = phrasebooks_dir
        self._agent_speaking = False
        self._pending: tuple[str, str, str, float] | None = None  # (word, voice, language, audio time of the prompt)
        self._last_cue_t: float | None = None
        self.cued: list[tuple[float, str]] = []  # (audio time, word) of each cue given
        self._jobs: queue.Queue[tuple[str, str, str] | None] = queue.Queue(maxsize=1)
        self._worker = threading.Thread(target=self._run, name="spoken-cue", daemon=True)
        self._worker.start()

    def handle(self, event: Event) -> None:
        t = float(event["t"])
        if event["type"] == "level" and event["speaker"] == "agent":
            self._agent_speaking = bool(event["speaking"])
        elif event["type"] == "prompt.shown" and event["kind"] in CUE_KINDS:
            if self._last_cue_t is None or t - self._last_cue_t >= self._interval_s:
                # in the prompt's language, the one its text is in
                words = cue_words(event["language"], self._phrasebooks_dir)
                self._pending = (getattr(words, event["kind"]), words.voice, event["language"], t)
        if self._pending is None:
            return
        word, voice, language, since = self._pending
        if t - since > _STALE_S:
            self._pending = None
        elif not self._agent_speaking:
            self._pending = None
            try:
                self._jobs.put_nowait((word, voice, language))
            except queue.Full:  # the last cue is still rendering or playing
                return
            self._last_cue_t = t
            self.cued.append((t, word))

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            word, voice, language = job
            try:
                path = self.folder / f"{language}-{word}.wav"
                if not path.exists():
                    render_cue(word, path, self._volume, voice)
                self._play(path)
            except ConfigError as e:  # a cue is a nicety: no voice or a broken device must not end the call
                log.warning("spoken cue %r not given: %s", word, e)
            except Exception:
                log.warning("spoken cue %r failed", word, exc_info=True)

    def close(self) -> None:
        self._jobs.put(None)
        self._worker.join(timeout=5)
        if self._tmp is not None:
            self._tmp.cleanup()
