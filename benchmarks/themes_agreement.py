"""How well does the theme taxonomy agree with hand-labelled answers?

Reads ``tests/data/themes/answers.csv`` (columns ``split``, ``themes``, ``text``,
``batch``; themes are space-separated keys, empty for an answer with no theme) and prints, for the
development and the held-out part, each theme's precision and recall with the answers it
should have found (n), found rightly (tp) and found wrongly (fp), and the same for "no
theme". The taxonomy (``surveys/data/topics.yaml``) was tuned on the development part only;
`tests/surveys/test_themes_agreement.py` holds the held-out part to the thresholds.

Usage: ``python -m benchmarks.themes_agreement [--errors] [--taxonomy FILE]``
(``--errors`` lists the development part's misses, never the held-out part's).
"""

from __future__ import annotations

import argparse
import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from surveys.topics import Topic, load_topics, topics_of

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "themes" / "answers.csv"
PARTS = ("development", "held_out")
NO_THEME = "(no theme)"
MIN_PRECISION = 0.90
MIN_RECALL = 0.85


@dataclass(frozen=True, slots=True)
class Labelled:
    """One hand-labelled answer."""

    split: str
    themes: frozenset[str]
    text: str
    batch: str = "first"  # "fresh": written after the keywords were tuned, without them


@dataclass(frozen=True, slots=True)
class Agreement:
    """One theme on one part: answers labelled with it (n), found rightly and wrongly."""

    theme: str
    n: int
    tp: int
    fp: int

    @property
    def precision(self) -> float:
        found = self.tp + self.fp
        return self.tp / found if found else 1.0

    @property
    def recall(self) -> float:
        return self.tp / self.n if self.n else 1.0

    @property
    def passes(self) -> bool:
        return self.precision >= MIN_PRECISION and self.recall >= MIN_RECALL


def load(path: Path = DATA, topics: Sequence[Topic] | None = None) -> list[Labelled]:
    """The labelled answers; every theme named must be one of the taxonomy's."""
    known = {t.key for t in (load_topics() if topics is None else topics)}
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    out = []
    for number, row in enumerate(rows, start=2):
        themes = frozenset(row["themes"].split())
        if row["split"] not in PARTS or not themes <= known or not row["text"].strip():
            raise ValueError(f"{path}:{number}: bad split, unknown theme or empty text")
        out.append(Labelled(row["split"], themes, row["text"], row.get("batch") or "first"))
    return out


def agreement(
    answers: Sequence[Labelled], topics: Sequence[Topic] | None = None
) -> list[Agreement]:
    """Each theme's agreement on `answers`, in taxonomy order, then "no theme"."""
    topics = load_topics() if topics is None else topics
    found = [frozenset(topics_of(a.text, topics)) for a in answers]
    rows = []
    for key in [t.key for t in topics] + [NO_THEME]:

        def has(themes: frozenset[str], key: str = key) -> bool:
            return not themes if key == NO_THEME else key in themes

        rows.append(
            Agreement(
                key,
                sum(has(a.themes) for a in answers),
                sum(has(a.themes) and has(f) for a, f in zip(answers, found, strict=True)),
                sum(has(f) and not has(a.themes) for a, f in zip(answers, found, strict=True)),
            )
        )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Print the per-theme table for both parts."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--errors", action="store_true", help="list development misses")
    parser.add_argument("--taxonomy", type=Path, help="a taxonomy YAML (default: built in)")
    args = parser.parse_args(argv)
    topics = load_topics(args.taxonomy)
    answers = load(topics=topics)
    parts = {p: [a for a in answers if a.split == p] for p in PARTS}
    tables = {p: agreement(rows, topics) for p, rows in parts.items()}
    sizes = ", ".join(f"{p} {len(rows)}" for p, rows in parts.items())
    print(f"{len(answers)} hand-labelled answers ({sizes}); thresholds: precision >= "
          f"{MIN_PRECISION:.0%}, recall >= {MIN_RECALL:.0%} per theme (held-out).\n")
    print(f"{'theme':<32}" + "".join(f"| {p:^30}" for p in PARTS))
    print(f"{'':<32}" + f"| {'n':>4}{'tp':>4}{'fp':>4}{'prec':>9}{'recall':>8} " * 2)
    labels = {t.key: t.label for t in topics}
    for i, row in enumerate(tables["development"]):
        cells = ""
        for p in PARTS:
            r = tables[p][i]
            mark = "" if p == "development" or r.passes else " *"
            cells += f"| {r.n:>4}{r.tp:>4}{r.fp:>4}{r.precision:9.1%}{r.recall:8.1%}{mark:<2}"
        print(f"{labels.get(row.theme, row.theme)[:31]:<32}{cells}")
    misses = [r.theme for r in tables["held_out"] if not r.passes]
    print(f"\nHeld-out themes below a threshold (*): {', '.join(misses) or 'none'}.")
    if args.errors:
        print("\nDevelopment misses (labelled -> found):")
        for a in parts["development"]:
            found = frozenset(topics_of(a.text, topics))
            if found != a.themes:
                print(f"  {' '.join(sorted(a.themes)) or '-'} -> "
                      f"{' '.join(sorted(found)) or '-'}: {a.text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
