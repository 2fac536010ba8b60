"""Train the sentiment scorer on the tuning parts and write its weights.

    python -m benchmarks.sentiment_train [--data DIR] [--cache FILE]
        [--out surveys/data/sentiment_model.json]

Tuning parts only: a fixed 30% of each human-rated set and the development half of the
care phrases (`benchmarks.sentiment_data`). Each set weighs the same in the fit, the care
phrases `CARE_WEIGHT` times as much. A ridge regression of the human rating (scaled to
-1..1) gives the polarity; a multinomial logistic regression gives the label; both read
the dense features of `surveys.sentiment.Parts` and the words present (scaled by
`WORD_SCALE`, so they are penalised harder than the dense features); the regression reads
whole words only, not their spelling fragments. scikit-learn is a
development dependency only; carevoice scores the weights in plain Python. Reproducible:
the same data and scikit-learn give the same file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

try:
    import numpy as np
    from scipy.sparse import csr_matrix, hstack
    from sklearn.linear_model import LogisticRegression, Ridge
except ImportError:  # pragma: no cover - a development dependency
    sys.exit("Training needs scikit-learn, a development dependency: pip install -e '.[dev]'")

from benchmarks.sentiment_data import CARE, Item, default_data, read_care, read_human, read_parts
from surveys.sentiment import CLASSES, DENSE, GRAM_MARK, Parts, tokens

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "surveys" / "data" / "sentiment_model.json"
CARE_WEIGHT = 4.0
TWEETS_WEIGHT = 3.5
SET_WEIGHTS = {CARE: CARE_WEIGHT, "tweets": TWEETS_WEIGHT}  # every other set weighs 1
WORD_SCALE = 0.45
MIN_DF = 5
RIDGE_ALPHA = 10.0
LOGISTIC_C = 0.05


def _round(value: float) -> float:
    return float(f"{value:.4g}")


def design(
    parts: Sequence[Parts], texts: Sequence[str], vocabulary: dict[str, int]
) -> csr_matrix:
    """Dense features beside the (scaled) words present."""
    rows, cols = [], []
    for i, text in enumerate(texts):
        for word in set(tokens(text)):
            if word in vocabulary:
                rows.append(i)
                cols.append(vocabulary[word])
    words = csr_matrix(
        (np.full(len(rows), WORD_SCALE), (rows, cols)), shape=(len(texts), len(vocabulary))
    )
    dense = csr_matrix(np.array([p.dense() for p in parts]))
    return hstack([dense, words]).tocsr()


def train(items: Sequence[Item], parts: Sequence[Parts | None]) -> dict[str, object]:
    """The model's JSON, fitted on the tuning items."""
    chosen = [(i, p) for i, p in zip(items, parts, strict=True) if i.tuning and p is not None]
    df = Counter(w for i, _ in chosen for w in set(tokens(i.text)))
    vocabulary = {w: n for n, w in enumerate(sorted(w for w, c in df.items() if c >= MIN_DF))}
    sizes = Counter(i.set for i, _ in chosen)
    weights = np.array([SET_WEIGHTS.get(i.set, 1.0) * 1000 / sizes[i.set] for i, _ in chosen])
    x = design([p for _, p in chosen], [i.text for i, _ in chosen], vocabulary)
    # the polarity reads whole words only: spelling fragments help the label, but cost the
    # polarity's agreement with people on news and tweets (Pearson r, out of fold)
    words_only = np.flatnonzero(
        [True] * len(DENSE) + [not w.startswith(GRAM_MARK) for w in vocabulary]
    )
    fitted = Ridge(alpha=RIDGE_ALPHA).fit(
        x[:, words_only], [i.rating for i, _ in chosen], sample_weight=weights
    )
    ridge_coef = np.zeros(x.shape[1])
    ridge_coef[words_only] = fitted.coef_
    classes = [CLASSES.index(i.human) for i, _ in chosen]
    logistic = LogisticRegression(C=LOGISTIC_C, max_iter=5000).fit(
        x, classes, sample_weight=weights
    )

    def linear(intercept: float, coef: np.ndarray) -> dict[str, object]:
        dense, words = coef[: len(DENSE)], coef[len(DENSE) :] * WORD_SCALE
        return {
            "intercept": _round(float(intercept)),
            "dense": [_round(float(w)) for w in dense],
            "words": [_round(float(w)) for w in words],
        }

    return {
        "version": 1,
        "trained_on": "30% of each human-rated set (Hutto & Gilbert 2014) and the development "
        "half of tests/data/sentiment/phrases.csv; benchmarks/sentiment_train.py",
        "dense": list(DENSE),
        "vocabulary": list(vocabulary),
        "polarity": linear(fitted.intercept_, ridge_coef),
        "classes": {
            label.value: linear(logistic.intercept_[n], logistic.coef_[n])
            for n, label in enumerate(CLASSES)
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Train and write the model."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=default_data())
    parser.add_argument("--cache", type=Path, help="keep TextBlob's and VADER's readings here")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    items = read_human(args.data) + read_care()
    if not any(i.set != CARE for i in items):
        sys.exit(f"No human-rated sets in {args.data}; pass --data DIR.")
    model = train(items, read_parts(items, args.cache))
    args.out.write_text(json.dumps(model, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"Wrote {args.out} ({len(model['vocabulary'])} words).")  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
