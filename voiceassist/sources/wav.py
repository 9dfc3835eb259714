"""Call recordings from WAV files: any rate, PCM 8–32 bit, float, μ-law and A-law, mono or stereo.

The file is streamed in blocks, so the first frames come out at once and an hour-long file is
never held in memory. A mono file is the caller only; in a stereo file ``caller_channel`` is the
caller and the other channel the agent.
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path
from typing import Iterator

import numpy as np
import soundfile as sf

from voiceassist.errors import AudioInputError
from voiceassist.frames import SPEAKERS, Frame, Speaker
from voiceassist.sources.base import SourceInfo
from voiceassist.sources.convert import Framer, StreamConverter

__all__ = ["WavSource"]

log = logging.getLogger(__name__)

_BLOCK_S = 0.5
# Sample rates taken for a recording. A header outside this range is lying or damaged: at 1 Hz
# one second of samples would be read as 4.4 hours of call; nothing records speech above 384 kHz.
_RATES_HZ = (4000, 384000)


def _open(path: Path) -> sf.SoundFile:
    try:
        if path.is_dir():
            raise AudioInputError(f"{path}: is a directory, expected a WAV call recording")
        # opened by us first: libsndfile reports an unreadable file only as a "System error"
        with open(path, "rb") as f:
            if not f.read(1):
                raise AudioInputError(f"{path}: file is empty (0 bytes), expected a WAV call recording")
    except FileNotFoundError:
        raise AudioInputError(f"{path}: no such file") from None
    except PermissionError:
        raise AudioInputError(f"{path}: permission denied") from None
    except OSError as e:
        raise AudioInputError(f"{path}: cannot be read ({e.strerror})") from None
    try:
        file = sf.SoundFile(path)
    except (sf.LibsndfileError, RuntimeError) as e:
        reason = getattr(e, "error_string", None) or str(e)
        raise AudioInputError(
            f"{path}: not a readable audio file ({reason.strip().rstrip('.')}); "
            "expected a WAV file: PCM, float, μ-law or A-law, mono or stereo"
        ) from None
    lo, hi = _RATES_HZ
    if not lo <= file.samplerate <= hi:
        file.close()
        raise AudioInputError(
            f"{path}: header says {file.samplerate} Hz; a call recording's sample rate is between {lo} and {hi} Hz"
        )
    _warn_if_truncated(path, file)
    return file


def _warn_if_truncated(path: Path, file: sf.SoundFile) -> None:
    """A recording cut short (a crashed recorder, a partial copy) is read as far as it goes.

    libsndfile already stops at the real end of the data; its header report says by how much
    the header overstated it, e.g. ``data : 95680 (should be 47818)``.
    """
    m = re.search(r"^data\s*:\s*(\d+)\s*\(should be (\d+)\)", file.extra_info, re.MULTILINE)
    if m and int(m.group(2)) < int(m.group(1)):
        log.warning(
            "%s: file is truncated (header says %d bytes of audio, %d present); reading the %.2f s that are there",
            path, int(m.group(1)), int(m.group(2)), file.frames / file.samplerate,
        )


class WavSource:
    def __init__(self, path: str | Path, caller_channel: int = 0):
        self._path = Path(path)
        self._file = _open(self._path)
        channels = self._file.channels
        if channels > 2:
            self._file.close()
            raise AudioInputError(
                f"{self._path} has {channels} channels; voiceassist reads mono (caller only) "
                "or stereo (caller + agent, one per channel)"
            )
        if caller_channel not in range(channels):
            self._file.close()
            layout = "mono" if channels == 1 else "stereo"
            raise AudioInputError(
                f"--caller-channel {caller_channel} but {self._path} is {layout}; "
                f"valid: {', '.join(map(str, range(channels)))}"
            )
        order = [caller_channel, 1 - caller_channel] if channels == 2 else [0]
        self._order = order
        self._speakers: tuple[Speaker, ...] = SPEAKERS[:channels]
        self.info = SourceInfo(
            name=str(self._path),
            sample_rate_in=self._file.samplerate,
            channels=channels,
            speakers=self._speakers,
            duration_s=self._file.frames / self._file.samplerate,
        )
        self.on_device_change = None  # a file has no device to lose
        self._stop = threading.Event()
        self._passes = 0

    def frames(self) -> Iterator[Frame]:
        """The recording's frames; each call is a pass of its own from the start (offline
        recognition reads ahead of the call loop in passes of its own)."""
        self._passes += 1
        first = self._passes == 1
        file = self._file if first else sf.SoundFile(self._path)
        try:
            yield from self._frames(file, warn=log.warning if first else log.debug)
        finally:
            if not first:
                file.close()

    def _frames(self, file: sf.SoundFile, warn) -> Iterator[Frame]:
        converter = StreamConverter(file.samplerate, self.info.channels)
        framers = [Framer(s) for s in self._speakers]
        block = max(1, int(file.samplerate * _BLOCK_S))
        while True:
            try:
                data = file.read(block, dtype="float32", always_2d=True)
            except (sf.LibsndfileError, RuntimeError) as e:
                warn("%s: stopped reading at a damaged block (%s)", self._path, e)
                data = np.zeros((0, self.info.channels), dtype=np.float32)
            last = len(data) < block
            resampled = converter.push(data[:, self._order], last=last)
            per_speaker = [f.push(resampled[:, i]) for i, f in enumerate(framers)]
            if last:
                for i, f in enumerate(framers):
                    per_speaker[i] += f.flush()
            yield from _interleave(per_speaker)
            if last or self._stop.is_set():
                return

    def stop(self) -> None:
        """Ends ``frames()`` after the block in hand; safe to call from any thread."""
        self._stop.set()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "WavSource":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _interleave(per_speaker: list[list[Frame]]) -> Iterator[Frame]:
    """At each hop, the caller's frame then the agent's."""
    for hop in zip(*per_speaker):
        yield from hop

