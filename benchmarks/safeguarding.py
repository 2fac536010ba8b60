"""How well does the safeguarding net catch risk, how often does it cry wolf, how fast is it?

Scores every detector on the held-out part of the corpus in ``tests/data/safeguarding/``
(never used for tuning) and prints, side by side with the phrase book from before issue 9
(``benchmarks/data/safeguarding_phrases_before.yaml``, read by today's matcher):

- recall per category and overall, and the false-alarm rate on ordinary messages;
- false alarms on everyday care answers (the theme and sentiment sets' rows of the same
  part that the phrase book does not flag), which the model alone can raise;
- what each layer adds: the phrase book alone (without the spellings list, without the
  safe contexts, and whole), the model alone, and both (what carevoice runs);
- texts per second on one core, over the held-out texts, per second of wall time and per
  second of the process's CPU time (the fair figure on a shared, loaded machine).

Usage: ``python -m benchmarks.safeguarding [--part held_out|development] [--seconds S]``
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml

from surveys.data_files import builtin_text
from surveys.safeguarding import Detector, PhraseBook, RiskCategory, RiskHit
from surveys.safeguarding.evaluation import (
    NONE,
    Message,
    Score,
    care_answers,
    load_corpus,
    score,
)
from surveys.safeguarding.model import RiskModel
from surveys.safeguarding.normalising import Spellings

BEFORE = Path(__file__).resolve().parent / "data" / "safeguarding_phrases_before.yaml"
GOALS = {"recall": 0.99, "recall_critical": 1.0, "false_alarms": 0.05, "texts_per_second": 2000}
CRITICAL = ("suicide", "self_harm", "sexual_abuse")

Detect = Callable[[str], Sequence[RiskHit]]


def _book_without_safe_contexts() -> PhraseBook:
    text, source = builtin_text("safeguarding_phrases.yaml")
    data = yaml.safe_load(text)
    data.pop("safe", None)
    return PhraseBook.from_yaml(yaml.safe_dump(data), source=source)


def detectors() -> dict[str, Detect]:
    """Each configuration measured, in the order printed."""
    book, model = PhraseBook.default(), RiskModel.default()
    text, source = builtin_text("safeguarding_phrases.yaml")
    return {
        "before (main)": Detector(PhraseBook.from_path(BEFORE), None).detect,
        "book, no spellings": Detector(
            PhraseBook.from_yaml(text, source=source, spellings=Spellings({})), None
        ).detect,
        "book, no safe ctx": Detector(_book_without_safe_contexts(), None).detect,
        "phrase book": Detector(book, None).detect,
        "model": Detector(None, model).detect,
        "book + model": Detector(book, model).detect,
    }


def texts_per_second(
    detect: Detect,
    texts: Sequence[str],
    seconds: float,
    timer: Callable[[], float] = time.perf_counter,
) -> float:
    """The best of three runs of at least `seconds` / 3 each over `texts`, on this core.

    `timer` is wall time by default; `time.process_time` counts only the CPU time this
    process was given, which on a shared, loaded machine is the fairer figure for one core.
    """
    best = 0.0
    for _ in range(3):
        done, start = 0, timer()
        while True:
            for text in texts:
                detect(text)
            done += len(texts)
            elapsed = timer() - start
            if elapsed >= seconds / 3:
                break
        best = max(best, done / elapsed)
    return best


def _pct(value: float) -> str:
    return f"{100 * value:5.1f}"


def report(part: str, seconds: float) -> int:
    messages: list[Message] = load_corpus(part)
    runs = detectors()
    scores: dict[str, Score] = {name: score(detect, messages) for name, detect in runs.items()}
    names = list(runs)
    width = 22
    risk = sum(m.is_risk for m in messages)
    print(
        f"Safeguarding net on the {part} part: {risk} risk and "
        f"{len(messages) - risk} ordinary messages\n"
    )
    print("Recall by category, % of risk messages that raised an alert")
    print(f"{'category':{width}} {'n':>4} " + " ".join(f"{n:>18}" for n in names))
    for category in RiskCategory:
        n = scores[names[0]].by_category.get(category.value, [0])[0]
        if not n:
            continue
        cells = " ".join(f"{_pct(scores[x].category_recall(category.value)):>18}" for x in names)
        print(f"{category.value:{width}} {n:>4} {cells}")
    print(
        f"{'ALL RISK':{width}} {risk:>4} "
        + " ".join(f"{_pct(scores[x].recall):>18}" for x in names)
    )
    ordinary = len(messages) - risk
    print(
        f"{'FALSE ALARMS':{width}} {ordinary:>4} "
        + " ".join(f"{_pct(scores[x].false_alarm_rate):>18}" for x in names)
    )
    care = care_answers(part, runs["phrase book"])
    flagged = {
        name: sum(bool(runs[name](m.text)) for m in care) for name in ("model", "book + model")
    }
    print(
        f"\nEveryday care answers ({len(care)} {part} rows of tests/data/themes and "
        "tests/data/sentiment that the phrase book does not flag): the model raises an alert "
        f"on {flagged['book + model']} "
        f"({_pct(flagged['book + model'] / max(len(care), 1)).strip()}%)"
    )
    final = scores["book + model"]
    named = sum(v[2] for v in final.by_category.values()) / max(final.risk, 1)
    print(
        f"\nbook + model names the labelled category among its hits for {_pct(named)}% "
        "of risk messages"
    )

    texts = [m.text for m in messages]
    print(
        f"\nTexts per second on one core (the {len(texts)} texts, best of 3), "
        "per second of wall time and per second of this process's CPU time:"
    )
    speeds, cpu_speeds = {}, {}
    for name in ("before (main)", "phrase book", "model", "book + model"):
        speeds[name] = texts_per_second(runs[name], texts, seconds)
        cpu_speeds[name] = texts_per_second(runs[name], texts, seconds, time.process_time)
        print(f"  {name:{width}} {speeds[name]:10,.0f} {cpu_speeds[name]:10,.0f} (CPU)")

    critical = min(final.category_recall(c) for c in CRITICAL)
    checks = [
        ("recall overall >= 99%", final.recall >= GOALS["recall"], _pct(final.recall)),
        (
            "recall 100% for suicide, self-harm, sexual abuse",
            critical >= GOALS["recall_critical"],
            _pct(critical) + " (lowest)",
        ),
        (
            "false alarms < 5%",
            final.false_alarm_rate < GOALS["false_alarms"],
            _pct(final.false_alarm_rate),
        ),
        (
            ">= 2,000 texts/s (per CPU second)",
            cpu_speeds["book + model"] >= GOALS["texts_per_second"],
            f"{cpu_speeds['book + model']:,.0f} ({speeds['book + model']:,.0f} per wall second)",
        ),
    ]
    print("\nGoals (book + model):")
    for goal, met, figure in checks:
        print(f"  {'met   ' if met else 'MISSED'} {goal}: {figure}")
    print(f"\n(categories: {', '.join(c.value for c in RiskCategory)}; ordinary = {NONE})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--part",
        default="held_out",
        choices=("held_out", "development", "welsh", "welsh_held_out"),
        help="which part of the corpus to score (default: held_out; welsh: the Welsh "
        "messages the Welsh phrase book was written with; welsh_held_out: Welsh messages "
        "written blind and never used to write it; both awaiting review)",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=3.0,
        help="time spent measuring each detector's speed (default: 3)",
    )
    args = parser.parse_args(argv)
    return report(args.part, args.seconds)


if __name__ == "__main__":
    sys.exit(main())
