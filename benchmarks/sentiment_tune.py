"""Choose the sentiment model's settings on the tuning parts only.

    python -m benchmarks.sentiment_tune [--data DIR] [--cache FILE] SETTING...

Each SETTING is ``tweets_weight,care_weight,word_scale,logistic_c``. The tuning parts
(`benchmarks.sentiment_data`) are split in two by a hash of the text; the model is trained
on one half with those settings (`benchmarks.sentiment_train.train`) and scored on the
other, so held-out parts are never read. Prints, per set, ours against the best of
TextBlob, VADER and their mean: 3-class accuracy and Pearson's r.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import zlib
from collections.abc import Sequence
from pathlib import Path

import benchmarks.sentiment_train as training
from benchmarks.sentiment_data import CARE, Item, default_data, read_care, read_human, read_parts
from surveys.sentiment import Parts, SentimentModel, care_polarity, label_for

Row = tuple[Item, Parts, Parts]  # the item (tuning = first half), our parts, baseline parts


def halves(data: Path, cache: Path | None) -> list[Row]:
    """The tuning items, `tuning` re-marked as "in the first half"."""
    items = read_human(data) + read_care()
    ours, base = read_parts(items, cache), read_parts(items, cache, hide_facts=False)
    return [
        (dataclasses.replace(i, tuning=zlib.crc32(f"cv:{i.text}".encode()) % 2 == 0), o, b)
        for i, o, b in zip(items, ours, base, strict=True)
        if i.tuning and o is not None and b is not None
    ]


def _accuracy(polarities: Sequence[float], rows: Sequence[Row]) -> float:
    right = sum(label_for(p) is r[0].human for p, r in zip(polarities, rows, strict=True))
    return right / len(rows)


def evaluate(rows: Sequence[Row], setting: Sequence[float]) -> str:
    """Train on the first half with `setting`, score the second; one line of figures."""
    tweets, care, word_scale, logistic_c = setting
    training.SET_WEIGHTS.clear()
    training.SET_WEIGHTS.update({CARE: care, "tweets": tweets})
    training.WORD_SCALE, training.LOGISTIC_C = word_scale, logistic_c
    trained = training.train([r[0] for r in rows], [r[1] for r in rows])
    model = SentimentModel.from_json(json.dumps(trained))
    cells = []
    for name in sorted({r[0].set for r in rows}):
        test = [r for r in rows if r[0].set == name and not r[0].tuning]
        human = [r[0].rating for r in test]
        ours = [care_polarity(model, r[1], r[0].text) for r in test]
        others = (
            [r[2].textblob for r in test],
            [r[2].vader for r in test],
            [(r[2].textblob + r[2].vader) / 2 for r in test],
        )
        best_acc = max(_accuracy(o, test) for o in others)
        best_r = max(statistics.correlation(human, o) for o in others)
        cells.append(
            f"{name[:6]} acc {_accuracy(ours, test):.3f}/{best_acc:.3f} "
            f"r {statistics.correlation(human, ours):.3f}/{best_r:.3f}"
        )
    return " | ".join(cells)


def main(argv: Sequence[str] | None = None) -> int:
    """Print one line per setting."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=default_data())
    parser.add_argument("--cache", type=Path, help="keep TextBlob's and VADER's readings here")
    parser.add_argument("settings", nargs="+", help="tweets,care,word_scale,logistic_c")
    args = parser.parse_args(argv)
    rows = halves(args.data, args.cache)
    print("Second half of the tuning parts; ours / best of TextBlob, VADER and their mean.")
    for text in args.settings:
        setting = [float(v) for v in text.split(",")]
        if len(setting) != 4:
            parser.error(f"{text!r}: expected tweets,care,word_scale,logistic_c")
        print(f"{text}: {evaluate(rows, setting)}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
