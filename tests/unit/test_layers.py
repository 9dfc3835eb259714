"""The package's layers, as the README's "How it is built" draws them: a module imports only
from its own layer or the ones before it (data flows one way), and never a private name of
another package or module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[2] / "voiceassist"

# In the order of the README's picture; each layer may import the ones above it in this list.
LAYERS = [
    ("contracts", ["errors", "languages", "frames", "transcripts", "events", "config", "data", "defaults"]),
    ("sources", ["sources"]),
    ("analysis", ["analysis"]),
    ("asr", ["asr"]),
    ("rules", ["rules"]),
    ("sinks", ["sinks", "redact", "report"]),
    ("run", ["pipeline", "cache", "reload", "tune", "floor"]),
    ("assembly", ["assemble"]),
    ("command line", ["cli", "__main__", "__init__"]),
]
RANK = {name: rank for rank, (_, names) in enumerate(LAYERS) for name in names}


def _top(module: str) -> str:
    """``voiceassist.rules.call`` → ``rules``."""
    return module.split(".")[1] if module.count(".") else "__init__"


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        out.append((".".join(parts[:-1] if parts[-1] == "__init__" else parts), path))
    return out


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    """Every ``voiceassist`` import in the file, with the names it takes, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("voiceassist") and node.level == 0:
            found.append((node.module, [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            found += [(a.name, [], node.lineno) for a in node.names if a.name.startswith("voiceassist.")]
    return found


MODULES = _modules()


def test_every_module_has_a_layer():
    assert [m for m, _ in MODULES if m != "voiceassist" and _top(m) not in RANK] == []


@pytest.mark.parametrize("module,path", MODULES, ids=[m for m, _ in MODULES])
def test_imports_follow_the_layers(module, path):
    mine = RANK[_top(module)] if module != "voiceassist" else RANK["__init__"]
    against = []
    for imported, names, line in _imports(path):
        if imported == "voiceassist":  # `from voiceassist import events`: the names are modules
            targets = [f"voiceassist.{n}" for n in names if n != "__version__"]
        else:
            targets = [imported]
        against += [f"{path.name}:{line} imports {t}" for t in targets if RANK[_top(t)] > mine]
    assert against == []


@pytest.mark.parametrize("module,path", MODULES, ids=[m for m, _ in MODULES])
def test_no_private_name_is_imported_from_elsewhere(module, path):
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    private = [f"{path.name}:{line} takes {n} from {imported}" for imported, names, line in _imports(path)
               for n in names if n.startswith("_") and n != "__version__" and imported != package]
    assert private == []


def test_no_module_is_over_400_lines():
    """A module past this has taken on a second job (issue #16): split it by job."""
    long = {m: n for m, path in MODULES if (n := len(path.read_text(encoding="utf-8").splitlines())) > 400}
    assert long == {}
