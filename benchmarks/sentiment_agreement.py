"""How well does carevoice's sentiment scorer agree with people, against TextBlob, VADER
and their mean?

For each human-rated set (Hutto & Gilbert 2014: tweets, movie, Amazon and NYT snippets)
and for the care phrases we wrote (``tests/data/sentiment/phrases.csv``), on the tuning
part and on the held-out part, prints Pearson's r with the human rating and 3-class
accuracy (human class: mean below -0.5 negative, above 0.5 positive, else neutral; a
scorer's class: polarity below -0.05 negative, above 0.05 positive) for TextBlob alone,
VADER alone (both reading the text as it is), their mean, and ours (`CareScorer`, trained
on the tuning parts only by `benchmarks.sentiment_train`). Care phrases are labelled by us,
not rated by people; their r is against -0.5/0/+0.5 and means little. VADER was built on
the tweets, so its figures there are flattering.

Usage: ``python -m benchmarks.sentiment_agreement [--data DIR] [--cache FILE] [--rules]
[--write]`` (``--rules`` also reads every scorer's polarity by VADER's rule, at least 0.05,
and TextBlob's, any sign; ``--write`` stores the held-out figures in
``surveys/data/sentiment_agreement.json``, which the board reads to say how well its
feelings agree with people).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks.sentiment_data import CARE, Item, default_data, read_care, read_human, read_parts
from surveys.sentiment import (
    NEGATIVE_BELOW,
    POSITIVE_ABOVE,
    Parts,
    SentimentLabel,
    SentimentModel,
    care_polarity,
    label_for,
)

FIGURES = Path(__file__).resolve().parents[1] / "surveys" / "data" / "sentiment_agreement.json"
SCORERS = ("TextBlob", "VADER", "mean", "ours")
PARTS = ("tuning", "held_out")

Scored = tuple[Item, Parts, Parts]  # the item, baseline parts (text as is), our parts


def figures(items: Sequence[Scored], scorer: Callable[[Scored], float]) -> dict[str, float]:
    """n, Pearson's r (0 if undefined) and 3-class accuracy."""
    ratings = [s[0].rating for s in items]
    polarities = [scorer(s) for s in items]
    try:
        r = statistics.correlation(ratings, polarities)
    except statistics.StatisticsError:
        r = 0.0
    right = sum(label_for(p) is s[0].human for p, s in zip(polarities, items, strict=True))
    return {"n": len(items), "r": round(r, 4), "accuracy": round(right / len(items), 4)}


def scorers(model: SentimentModel) -> dict[str, Callable[[Scored], float]]:
    """Polarity from each scorer, all from the same parts."""
    return {
        "TextBlob": lambda s: s[1].textblob,
        "VADER": lambda s: s[1].vader,
        "mean": lambda s: (s[1].textblob + s[1].vader) / 2,
        "ours": lambda s: care_polarity(model, s[2], s[0].text),
    }


def with_parts(items: Sequence[Item], cache: Path | None = None) -> list[Scored]:
    """Each item with words, with its baseline parts (TextBlob and VADER reading the text
    as it is) and ours (the facts of care hidden from them)."""
    base = read_parts(items, cache, hide_facts=False)
    ours = read_parts(items, cache)
    return [(i, b, o) for i, b, o in zip(items, base, ours, strict=True) if b and o is not None]


def score_all(data: Path, cache: Path | None) -> list[Scored]:
    """Every rated text with words, with its baseline parts and ours."""
    return with_parts(read_human(data) + read_care(), cache)


def _sets(scored: Sequence[Scored]) -> list[str]:
    return sorted({s[0].set for s in scored}, key=lambda n: (n == CARE, n))


def measure(
    data: Path, cache: Path | None, model: SentimentModel, scored: Sequence[Scored] = ()
) -> dict[str, dict[str, dict[str, dict[str, float]]]]:
    """set -> part -> scorer -> figures (of `scored`, if given: `score_all`'s list)."""
    scored = scored or score_all(data, cache)
    by_scorer = scorers(model)
    out: dict[str, dict[str, dict[str, dict[str, float]]]] = {}
    for name in _sets(scored):
        out[name] = {}
        for part in PARTS:
            chosen = [s for s in scored if s[0].set == name and s[0].tuning == (part == "tuning")]
            out[name][part] = {k: figures(chosen, f) for k, f in by_scorer.items()}
    return out


def _at_least(polarity: float) -> SentimentLabel:
    if polarity >= POSITIVE_ABOVE:
        return SentimentLabel.POSITIVE
    return SentimentLabel.NEGATIVE if polarity <= NEGATIVE_BELOW else SentimentLabel.NEUTRAL


def _by_sign(polarity: float) -> SentimentLabel:
    if polarity > 0:
        return SentimentLabel.POSITIVE
    return SentimentLabel.NEGATIVE if polarity < 0 else SentimentLabel.NEUTRAL


RULES: dict[str, Callable[[float], SentimentLabel]] = {
    "beyond 0.05 (ours)": label_for,
    "at least 0.05 (VADER's)": _at_least,
    "any sign (TextBlob's)": _by_sign,
}
"""Ways a reader may turn a polarity into a class; each scorer is read by the same one."""


def accuracy_by_rule(
    scored: Sequence[Scored], model: SentimentModel
) -> dict[str, dict[str, dict[str, float]]]:
    """Held-out 3-class accuracy: set -> rule -> scorer."""
    by_scorer = scorers(model)
    out: dict[str, dict[str, dict[str, float]]] = {}
    for name in _sets(scored):
        held = [s for s in scored if s[0].set == name and not s[0].tuning]
        out[name] = {
            rule: {
                k: round(sum(read(f(s)) is s[0].human for s in held) / len(held), 4)
                for k, f in by_scorer.items()
            }
            for rule, read in RULES.items()
        }
    return out


def _print_rules(scored: Sequence[Scored], model: SentimentModel) -> None:
    print("\nHeld-out 3-class accuracy when every scorer's polarity is read by another rule")
    print("(people's class as above). ours > best of the other three: +.\n")
    print(f"{'set':<22}{'rule':<25} | " + " | ".join(f"{k:>8}" for k in SCORERS) + " | beats")
    for name, rules in accuracy_by_rule(scored, model).items():
        for rule, row in rules.items():
            best = max(row[k] for k in SCORERS[:3])
            cells = " | ".join(f"{row[k]:8.3f}" for k in SCORERS)
            print(f"{name:<22}{rule:<25} | {cells} | {'+' if row['ours'] > best else '-'}")


def beats(row: dict[str, dict[str, float]], metric: str) -> bool:
    """Whether ours is above the best of TextBlob, VADER and their mean."""
    return row["ours"][metric] > max(row[k][metric] for k in SCORERS[:3])


def main(argv: Sequence[str] | None = None) -> int:
    """Print every figure; with --write, store the held-out ones for the board."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=default_data())
    parser.add_argument("--cache", type=Path, help="keep TextBlob's and VADER's readings here")
    parser.add_argument("--write", action="store_true", help=f"write {FIGURES.name}")
    parser.add_argument(
        "--rules",
        action="store_true",
        help="also read every scorer's polarity by VADER's and TextBlob's rules",
    )
    args = parser.parse_args(argv)
    if not any(args.data.glob("*_GroundTruth.txt")):
        print(f"No *_GroundTruth.txt in {args.data}: care phrases only. Pass --data DIR.\n")
    scored = score_all(args.data, args.cache)
    results = measure(args.data, args.cache, SentimentModel.default(), scored)
    print("r = Pearson with the human rating; acc = 3-class accuracy. ours > best of the")
    print("other three: + (r, acc). Tuning parts were used to train ours; held-out were not.\n")
    head = f"{'set':<22}{'part':<10}{'n':>6} | " + " | ".join(f"{k:^13}" for k in SCORERS)
    print(head + " | beats")
    print(f"{'':<38} | " + " | ".join(f"{'r':>6}{'acc':>7}" for _ in SCORERS) + " | r acc")
    print("-" * (len(head) + 10))
    for name, parts in results.items():
        for part, row in parts.items():
            cells = " | ".join(f"{row[k]['r']:6.3f}{row[k]['accuracy']:7.3f}" for k in SCORERS)
            marks = " ".join("+" if beats(row, m) else "-" for m in ("r", "accuracy"))
            n = row["ours"]["n"]
            print(f"{name:<22}{part:<10}{n:>6} | {cells} | {marks}")
    misses = [
        f"{name} {metric}"
        for name, parts in results.items()
        for metric in ("r", "accuracy")
        if name != CARE and not beats(parts["held_out"], metric)
    ]
    care = results.get(CARE, {}).get("held_out", {}).get("ours", {})
    print(
        f"\nHeld-out, human-rated sets where ours is not above the best of the other three: "
        f"{', '.join(misses) or 'none'}."
    )
    if care:
        print(
            f"Held-out care phrases, ours: 3-class accuracy {care['accuracy']:.1%} "
            f"(goal 85%) on {care['n']}."
        )
    if args.rules:
        _print_rules(scored, SentimentModel.default())
    if args.write:
        held = {name: parts["held_out"] for name, parts in results.items()}
        FIGURES.write_text(json.dumps(held, indent=1) + "\n", encoding="utf-8")
        print(f"Wrote {FIGURES}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
