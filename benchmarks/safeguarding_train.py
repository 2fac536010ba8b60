"""Train the safeguarding model on the development part of the corpus and write it out.

    python -m benchmarks.safeguarding_train [--out surveys/data/safeguarding_model.json.gz]

Reproducible: the same corpus and the same scikit-learn give the same file (gzipped with no
timestamp when the name ends ``.gz``, as the shipped one does, to keep it under 1 MiB).
scikit-learn is a development dependency only; carevoice scores the model in plain Python
(`surveys.safeguarding.model`). The threshold is chosen on out-of-fold scores of the
development part: the model alone may raise a false alarm on at most 3% of its ordinary
messages.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

try:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
except ImportError:  # pragma: no cover - a development dependency
    sys.exit("Training needs scikit-learn, a development dependency: pip install -e '.[dev]'")

from surveys.safeguarding import Detector, PhraseBook, RiskCategory
from surveys.safeguarding.evaluation import care_answers, load_corpus
from surveys.safeguarding.model import features

DEFAULT_OUT = (
    Path(__file__).resolve().parents[1] / "surveys" / "data" / "safeguarding_model.json.gz"
)
# Chosen with the sixth sitting held out of training (wording written blind, see the corpus
# README) and 5-fold cross-validation on the rest. Keeping n-grams seen once (min_df 1, not
# 2) and a 2.5% false-alarm budget (not 2%) took the model alone from 103 to 122 of the
# sitting's 174 risk messages at the same 5 false alarms of 98, and out-of-fold recall from
# 39.8% to 48.1%; a 3% budget caught 131 for 6, 4% 136 for 8 (kept back: both layers must
# stay under 5% false alarms); C, class weights, 2-6-letter pieces did no better and an L2
# norm raised 21 false alarms of 98. The seventh sitting, held out of training in the same
# way, then raised the threshold at 2.5%; there 2% to 3.5% caught the same with both layers
# and 4% one more, for no more false alarms: the budget became 3% (the sixth sitting's best
# trade), leaving room under 5%; with the masked reading, 2.5% again (see `train`).
# The everyday care answers count half as much as the corpus's messages: with the seventh
# sentiment set they outnumbered the corpus's ordinary messages and, at full weight, the
# model alone fell from 62.4% to 60.1% out-of-fold recall at the same 3% false alarms.
# Chosen on development (the twelfth sitting held out of training): weights 1, 0.5 and 0.25
# gave out-of-fold recall 63.6%, 66.1%, 67.7% for false alarms on the care answers of
# 0.8%, 1.0%, 1.3%, and 64, 64, 65 of that sitting's 90 risk messages at 6 of 48 false
# alarms; 0.5 buys recall for almost no alerts on everyday answers.
CARE_WEIGHT = 0.5
MIN_DF = 1
RISK_C = 0.1
CATEGORY_C = 1.0
MODEL_FALSE_ALARMS = 0.025
FOLDS = 5


def _round(value: float) -> float:
    return float(f"{value:.4g}")


def train(out: Path) -> dict[str, float]:
    # everyday care answers as ordinary messages too: the corpus alone taught the model that
    # "they made me a birthday cake" and "my house mum reads to me every night" were risk
    phrases = PhraseBook.default()
    corpus = load_corpus("development")
    messages = corpus + care_answers("development", Detector(phrases, None).detect)
    # Read as the detector hands text to the model: the book's words with its safe contexts
    # masked. Trained on the bare words, the idioms of the ordinary messages ("killing myself
    # laughing") taught the model that "kill myself" is ordinary, though it never sees them.
    # Chosen on development with the 28th to 32nd sittings held out of training (749
    # messages in registers the rest had not met), the model alone on their 500 risk and
    # 249 ordinary messages: the shipped model of the 15th sitting 396 (8 false alarms);
    # retrained on bare words at a 3% budget 420 (8); masked at 3% 432 (9), 2.5% 424 (9),
    # 2% 417 (9). Out of fold on all of development, the everyday care answers the model
    # flags: bare 3% 0.85%, masked 3% 1.25%, 2.5% 1.0%, 2% 0.75%. Masked at 2.5% (below).
    # Masked, "i want to kill myself" is above the threshold again; bare, it was not.
    words = [phrases.mask_safe(phrases.words(m.text)) for m in messages]
    is_risk = np.array([m.is_risk for m in messages])
    weights = np.array([1.0] * len(corpus) + [CARE_WEIGHT] * (len(messages) - len(corpus)))
    # No L2 norm: with it, a two-word answer ("all done") puts its whole weight on a couple
    # of n-grams and half of such answers scored as risk; without it, evidence adds up.
    vectoriser = TfidfVectorizer(
        analyzer=features,
        sublinear_tf=True,
        min_df=MIN_DF,
        lowercase=False,
        norm=None,
        dtype=np.float64,
    )
    matrix = vectoriser.fit_transform(words)
    risk_model = LogisticRegression(C=RISK_C, class_weight="balanced", max_iter=20000)
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=9)
    out_of_fold = cross_val_predict(
        risk_model,
        matrix,
        is_risk,
        cv=folds,
        method="predict_proba",
        params={"sample_weight": weights},
    )[:, 1]
    risk_model.fit(matrix, is_risk, sample_weight=weights)

    # The threshold: the lowest at which the model alone, scored out of fold, raises a false
    # alarm on at most MODEL_FALSE_ALARMS of the ordinary development messages. (The phrase
    # book was written on the same messages, so the two together cannot be judged here.)
    # (the corpus's ordinary messages only: the care answers are easier, and would lower it)
    in_corpus = np.arange(len(messages)) < len(corpus)
    ordinary = np.sort(out_of_fold[~is_risk & in_corpus])
    index = int(np.ceil((1 - MODEL_FALSE_ALARMS) * len(ordinary))) - 1
    threshold = _round(float(ordinary[index]) + 1e-4)
    flagged = out_of_fold >= threshold
    recall = float(flagged[is_risk].mean())
    false_alarms = float(flagged[~is_risk & in_corpus].mean())

    risky = [i for i, m in enumerate(messages) if m.is_risk and m.category != "help_now"]
    vocabulary = vectoriser.get_feature_names_out()
    # The category is read from words and pairs of words only: as good, and a tenth the size.
    word_columns = [i for i, f in enumerate(vocabulary) if not f.startswith("c:")]
    category_model = LogisticRegression(C=CATEGORY_C, max_iter=20000)
    category_model.fit(matrix[risky][:, word_columns], [messages[i].category for i in risky])
    classes = [RiskCategory(c) for c in category_model.classes_]

    data = {
        "version": 1,
        "trained_on": "tests/data/safeguarding/development.tsv + development rows of "
        "tests/data/themes/answers/ and tests/data/sentiment/phrases.csv",
        "threshold": threshold,
        "vocabulary": [str(f) for f in vocabulary],
        "idf": [_round(x) for x in vectoriser.idf_],
        "risk": {
            "intercept": _round(float(risk_model.intercept_[0])),
            "coef": [_round(x) for x in risk_model.coef_[0]],
        },
        "category": {
            "classes": [c.value for c in classes],
            "intercepts": [_round(x) for x in category_model.intercept_],
            "features": word_columns,
            # two significant digits: only the largest score counts, and with the 28th to
            # 32nd sittings three digits took the file past 1 MiB (the category changed on 3
            # of 3,469 development risk messages)
            "coef": [[float(f"{x:.2g}") for x in row] for row in category_model.coef_.T],
        },
    }
    payload = (json.dumps(data, separators=(",", ":")) + "\n").encode("utf-8")
    if out.suffix == ".gz":
        payload = gzip.compress(payload, compresslevel=9, mtime=0)
    out.write_bytes(payload)
    return {
        "features": len(vocabulary),
        "threshold": threshold,
        "model_alone_dev_out_of_fold_recall": round(recall, 3),
        "model_alone_dev_out_of_fold_false_alarms": round(false_alarms, 3),
        "bytes": out.stat().st_size,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the model")
    args = parser.parse_args(argv)
    for key, value in train(args.out).items():
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
