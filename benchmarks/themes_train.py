"""Train the theme model on the development part of the labelled answers and write it out.

    python -m benchmarks.themes_train [--out surveys/data/themes_model.json.gz]
    python -m benchmarks.themes_train --validate [--batches BATCH ...] --taxonomy FILE

The model (`surveys.theme_model`) is a second opinion on what a theme's keywords find: for
each theme a logistic regression over the words and word pairs of an answer, trained on
every development answer (``tests/data/themes/answers.csv``), never a held-out one.
scikit-learn is a development dependency only; carevoice scores the model in plain Python.
Reproducible: the same answers and the same scikit-learn give the same file (gzipped with
no timestamp).

``--validate`` shows how the `confirm_above` and `add_above` thresholds in
``surveys/data/topics.yaml`` were chosen: the model is trained on the development answers
outside ``--batches`` (blind sets, written without reading the keywords) and ``--train-
without``, and on those batches' development answers it prints, per threshold, the wrong
labels the model removes from what the keywords find and the right ones it loses, then the
right and wrong labels it adds to what they miss. Run it with the taxonomy as it stood
before those batches were tuned on, when their errors were still the natural ones of text
the keywords had not seen: ``--batches eleventh twelfth --train-without thirteenth
fourteenth fifteenth sixteenth seventeenth eighteenth`` with ``git show
f24d49b:surveys/data/topics.yaml``; ``--batches thirteenth fourteenth --train-without
fifteenth sixteenth seventeenth eighteenth`` with ``git show
32c53d5:surveys/data/topics.yaml``; ``--batches fifteenth sixteenth --train-without
seventeenth eighteenth`` with ``git show c4cc1bb:surveys/data/topics.yaml``; ``--batches
seventeenth eighteenth`` with ``git show 2f34cdb:surveys/data/topics.yaml``. The four tables
are pooled. `confirm_above`: the threshold that removes the most wrong labels net of right
ones lost, if that is at least 2 (ties: the lower). `add_above`: the lowest threshold whose
additions were at least 90% right and at least 2 (the precision goal). The thresholds those
rules give are in ``surveys/data/topics.yaml``. The model written out is trained on every
development answer, the validation ones included: a sibling of the validated one, measured
on the held-out part by `benchmarks.themes_agreement`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TypedDict

try:
    import numpy as np
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
except ImportError:  # pragma: no cover - a development dependency
    sys.exit("Training needs scikit-learn, a development dependency: pip install -e '.[dev]'")

from benchmarks.themes_agreement import Labelled, load
from surveys.theme_model import char_grams, ngrams
from surveys.topics import load_topics, normalise, topics_of

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "surveys" / "data" / "themes_model.json.gz"
STRENGTH = 10.0  # logistic regression's C (4 before the character block: see the README)
CHAR_MIN_DF = 2  # a character n-gram in fewer development answers is left out
VALIDATION = ("eleventh", "twelfth")  # blind sets whose development answers choose thresholds
THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5)
ADD_THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)


class Weights(TypedDict):
    """One theme's logistic regression."""

    intercept: float
    coef: list[float]


class ModelData(TypedDict):
    """What `surveys.theme_model.ThemeModel` reads."""

    about: str
    vocabulary: list[str]
    idf: list[float]
    char_vocabulary: list[str]
    char_idf: list[float]
    themes: dict[str, Weights]


def fit(answers: Sequence[Labelled], themes: Sequence[str]) -> ModelData:
    """The model's JSON data, trained on `answers` for `themes`."""
    texts = [normalise(a.text) for a in answers]
    vectoriser = TfidfVectorizer(analyzer=ngrams, sublinear_tf=True)
    characters = TfidfVectorizer(analyzer=char_grams, sublinear_tf=True, min_df=CHAR_MIN_DF)
    matrix = hstack([vectoriser.fit_transform(texts), characters.fit_transform(texts)]).tocsr()
    models: dict[str, Weights] = {}
    for theme in themes:
        labels = np.array([theme in a.themes for a in answers])
        model = LogisticRegression(C=STRENGTH, max_iter=5000, class_weight="balanced")
        model.fit(matrix, labels)
        models[theme] = {
            "intercept": round(float(model.intercept_[0]), 6),
            "coef": [round(float(x), 5) for x in model.coef_[0]],
        }
    return {
        "about": "carevoice theme model: python -m benchmarks.themes_train",
        "vocabulary": [str(gram) for gram in vectoriser.get_feature_names_out()],
        "idf": [round(float(x), 6) for x in vectoriser.idf_],
        "char_vocabulary": [str(gram) for gram in characters.get_feature_names_out()],
        "char_idf": [round(float(x), 6) for x in characters.idf_],
        "themes": models,
    }


def _cells(scores: Sequence[tuple[float, bool]], thresholds: Sequence[float], *,
           below: bool) -> str:
    """Per threshold, "wrong / right" among the scores under it (`below`) or "right / wrong"
    among those at or over it."""
    cells = []
    for t in thresholds:
        hit = [ok for p, ok in scores if (p < t) == below]
        first, second = (hit.count(False), hit.count(True)) if below else (
            hit.count(True), hit.count(False))
        cells.append(f"{first:>4} / {second:<2}")
    return "  ".join(cells)


def validate(answers: Sequence[Labelled], taxonomy: Path | None, batches: Sequence[str],
             train_without: Sequence[str] = ()) -> None:
    """Print, per theme, what each threshold removes (`confirm_above`) and adds (`add_above`)
    on the development answers of `batches`, with a model trained on the other development
    answers (and none of `train_without`) standing in for the shipped one."""
    from surveys.theme_model import ThemeModel

    topics = load_topics(taxonomy)
    keys = [t.key for t in topics]
    train = [a for a in answers if a.batch not in batches and a.batch not in train_without]
    check = [a for a in answers if a.batch in batches]
    if not check:
        sys.exit(f"no development answers in the batches {', '.join(batches)}")
    model = ThemeModel(fit(train, keys))
    keywords_only = [replace(t, confirm_above=None, add_above=None) for t in topics]
    found = {a.text: set(topics_of(a.text, keywords_only)) for a in check}
    chance = {a.text: model.scorer(normalise(a.text)) for a in check}
    print(f"trained on {len(train)} development answers; checked on {len(check)} "
          f"(the development answers of: {', '.join(batches)})")
    print("\nconfirm_above: of what the keywords find, wrong labels removed / right ones lost")
    print(f"{'theme':32} {'right':>5} {'wrong':>5}  " + "  ".join(f"{t:>9}" for t in THRESHOLDS))
    for key in keys:
        scores = [(chance[a.text](key), key in a.themes) for a in check if key in found[a.text]]
        right = sum(ok for _, ok in scores)
        print(f"{key:32} {right:5} {len(scores) - right:5}  "
              + _cells(scores, THRESHOLDS, below=True))
    print("\nadd_above: of what the keywords miss (no `unless` phrase in it), right labels "
          "added / wrong ones added")
    print(f"{'theme':32} {'missed':>6}  " + "  ".join(f"{t:>9}" for t in ADD_THRESHOLDS))
    for topic in topics:
        key = topic.key
        scores = [
            (chance[a.text](key), key in a.themes) for a in check
            if key not in found[a.text] and not topic.ruled_out(f" {normalise(a.text)} ")
        ]
        print(f"{key:32} {sum(ok for _, ok in scores):6}  "
              + _cells(scores, ADD_THRESHOLDS, below=False))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the model")
    parser.add_argument("--validate", action="store_true",
                        help="show what each threshold removes and adds on the validation answers")
    parser.add_argument("--taxonomy", type=Path, help="keywords to validate with (a topics.yaml)")
    parser.add_argument("--batches", nargs="+", default=list(VALIDATION), metavar="BATCH",
                        help="the sets whose development answers validate (default: "
                        f"{' '.join(VALIDATION)})")
    parser.add_argument("--train-without", nargs="+", default=[], metavar="BATCH",
                        help="sets the validation model is not trained on either (sets written "
                        "after the validated ones)")
    args = parser.parse_args(argv)
    development = [a for a in load() if a.split == "development"]
    if args.validate:
        validate(development, args.taxonomy, args.batches, args.train_without)
        return 0
    data = fit(development, [t.key for t in load_topics(args.taxonomy)])
    text = json.dumps(data, separators=(",", ":"), sort_keys=True).encode("utf-8")
    args.out.write_bytes(gzip.compress(text, mtime=0) if args.out.suffix == ".gz" else text)
    print(f"{args.out}: {len(data['vocabulary']):,} word n-grams, "
          f"{len(data['char_vocabulary']):,} character n-grams, {len(data['themes'])} themes, "
          f"{args.out.stat().st_size:,} bytes, from {len(development):,} development answers")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
