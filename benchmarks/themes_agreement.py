"""How well does the theme taxonomy agree with hand-labelled answers?

Reads the labelled answers in ``tests/data/themes/answers/``, one CSV a set written at one
time (``NN_BATCH.csv``, read in order; columns ``split``, ``themes``, ``text``; themes are
space-separated keys, empty for an answer with no theme) and prints, for the
development and the held-out part, each theme's precision and recall with the answers it
should have found (n), found rightly (tp) and found wrongly (fp), and the same for "no
theme". The taxonomy (``surveys/data/topics.yaml``) was tuned on the development part only;
`tests/surveys/test_themes_agreement.py` holds the held-out part to the thresholds.

Then the held-out part again as a second labeller read it: ``held_out_second_labeller.csv``
beside the answers holds every held-out answer the two labellers labelled differently (the
first labeller's themes, the second's, and the themes an adjudicator chose under the
labelling conventions, blind to the taxonomy's output); the table gives Cohen's kappa per
theme and each theme's precision and recall against each reading.

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

THEMES_DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "themes"
ANSWERS = THEMES_DATA / "answers"
SECOND_LABELLER = THEMES_DATA / "held_out_second_labeller.csv"
READINGS = ("first_labeller", "second_labeller", "adjudicated")
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


def answer_files(folder: Path = ANSWERS) -> list[Path]:
    """The sets' files in the order they were written (``NN_BATCH.csv``)."""
    files = sorted(folder.glob("*.csv"))
    if not files:
        raise ValueError(f"{folder}: no labelled answers (NN_BATCH.csv files)")
    return files


def batch_of(path: Path) -> str:
    """The set a file holds: its name after the number (``07_seventh.csv`` -> seventh)."""
    number, _, batch = path.stem.partition("_")
    if not (number.isdigit() and batch):
        raise ValueError(f"{path}: name it NN_BATCH.csv (a number, then the set's name)")
    return batch


def load(path: Path = ANSWERS, topics: Sequence[Topic] | None = None) -> list[Labelled]:
    """The labelled answers of every set in the folder `path` (or of one set's file);
    every theme named must be one of the taxonomy's."""
    known = {t.key for t in (load_topics() if topics is None else topics)}
    out = []
    for file in answer_files(path) if path.is_dir() else [path]:
        batch = batch_of(file)
        with file.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        for number, row in enumerate(rows, start=2):
            themes = frozenset((row.get("themes") or "").split())
            text = row.get("text") or ""
            if row.get("split") not in PARTS or not themes <= known or not text.strip():
                raise ValueError(f"{file}:{number}: bad split, unknown theme or empty text")
            out.append(Labelled(row["split"], themes, text, batch))
    return out


def readings(
    held_out: Sequence[Labelled], path: Path = SECOND_LABELLER
) -> dict[str, list[Labelled]]:
    """The held-out part under each labeller's reading (`READINGS`); answers not in the
    second labeller's file were labelled alike by both."""
    with path.open(encoding="utf-8", newline="") as handle:
        differ = {row["text"]: row for row in csv.DictReader(handle)}
    by_text = {a.text: a for a in held_out}
    for text, row in differ.items():
        if text not in by_text or frozenset(row["first_labeller"].split()) != by_text[text].themes:
            raise ValueError(f"{path}: {text!r} is not a held-out answer as labelled")
    return {
        reading: [
            Labelled(a.split, frozenset(differ[a.text][reading].split()), a.text, a.batch)
            if a.text in differ else a
            for a in held_out
        ]
        for reading in READINGS
    }


def kappa(first: Sequence[bool], second: Sequence[bool]) -> float:
    """Cohen's kappa for two labellers' yes/no on the same answers (1.0 when both agree
    throughout, whatever the chance agreement)."""
    n = len(first)
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    p1, p2 = sum(first) / n, sum(second) / n
    chance = p1 * p2 + (1 - p1) * (1 - p2)
    return 1.0 if chance == 1 else (observed - chance) / (1 - chance)


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
    if SECOND_LABELLER.exists():
        print_readings(parts["held_out"], topics, labels)
    if args.errors:
        print("\nDevelopment misses (labelled -> found):")
        for a in parts["development"]:
            found = frozenset(topics_of(a.text, topics))
            if found != a.themes:
                print(f"  {' '.join(sorted(a.themes)) or '-'} -> "
                      f"{' '.join(sorted(found)) or '-'}: {a.text}")
    return 0


def print_readings(
    held_out: Sequence[Labelled], topics: Sequence[Topic], labels: dict[str, str]
) -> None:
    """The held-out table under the first labeller's, the second's and the adjudicated
    labels, with the two labellers' kappa per theme."""
    read = readings(held_out)
    tables = {r: agreement(rows, topics) for r, rows in read.items()}
    same = sum(a.themes == b.themes for a, b in zip(*(read[r] for r in READINGS[:2]), strict=True))
    print(f"\nHeld-out as two labellers read it: the same themes on {same} of {len(held_out)}"
          " answers; precision / recall against each reading (* below a threshold):")
    print(f"{'theme':<32}{'kappa':>7}" + "".join(f" | {r.replace('_', ' '):^17}" for r in READINGS))
    for i, row in enumerate(tables["first_labeller"]):
        key = row.theme
        marks = [[key in a.themes if key != NO_THEME else not a.themes for a in read[r]]
                 for r in READINGS[:2]]
        cells = ""
        for r in READINGS:
            got = tables[r][i]
            cells += f" | {got.precision:7.1%} {got.recall:7.1%}{'' if got.passes else '*':<1}"
        print(f"{labels.get(key, key)[:31]:<32}{kappa(*marks):7.2f}{cells}")


if __name__ == "__main__":
    raise SystemExit(main())
