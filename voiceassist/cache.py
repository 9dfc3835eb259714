"""The analysis cache: what is expensive in a call, kept so re-analysis never re-runs it.

``analyze CALL.wav`` spends its time on speech recognition and the voice measurements. Both
depend only on the audio and a few settings (the recogniser and its model, the language, the
caller's channel, the VAD and the measurement windows: ``ANALYSIS_KEYS``); the prompts that
follow from them depend on the rest of the config. So a call's analysis — each speaker's
``Measurement`` per 20 ms frame and the transcripts, in the order they became known — is kept
in ``<cache dir>/<sha256 of the audio file>/<settings>-<engine>-<model>.npz``, and ``analyze`` again, or
``tune`` with other thresholds, replays it through the rules in well under a second.

The cache holds transcripts: it is as private as the events (README, "What is stored where").
``[cache] enabled = false`` turns it off; deleting the folder is always safe.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import platformdirs

from voiceassist import __version__
from voiceassist.analysis.monitor import Measurement
from voiceassist.transcripts import Heard, LanguageFound, Transcript, Word
from voiceassist.config import ANALYSIS_KEYS, Config, value_of
from voiceassist.errors import InputError
from voiceassist.frames import SPEAKERS

__all__ = ["CachedCall", "CacheWriter", "cache_dir", "audio_hash", "settings_of", "lookup", "newest", "load"]

log = logging.getLogger(__name__)

# Bump when what is stored, or how the analysis makes it, changes: older entries are then ignored.
_FORMAT = 1


_FLOATS = ("loudness_lufs", "baseline_lufs", "rate_sps", "baseline_sps", "wpm")


def cache_dir(cfg: Config) -> Path:
    """``cache.dir`` if set, else the platform's cache folder (``$XDG_CACHE_HOME/voiceassist``,
    ``~/.cache/voiceassist`` on Linux)."""
    if cfg.cache.dir:
        return Path(cfg.cache.dir).expanduser()
    return Path(platformdirs.user_cache_dir("voiceassist", appauthor=False))


def audio_hash(path: Path) -> str:
    """sha256 of the file's bytes: the same recording under any name or date finds its entry."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}") from None
    return digest.hexdigest()


def settings_of(cfg: Config) -> dict[str, Any]:
    """The values of ``ANALYSIS_KEYS`` in ``cfg``."""
    return {key: value_of(cfg, key) for key in ANALYSIS_KEYS}


def _short_hash(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


def _settings_part(cfg: Config) -> str:
    return _short_hash([_FORMAT, __version__, settings_of(cfg)])


def _entry(cfg: Config, digest: str, engine: str, model: str) -> Path:
    return cache_dir(cfg) / digest / f"{_settings_part(cfg)}-{engine}-{_short_hash(model)}.npz"


def lookup(cfg: Config, digest: str, engine: str, model: str) -> Path | None:
    """The entry of this audio analysed by ``engine``/``model`` under ``cfg``'s analysis
    settings, or None."""
    path = _entry(cfg, digest, engine, model)
    return path if path.is_file() else None


def newest(cfg: Config, digest: str) -> Path | None:
    """The newest entry of this audio under ``cfg``'s analysis settings, by any recogniser:
    ``tune`` needs no model to find what ``analyze`` made."""
    found = (cache_dir(cfg) / digest).glob(f"{_settings_part(cfg)}-*.npz")
    return max(found, key=lambda p: p.stat().st_mtime_ns, default=None)


@dataclass(frozen=True)
class CachedCall:
    """A call's analysis as ``run_call`` made it: ``started`` is its ``call.started`` fields
    (language, engine, model, sample_rate_in, channels)."""

    path: Path
    started: dict[str, Any]
    settings: dict[str, Any]
    columns: dict[str, np.ndarray]
    transcripts: list[tuple[int, Heard]]  # (measurements before it, transcript or language found)

    def analysis(self) -> Iterator[Measurement | Heard]:
        """Measurements and transcripts (and the language found) in the order they were made."""
        c = self.columns
        floats = [[None if np.isnan(x) else x for x in c[name].tolist()] for name in _FLOATS]
        rows = zip(c["speaker"].tolist(), c["t"].tolist(), c["voiced"].tolist(), c["speaking"].tolist(), *floats)
        pending = iter(self.transcripts)
        after, tr = next(pending, (None, None))
        for i, (speaker, t, voiced, speaking, *values) in enumerate(rows):
            while after == i:
                yield tr
                after, tr = next(pending, (None, None))
            yield Measurement(SPEAKERS[speaker], t, voiced, speaking, *values)
        while tr is not None:
            yield tr
            after, tr = next(pending, (None, None))


def load(path: Path) -> CachedCall:
    """A cache entry; an ``InputError`` naming the file if it cannot be read."""
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(bytes(data["meta"]).decode())
            columns = {name: data[name] for name in data.files if name != "meta"}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:
        raise InputError(f"{path}: damaged analysis cache entry ({e}); delete it and analyse the call again") from None
    transcripts = [
        (after, LanguageFound(**tr["found"]) if "found" in tr else Transcript(**{**tr, "words": tuple(Word(**w) for w in tr["words"])}))
        for after, tr in meta["transcripts"]
    ]
    return CachedCall(path, meta["started"], meta["settings"], columns, transcripts)


class CacheWriter:
    """Records a call's analysis while ``run_call`` makes it (its ``recorder``), and writes the
    entry with ``save`` once the call has ended in order: an interrupted analysis leaves none."""

    def __init__(self, cfg: Config, digest: str, started: dict[str, Any]):
        self.path = _entry(cfg, digest, started["engine"], started["model"])
        self._started = started
        self._settings = settings_of(cfg)
        self._rows: list[tuple] = []
        self._transcripts: list[tuple[int, dict]] = []

    def measured(self, m: Measurement) -> None:
        self._rows.append((SPEAKERS.index(m.speaker), m.t, m.voiced, m.speaking,
                           *(np.nan if v is None else v for v in (m.loudness_lufs, m.baseline_lufs, m.rate_sps, m.baseline_sps, m.wpm))))

    def heard(self, tr: Transcript) -> None:
        record = {f: getattr(tr, f) for f in ("speaker", "text", "start", "end", "final", "t")}
        record["words"] = [{"w": w.w, "start": w.start, "end": w.end, "conf": w.conf} for w in tr.words]
        self._transcripts.append((len(self._rows), record))

    def found(self, found: LanguageFound) -> None:
        record = {"language": found.language, "probability": found.probability, "t": found.t}
        self._transcripts.append((len(self._rows), {"found": record}))

    def save(self) -> Path | None:
        """Writes the entry (atomically: a crash leaves the old one or none). A cache that
        cannot be written costs only speed next time, so that is a warning, not an error."""
        rows = list(zip(*self._rows)) or [()] * (4 + len(_FLOATS))
        columns = {
            "speaker": np.array(rows[0], dtype=np.uint8),
            "t": np.array(rows[1], dtype=np.float64),
            "voiced": np.array(rows[2], dtype=bool),
            "speaking": np.array(rows[3], dtype=bool),
            **{name: np.array(rows[4 + i], dtype=np.float64) for i, name in enumerate(_FLOATS)},
        }
        meta = {"started": self._started, "settings": self._settings, "transcripts": self._transcripts}
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with tmp.open("wb") as f:
                np.savez_compressed(f, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), **columns)
            os.replace(tmp, self.path)
        except OSError as e:
            log.warning("analysis cache not written to %s: %s", self.path.parent, e.strerror or e)
            tmp.unlink(missing_ok=True)
            return None
        return self.path
