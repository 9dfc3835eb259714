"""Train the learned layer of trigger detection (``voiceassist.rules.learned``).

For each language: the golden set (``tests/fixtures/triggers``) and the training set
(``training/triggers``) — never the held-out or blind sets, which measure it (a sentence that is
word for word in one of them is left out, short ones such as "sorry" may be) — through the
shipped phrasebook's matcher, then one logistic regression per intent (scikit-learn): the
intent's positives against its negatives, and, at a lower weight, the other intents' positives
of the same speaker (a broken item is not a late delivery). Writes
``voiceassist/data/triggers/<language>.npz``. Deterministic: the same data and phrasebook give
the same weights.

    .venv/bin/pip install scikit-learn   # only to train
    .venv/bin/python scripts/train_triggers.py [--languages en,tr]
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT))

from voiceassist.config import load_config  # noqa: E402
from voiceassist.languages import LANGUAGES  # noqa: E402
from voiceassist.rules import learned  # noqa: E402
from voiceassist.rules.matching import tokens  # noqa: E402
from voiceassist.rules.phrasebook import INTENTS, load_phrasebook  # noqa: E402
from voiceassist.rules.triggers import TriggerEngine, speaker_of  # noqa: E402

SETS = (ROOT / "tests/fixtures/triggers", ROOT / "training/triggers")
MEASURED = (ROOT / "tests/fixtures/triggers_heldout", ROOT / "tests/fixtures/triggers_blind")  # what measures it
OUT = ROOT / "voiceassist/data/triggers"
C = 1.0  # inverse regularisation strength
OTHERS = 0.1  # weight of the other intents' positives as negatives
PRUNE = 0.02  # features weighing less than this for every intent are left out (half of them:
# the held-out scores do not move), and weights are kept as float16: a model is about 700 KB


def _texts(folder: Path, language: str) -> set[str]:
    data = tomllib.loads((folder / f"{language}.toml").read_text(encoding="utf-8"))
    return {x for intent in INTENTS for kind in ("positives", "negatives") for x in data[intent][kind]}


def _features(engine: TriggerEngine, speaker: str, text: str, language: str) -> list[tuple[str, int]]:
    t = tokens(text, language)
    return learned.features(t, frozenset(engine.intents(speaker, t)))


def train(language: str) -> Path:
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    book = load_phrasebook(language)
    engine = TriggerEngine(book, load_config(None, {"triggers.learned": False}).triggers)
    measured = {x for folder in MEASURED for x in _texts(folder, language)}  # never learned from
    items: dict[str, list[tuple[str, int]]] = {i: [] for i in INTENTS}  # intent -> (text, label)
    for folder in SETS:
        data = tomllib.loads((folder / f"{language}.toml").read_text(encoding="utf-8"))
        for intent in INTENTS:
            items[intent] += [(x, 1) for x in data[intent]["positives"] if x not in measured]
            items[intent] += [(x, 0) for x in data[intent]["negatives"] if x not in measured]
    seen: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for speaker in ("caller", "agent"):
        texts = sorted({x for i in INTENTS if speaker_of(i) == speaker for x, _ in items[i]})
        seen[speaker] = [(x, f) for x in texts for f, _ in _features(engine, speaker, x, language)]
    vocabulary = sorted({f for rows in seen.values() for _, f in rows})
    column = {f: i for i, f in enumerate(vocabulary)}
    weights = np.zeros((len(vocabulary), len(INTENTS)), dtype=np.float32)
    bias = np.zeros(len(INTENTS), dtype=np.float32)
    for n, intent in enumerate(INTENTS):
        speaker = speaker_of(intent)
        label = {x: (y, 1.0) for x, y in items[intent]}
        for other in INTENTS:
            if other != intent and speaker_of(other) == speaker:
                label.update({x: (0, OTHERS) for x, y in items[other] if y and x not in label})
        texts = sorted(label)
        row = {x: i for i, x in enumerate(texts)}
        pairs = sorted({(row[x], column[f]) for x, f in seen[speaker] if x in row})
        matrix = csr_matrix((np.ones(len(pairs)), ([r for r, _ in pairs], [c for _, c in pairs])), shape=(len(texts), len(vocabulary)))
        model = LogisticRegression(C=C, class_weight="balanced", max_iter=5000)
        model.fit(matrix, [label[x][0] for x in texts], sample_weight=[label[x][1] for x in texts])
        weights[:, n], bias[n] = model.coef_[0], model.intercept_[0]
    keep = np.abs(weights).max(axis=1) >= PRUNE
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{language}.npz"
    np.savez_compressed(path, vocabulary=np.array(vocabulary)[keep], weights=weights[keep].astype(np.float16), bias=bias,
                        intents=np.array(INTENTS), trained_on=np.array(learned.stamp(book)))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--languages", default=",".join(LANGUAGES))
    for language in parser.parse_args().languages.split(","):
        path = train(language)
        print(f"{language}: {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KB)", flush=True)


if __name__ == "__main__":
    main()
