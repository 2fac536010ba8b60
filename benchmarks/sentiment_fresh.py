"""How well does the shipped sentiment scorer read answers nobody has tuned on?

    python -m benchmarks.sentiment_fresh [FILE ...]

Each FILE is a CSV with columns `label` (negative, neutral or positive) and `text`: answers
written blind, from the labelling conventions alone, and never added to the care phrases
the model learns from (default: every CSV in ``tests/data/sentiment/fresh/``). Prints, per
file and for all of them, the 3-class accuracy of ours, TextBlob, VADER and their mean,
and ours per label. A council can score its own hand-labelled answers the same way.
Texts already in ``tests/data/sentiment/phrases.csv`` are left out (counted, not scored),
so a figure is never flattered by a phrase the model was trained or measured on.
"""

from __future__ import annotations

import argparse
import csv
from collections.abc import Sequence
from pathlib import Path

from benchmarks.sentiment_agreement import figures, scorers, with_parts
from benchmarks.sentiment_data import CARE, CARE_TARGET, Item, read_care
from surveys.safeguarding import normalise
from surveys.sentiment import SentimentLabel, SentimentModel, label_for

FRESH = Path(__file__).resolve().parents[1] / "tests" / "data" / "sentiment" / "fresh"
SCORERS = ("ours", "TextBlob", "VADER", "mean")


def read_fresh(path: Path, known: set[str]) -> tuple[list[Item], int]:
    """The file's answers as items (none in the tuning part), and how many were left out
    because the care phrases already hold them; a bad row is a clear error."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        raise SystemExit(f"{path}: cannot read: {error.strerror}") from None
    items: list[Item] = []
    repeated = 0
    for number, row in enumerate(rows, start=2):
        label, text = row.get("label"), row.get("text")
        if label not in CARE_TARGET or not text:
            raise SystemExit(f"{path}:{number}: needs a label (negative, neutral or positive) "
                             "and a text")  # fmt: skip
        key = normalise(text)
        if not key or key in known:
            repeated += 1
            continue
        known.add(key)
        items.append(Item(CARE, False, CARE_TARGET[label], SentimentLabel(label), text))
    return items, repeated


def report(name: str, items: Sequence[Item], model: SentimentModel) -> str:
    """One line: n, each scorer's 3-class accuracy, and ours right of each label."""
    scored = with_parts(items)
    if not scored:
        return f"{name}: no answers with words"
    read = scorers(model)
    accuracy = {s: figures(scored, read[s])["accuracy"] for s in SCORERS}
    labels = []
    for label in SentimentLabel:
        mine = [s for s in scored if s[0].human is label]
        right = sum(label_for(read["ours"](s)) is label for s in mine)
        labels.append(f"{label.value} {right}/{len(mine)}")
    shown = "  ".join(f"{s} {accuracy[s]:.1%}" for s in SCORERS)
    return f"{name}: n={len(scored)}  {shown}  (ours by label: {', '.join(labels)})"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="How well does the shipped sentiment scorer read answers nobody has "
        "tuned on? 3-class accuracy of ours, TextBlob, VADER and their mean."
    )
    default = FRESH.relative_to(FRESH.parents[3])
    parser.add_argument("files", nargs="*", type=Path,
                        help=f"label,text CSVs (default: every CSV in {default})")  # fmt: skip
    args = parser.parse_args(argv)
    files = args.files or sorted(FRESH.glob("*.csv"))
    if not files:
        parser.error(f"no CSV files given and none in {FRESH}")
    known = {normalise(i.text) for i in read_care()}
    model = SentimentModel.default()
    everything: list[Item] = []
    for path in files:
        items, repeated = read_fresh(path, known)
        note = f" ({repeated} already in phrases.csv or repeated, left out)" if repeated else ""
        print(report(path.name, items, model) + note)
        everything.extend(items)
    if len(files) > 1:
        print(report("all", everything, model))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
