"""K-fold cross-validation of the sentiment model on the tuning parts only.

    python -m benchmarks.sentiment_cv [--data DIR] [--cache FILE] [--folds 5] [--misses]

The tuning parts (`benchmarks.sentiment_data`: 30% of each human-rated set and the
development care phrases) are cut into folds by a hash of set and text; each fold is scored
by the model trained (`benchmarks.sentiment_train.train`, its settings as they stand) on the
others. Held-out parts are never read. Prints the care phrases' 3-class accuracy and, per
human-rated set, ours against the best of TextBlob, VADER and their mean (accuracy and r);
`--misses` also lists each development care phrase read wrongly out of fold (its label, the
model's label and polarity, the text): where care-lexicon phrases are written from.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import zlib
from collections.abc import Sequence
from pathlib import Path

from benchmarks.sentiment_data import CARE, Item, default_data, read_care, read_human, read_parts
from benchmarks.sentiment_train import train
from surveys.sentiment import Parts, SentimentModel, care_polarity, label_for


def _accuracy(polarities: Sequence[float], items: Sequence[Item]) -> float:
    right = sum(label_for(p) is i.human for p, i in zip(polarities, items, strict=True))
    return right / len(items)


def _print_misses(items: Sequence[Item], polarities: Sequence[float]) -> None:
    for item, polarity in zip(items, polarities, strict=True):
        if label_for(polarity) is not item.human:
            print(
                f"  {item.human.value:8} -> {label_for(polarity).value:8} {polarity:+.2f}  "
                f"{item.text}"
            )


def main(argv: Sequence[str] | None = None) -> int:
    """Print the out-of-fold figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=default_data())
    parser.add_argument("--cache", type=Path, help="keep TextBlob's and VADER's readings here")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--misses",
        action="store_true",
        help="list the development care phrases misread out of fold",
    )
    args = parser.parse_args(argv)
    items = read_human(args.data) + read_care()
    ours, base = read_parts(items, args.cache), read_parts(items, args.cache, hide_facts=False)
    rows: list[tuple[Item, Parts, Parts, int]] = [
        (i, o, b, zlib.crc32(f"fold:{i.set}:{i.text}".encode()) % args.folds)
        for i, o, b in zip(items, ours, base, strict=True)
        if i.tuning and o is not None and b is not None
    ]
    predicted: dict[int, float] = {}
    for fold in range(args.folds):
        fit = [(dataclasses.replace(r[0], tuning=r[3] != fold), r[1]) for r in rows]
        model = SentimentModel.from_json(json.dumps(train(*zip(*fit, strict=True))))
        for n, r in enumerate(rows):
            if r[3] == fold:
                predicted[n] = care_polarity(model, r[1], r[0].text)
    for name in sorted({r[0].set for r in rows}, key=lambda s: (s == CARE, s)):
        chosen = [n for n, r in enumerate(rows) if r[0].set == name]
        test = [rows[n][0] for n in chosen]
        mine = [predicted[n] for n in chosen]
        if name == CARE:
            right = round(_accuracy(mine, test) * len(test))
            print(f"{name}: 3-class accuracy {right / len(test):.1%} ({right} of {len(test)})")
            if args.misses:
                _print_misses(test, mine)
            continue
        human = [i.rating for i in test]
        textblob = [rows[n][2].textblob for n in chosen]
        vader = [rows[n][2].vader for n in chosen]
        others = (textblob, vader, [(t + v) / 2 for t, v in zip(textblob, vader, strict=True)])
        print(
            f"{name}: acc {_accuracy(mine, test):.3f} (best other "
            f"{max(_accuracy(o, test) for o in others):.3f}), r "
            f"{statistics.correlation(human, mine):.3f} (best other "
            f"{max(statistics.correlation(human, o) for o in others):.3f})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
