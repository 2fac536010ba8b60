"""Train the statistical check on the theme keywords and write its weights.

    python -m benchmarks.themes_train [--out surveys/data/theme_model.json] [--folds 5]

Development part of ``tests/data/themes/answers.csv`` only. One L2 logistic regression per
theme over `surveys.theme_model.features` (words, pairs, word starts; not the keywords'
hits, so that it judges them independently). The regularisation `C` and the two thresholds (`keep_above` for a theme
the keywords found, `add_above` for one they missed) are chosen on out-of-fold
probabilities (k-fold cross-validation over development), scored on the development
answers of the "fresh" batch only: the keywords were tuned on the others, so there they
look better than they are on new text. Best: most themes meeting precision >= 90% and
recall >= 85%, then the best micro F1. Prints those cross-validated figures
beside keywords alone. scikit-learn is a development dependency only; carevoice scores
the weights in plain Python. Reproducible: fixed folds.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Sequence
from pathlib import Path

try:
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import KFold
except ImportError:  # pragma: no cover - a development dependency
    sys.exit("Training needs scikit-learn, a development dependency: pip install -e '.[dev]'")

from benchmarks.themes_agreement import MIN_PRECISION, MIN_RECALL, Labelled, load
from surveys.theme_model import features
from surveys.topics import Topic, load_topics, normalise, topics_of

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "surveys" / "data" / "theme_model.json"
MIN_DF = 2
C_GRID = (1.0, 3.0, 10.0)
KEEP_GRID = (0.0, 0.03, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4)
ADD_GRID = (0.6, 0.7, 0.8, 0.9, 0.95, 1.0)
SEED = 13


def _round(value: float) -> float:
    return float(f"{value:.4g}")


Matrix = tuple[csr_matrix, list[str]]


def design(answers: Sequence[Labelled], topics: Sequence[Topic]) -> tuple[Matrix, np.ndarray]:
    """The feature matrix (features seen in at least `MIN_DF` answers) and the keyword hits
    (answers x themes, 0/1)."""
    hits = [set(topics_of(a.text, topics, model=None)) for a in answers]
    found = [features(normalise(a.text)) for a in answers]
    df: dict[str, int] = {}
    for f in found:
        for name in f:
            df[name] = df.get(name, 0) + 1
    vocabulary = sorted(n for n, c in df.items() if c >= MIN_DF)
    index = {n: i for i, n in enumerate(vocabulary)}
    rows = [i for i, f in enumerate(found) for n in f if n in index]
    cols = [index[n] for f in found for n in f if n in index]
    x = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(answers), len(vocabulary)))
    kw = np.array([[t.key in h for t in topics] for h in hits], dtype=bool)
    return (x, vocabulary), kw


def _fit(x: csr_matrix, y: np.ndarray, c: float) -> LogisticRegression | float:
    """A fitted model, or the constant rate for a column with one class."""
    if y.min() == y.max():
        return float(y[0])
    return LogisticRegression(C=c, max_iter=5000).fit(x, y)


def _proba(model: LogisticRegression | float, x: csr_matrix) -> np.ndarray:
    if isinstance(model, float):
        return np.full(x.shape[0], model)
    return model.predict_proba(x)[:, 1]


def out_of_fold(x: csr_matrix, y: np.ndarray, c: float, folds: int) -> np.ndarray:
    """Each answer's probability per theme from a model that did not see it."""
    p = np.zeros(y.shape, dtype=float)
    for train, test in KFold(folds, shuffle=True, random_state=SEED).split(x):
        for j in range(y.shape[1]):
            p[test, j] = _proba(_fit(x[train], y[train, j], c), x[test])
    return p


def score(y: np.ndarray, decided: np.ndarray) -> tuple[int, float, list[tuple[float, float]]]:
    """Themes passing both thresholds, micro F1, and (precision, recall) per theme."""
    per = []
    for j in range(y.shape[1]):
        tp = int((y[:, j] & decided[:, j]).sum())
        found, n = int(decided[:, j].sum()), int(y[:, j].sum())
        per.append((tp / found if found else 1.0, tp / n if n else 1.0))
    tp = int((y & decided).sum())
    f1 = 2 * tp / (int(y.sum()) + int(decided.sum()))
    passing = sum(p >= MIN_PRECISION and r >= MIN_RECALL for p, r in per)
    return passing, f1, per


def main(argv: Sequence[str] | None = None) -> int:
    """Choose settings by cross-validation, fit on all of development, write the model."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)
    topics = load_topics()
    answers = [a for a in load(topics=topics) if a.split == "development"]
    (x, vocabulary), kw = design(answers, topics)
    y = np.array([[t.key in a.themes for t in topics] for a in answers], dtype=bool)
    fresh = np.array([a.batch == "fresh" for a in answers])
    base = score(y[fresh], kw[fresh])
    best: tuple[tuple[int, float], float, float, float] | None = None
    for c in C_GRID:
        p = out_of_fold(x, y, c, args.folds)
        for keep, add in itertools.product(KEEP_GRID, ADD_GRID):
            decided = np.where(kw, p >= keep, p >= add)
            passing, f1, _ = score(y[fresh], decided[fresh])
            if best is None or (passing, f1) > best[0]:
                best = ((passing, f1), c, keep, add)
    assert best is not None
    (passing, f1), c, keep, add = best
    print(f"{len(answers)} development answers, {len(vocabulary)} features, {args.folds}-fold "
          f"cross-validation; figures on the {int(fresh.sum())} of the fresh batch.")
    print(f"Keywords alone:        {base[0]:>2} of {len(topics)} themes pass, micro F1 "
          f"{base[1]:.3f}")
    print(f"Keywords + model:      {passing:>2} of {len(topics)} themes pass, micro F1 "
          f"{f1:.3f} (C={c}, keep_above={keep}, add_above={add})")
    final = out_of_fold(x, y, c, args.folds)
    _, _, per = score(y[fresh], np.where(kw, final >= keep, final >= add)[fresh])
    for t, (p0, r0), (p1, r1) in zip(topics, base[2], per, strict=True):
        print(f"  {t.key:<32} keywords {p0:6.1%} {r0:6.1%}   with model {p1:6.1%} {r1:6.1%}")
    themes = {}
    for j, t in enumerate(topics):
        model = _fit(x, y[:, j], c)
        if isinstance(model, float):  # pragma: no cover - every theme has answers
            sys.exit(f"{t.key}: no development answer is about it")
        weights = {
            name: _round(float(w))
            for name, w in zip(vocabulary, model.coef_[0], strict=True)
            if abs(w) >= 1e-3
        }
        themes[t.key] = {"intercept": _round(float(model.intercept_[0])), "weights": weights}
    out = {
        "version": 1,
        "trained_on": f"development part of tests/data/themes/answers.csv ({len(answers)} "
        f"answers); benchmarks/themes_train.py, C={c}, {args.folds}-fold cross-validation",
        "keep_above": keep,
        "add_above": add,
        "themes": themes,
    }
    args.out.write_text(json.dumps(out, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"Wrote {args.out} ({args.out.stat().st_size:,} bytes).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
