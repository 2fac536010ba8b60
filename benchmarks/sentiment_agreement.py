"""How well do carevoice's sentiment scorers agree with people?

Reads the human-rated sets from Hutto & Gilbert (2014), ``*_GroundTruth.txt`` (tab-separated
id, mean rating -4..+4, text), and prints for TextBlob alone, VADER alone and the blend:
Pearson's r with the human mean, and 3-class accuracy and macro-F1 (human class: mean below
-0.5 negative, above 0.5 positive, else neutral).

The blend's one tuned weight (TextBlob's share against VADER) is chosen on a fixed 30% of
rows and reported on the other 70%; both are printed, with their ratio. VADER was built and
described on these same sets, so its figures (and the blend's, through it) are flattering.

Usage: ``.venv/bin/python benchmarks/sentiment_agreement.py [--data DIR]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "sentiment"
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from surveys.sentiment import (  # noqa: E402
    DEFAULT_WEIGHTS,
    BlendedScorer,
    BlendParts,
    BlendWeights,
    SentimentLabel,
    blend,
    label_for,
)

NEG, NEU, POS = SentimentLabel.NEGATIVE, SentimentLabel.NEUTRAL, SentimentLabel.POSITIVE
HUMAN_THRESHOLD = 0.5  # on the -4..+4 scale
TUNING_SHARE = 3  # tenths of the rows used to choose the weight
GRID = [n / 20 for n in range(21)]  # TextBlob's share: 0.00, 0.05, ... 1.00

# Written by us, NOT human-rated: short answers in the words of the seed reports and of
# young people in care, with the label we think a participation officer would give. The
# youth lexicon was written by the same people, so agreement here is not independent.
CARE_SENTENCES: list[tuple[str, SentimentLabel]] = [
    ("I like my meeting", POS),
    ("Time could have been discussed – had to change things to be able to attend", NEG),
    ("My IRO was descriptive", POS),
    ("I got an explanation why I'm not with my old carer", POS),
    ("I know what the SGO is now", POS),
    ("I've had too many changes of social worker", NEG),
    ("They changed my social worker again", NEG),
    ("Nobody listened to me", NEG),
    ("My social worker listens to me and explains things", POS),
    ("The meeting was boring and went on too long", NEG),
    ("I miss my mum", NEG),
    ("I feel safe where I live", POS),
    ("I had to miss school for my review", NEG),
    ("It was ok", NEU),
    ("My PA helped me find a flat", POS),
    ("I don't understand why I moved again", NEG),
    ("My carer is kind and helpful", POS),
    ("The meeting was at 4pm in the school library", NEU),
    ("There were too many people in the room", NEG),
    ("I didn't know who everyone was", NEG),
    ("It would have been nice to be asked first", NEG),
    ("my foster carer is peng at cooking", POS),
    ("that meeting was sick", POS),
    ("I chaired my own meeting and I was proud", POS),
    ("Not happy with my placement", NEG),
    ("I don't mind where the meeting is", NEU),
    ("It was scary at first but everyone was nice", POS),
    ("Nobody told me my review was cancelled", NEG),
    ("I'm settled at my placement now", POS),
    ("My IRO came to see me before the meeting", NEU),
    ("I had to wait ages and nobody explained why", NEG),
]


@dataclass(frozen=True)
class Row:
    """One human-rated text."""

    file_set: str
    row_id: str
    rating: float
    text: str

    @property
    def tuning(self) -> bool:
        """Whether the row is in the fixed tuning split (by a hash of set and id)."""
        return zlib.crc32(f"{self.file_set}:{self.row_id}".encode()) % 10 < TUNING_SHARE

    @property
    def human(self) -> SentimentLabel:
        """The 3-class label of the human mean."""
        if self.rating < -HUMAN_THRESHOLD:
            return NEG
        return POS if self.rating > HUMAN_THRESHOLD else NEU


def read_sets(folder: Path) -> dict[str, list[Row]]:
    """Read every ``*_GroundTruth.txt`` in `folder`, by file set."""
    sets: dict[str, list[Row]] = {}
    for path in sorted(folder.glob("*_GroundTruth.txt")):
        name = path.name.removesuffix("_GroundTruth.txt")
        rows = sets.setdefault(name, [])
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for number, line in enumerate(handle.read().splitlines(), start=1):
                if not line.strip():
                    continue
                fields = line.split("\t", 2)
                if len(fields) != 3:
                    raise SystemExit(f"{path}:{number}: expected 3 tab-separated fields")
                rows.append(Row(name, fields[0], float(fields[1]), fields[2]))
    return sets


@dataclass(frozen=True)
class Figures:
    """Agreement of one scorer with one set of rows."""

    n: int
    r: float
    accuracy: float
    macro_f1: float


def macro_f1(truth: Sequence[SentimentLabel], predicted: Sequence[SentimentLabel]) -> float:
    """Unweighted mean of the per-class F1 scores over the three classes."""
    scores = []
    for label in (NEG, NEU, POS):
        true_pos = sum(t == label == p for t, p in zip(truth, predicted, strict=True))
        claimed = sum(p == label for p in predicted)
        actual = sum(t == label for t in truth)
        denominator = claimed + actual
        scores.append(2 * true_pos / denominator if denominator else 0.0)
    return sum(scores) / len(scores)


def figures(
    ratings: Sequence[float], truth: Sequence[SentimentLabel], polarities: Sequence[float]
) -> Figures:
    """Pearson's r (nan if undefined), accuracy and macro-F1."""
    predicted = [label_for(p) for p in polarities]
    try:
        r = statistics.correlation(ratings, polarities) if len(ratings) > 1 else float("nan")
    except statistics.StatisticsError:
        r = float("nan")
    accuracy = sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(truth)
    return Figures(len(truth), r, accuracy, macro_f1(truth, predicted))


Scorer = Callable[[BlendParts], float]


def scorers(weights: BlendWeights) -> dict[str, Scorer]:
    """Polarity from each scorer, all computed from the same per-text parts."""
    return {
        "TextBlob": lambda parts: parts.textblob,
        "VADER": lambda parts: parts.vader,
        "Blend": lambda parts: blend(parts, weights).polarity,
    }


def evaluate(rows: Sequence[tuple[Row, BlendParts]], scorer: Scorer) -> Figures:
    """Figures for one scorer on some rows."""
    return figures(
        [row.rating for row, _ in rows],
        [row.human for row, _ in rows],
        [scorer(parts) for _, parts in rows],
    )


def tune(rows: Sequence[tuple[Row, BlendParts]]) -> BlendWeights:
    """The TextBlob share, on `GRID`, with the best macro-F1 (ties: nearest the default)."""

    def key(share: float) -> tuple[float, float]:
        weights = replace(DEFAULT_WEIGHTS, textblob_share=share)
        f1 = evaluate(rows, scorers(weights)["Blend"]).macro_f1
        return round(f1, 4), -abs(share - DEFAULT_WEIGHTS.textblob_share)

    return replace(DEFAULT_WEIGHTS, textblob_share=max(GRID, key=key))


def _ratio(a: float, b: float) -> str:
    return f"{a / b:5.2f}" if b else "  n/a"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="folder of *_GroundTruth.txt"
    )
    args = parser.parse_args(argv)
    folder: Path = args.data

    scorer = BlendedScorer()
    sets = read_sets(folder) if folder.is_dir() else {}
    if not sets:
        print(f"No *_GroundTruth.txt files in {folder}; skipping the human-rated sets.")
        print("Pass --data DIR to point at them.\n")

    started = time.perf_counter()
    scored: dict[str, list[tuple[Row, BlendParts]]] = {}
    for name, rows in sets.items():
        scored[name] = []
        for row in rows:
            parts = scorer.parts(row.text)
            if parts is not None:
                scored[name].append((row, parts))
    if sets:
        total = sum(len(v) for v in scored.values())
        print(f"Scored {total} human-rated texts in {time.perf_counter() - started:.1f}s.")

    pooled = [item for items in scored.values() for item in items]
    tuning = [item for item in pooled if item[0].tuning]
    weights = tune(tuning) if tuning else DEFAULT_WEIGHTS
    if sets:
        print(
            f"Tuned TextBlob share on {len(tuning)} tuning rows: {weights.textblob_share:.2f} "
            f"(module default {DEFAULT_WEIGHTS.textblob_share:.2f}; "
            f"lexicon weight {weights.lexicon:.2f}, set by hand)."
        )
        if weights != DEFAULT_WEIGHTS:
            print("NOTE: the tuned weight differs from DEFAULT_WEIGHTS in surveys/sentiment.py.")
        _print_held_out(scored, weights)
        _print_tuning_vs_held_out(scored, weights)
    _print_care_sentences(scorer, weights)
    return 0


def _print_held_out(scored: dict[str, list[tuple[Row, BlendParts]]], weights: BlendWeights) -> None:
    print("\nHeld-out rows (70%). r = Pearson with the human mean; acc, F1 = 3-class.")
    print("VADER was developed on these sets: its figures are not held-out in that sense.\n")
    header = (
        f"{'set':<22}{'n':>6} | "
        + " | ".join(f"{name:^20}" for name in ("TextBlob", "VADER", "Blend"))
        + " | blend/TextBlob"
    )
    print(header)
    print(
        f"{'':<22}{'':>6} | "
        + " | ".join(f"{'r':>6}{'acc':>7}{'F1':>7}" for _ in range(3))
        + " |   r   acc    F1"
    )
    print("-" * len(header))
    groups = {**scored, "ALL": [item for items in scored.values() for item in items]}
    for name, items in groups.items():
        held = [item for item in items if not item[0].tuning]
        results = {label: evaluate(held, s) for label, s in scorers(weights).items()}
        cells = " | ".join(
            f"{f.r:6.3f}{f.accuracy:7.3f}{f.macro_f1:7.3f}" for f in results.values()
        )
        tb, bl = results["TextBlob"], results["Blend"]
        ratios = f"{_ratio(bl.r, tb.r)} {_ratio(bl.accuracy, tb.accuracy)} " + _ratio(
            bl.macro_f1, tb.macro_f1
        )
        print(f"{name:<22}{len(held):>6} | {cells} | {ratios}")


def _print_tuning_vs_held_out(
    scored: dict[str, list[tuple[Row, BlendParts]]], weights: BlendWeights
) -> None:
    print("\nBlend on the rows its weight was chosen on (tuning, 30%) and on the rest (held-out).")
    print(f"{'set':<22}{'metric':>8}{'tuning':>9}{'held-out':>10}{'held/tune':>11}")
    blend_scorer = scorers(weights)["Blend"]
    groups = {**scored, "ALL": [item for items in scored.values() for item in items]}
    for name, items in groups.items():
        tuned = evaluate([i for i in items if i[0].tuning], blend_scorer)
        held = evaluate([i for i in items if not i[0].tuning], blend_scorer)
        for metric in ("r", "accuracy", "macro_f1"):
            a, b = getattr(tuned, metric), getattr(held, metric)
            label = {"accuracy": "acc", "macro_f1": "F1"}.get(metric, metric)
            print(
                f"{name if metric == 'r' else '':<22}{label:>8}{a:9.3f}{b:10.3f}{_ratio(b, a):>11}"
            )


def _print_care_sentences(scorer: BlendedScorer, weights: BlendWeights) -> None:
    print(f"\nCare-context sentences: {len(CARE_SENTENCES)}, WRITTEN BY US, NOT HUMAN-RATED.")
    truth = [label for _, label in CARE_SENTENCES]
    parts = [scorer.parts(text) for text, _ in CARE_SENTENCES]
    if any(p is None for p in parts):
        raise SystemExit("a care sentence has no words")
    checked = [p for p in parts if p is not None]
    predictions: dict[str, list[SentimentLabel]] = {}
    for name, s in scorers(weights).items():
        predictions[name] = [label_for(s(p)) for p in checked]
        accuracy = sum(t == p for t, p in zip(truth, predictions[name], strict=True)) / len(truth)
        f1 = macro_f1(truth, predictions[name])
        print(f"  {name:<9} acc {accuracy:.3f}  macro-F1 {f1:.3f}")
    print("\n  ours      TextBlob  VADER     Blend     text")
    for i, (text, label) in enumerate(CARE_SENTENCES):
        cells = "".join(
            f"{predictions[n][i].value[:3]:<10}" for n in ("TextBlob", "VADER", "Blend")
        )
        print(f"  {label.value[:3]:<10}{cells}{text}")


if __name__ == "__main__":
    raise SystemExit(main())
