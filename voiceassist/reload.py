"""Hot reload in ``live``: a supervisor's edit of the team config or of the call's phrasebook
takes effect mid-call, within ``interval_s``, without restarting it.

The watcher polls the files' modification time and size from its own thread (editors save in
many ways — in place, by rename, by delete and create — and a stat every second catches them
all, with no dependency). An edit that loads and validates is handed to the call by ``take()``
and applied between two frames (``CallRules.reload``). One that does not is reported once, in
one line naming the file and key, and the config in force stays until the file is fixed.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, Callable, Sequence

from voiceassist.config import Config, analysis_changes, load_config
from voiceassist.errors import ConfigError
from voiceassist.rules.phrasebook import PHRASEBOOK_DIR, load_phrasebook

__all__ = ["ConfigWatcher"]

log = logging.getLogger(__name__)


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


class ConfigWatcher:
    """Watches ``path`` (the team config, if any) and the phrasebooks of ``languages`` that
    ``cfg`` uses (all five while the call's language is to be found). ``overrides`` are the
    command line's, laid over every reload."""

    def __init__(self, path: str | Path | None, overrides: dict[str, Any], cfg: Config, languages: Sequence[str], *,
                 interval_s: float = 1.0, report: Callable[[str], None] = log.warning):
        self._path = Path(path) if path else None
        self._overrides = overrides
        self._languages = tuple(languages)
        self._cfg = cfg
        self._report = report
        self._interval_s = interval_s
        self._stamps = self._current()
        self._pending: Config | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="config-watcher", daemon=True)
        self._thread.start()

    def _files(self) -> list[Path]:
        folders = [Path(self._cfg.triggers.phrasebooks_dir).expanduser()] if self._cfg.triggers.phrasebooks_dir else []
        return ([self._path] if self._path else []) + [
            d / f"{language}.toml" for language in self._languages for d in (*folders, PHRASEBOOK_DIR)]

    def _current(self) -> list[tuple[int, int] | None]:
        return [_stamp(p) for p in self._files()]

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            stamps = self._current()
            if stamps == self._stamps:
                continue
            self._stamps = stamps
            try:
                cfg = load_config(self._path, self._overrides)
                for language in self._languages:
                    load_phrasebook(language, cfg.triggers.phrasebooks_dir)
            except ConfigError as e:
                self._report(f"edit not applied: {e}; the config in force stays until this is fixed")
                continue
            later = analysis_changes(self._cfg, cfg) + (["ui"] if cfg.ui != self._cfg.ui else [])
            note = f" ({', '.join(later)}: from the next call)" if later else ""
            self._report(f"config reloaded from {', '.join(str(p) for p in self._files() if p.exists())}{note}")
            with self._lock:
                self._cfg = self._pending = cfg
            self._stamps = self._current()  # the phrasebook folder may have changed with it

    def take(self) -> Config | None:
        """The config of the last good edit not yet taken, or None."""
        with self._lock:
            cfg, self._pending = self._pending, None
        return cfg

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
