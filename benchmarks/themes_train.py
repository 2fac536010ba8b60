"""Train the theme model on the development part of the labelled answers and write it out.

    python -m benchmarks.themes_train [--out surveys/data/themes_model.json.gz]
    python -m benchmarks.themes_train --validate [--batches BATCH ...] --taxonomy FILE
    python -m benchmarks.themes_train --choose
    python -m benchmarks.themes_train --sweep balanced:10 none:20

The model (`surveys.theme_model`) is a second opinion on what a theme's keywords find: for
each theme a logistic regression (class weights `CLASS_WEIGHT`, C `STRENGTH`) over the words
and word pairs of an answer (those in at least `WORD_MIN_DF` development answers) and its
words' character 3- to 5-grams, trained on every development answer
(``tests/data/themes/answers/``), never a held-out one.
scikit-learn is a development dependency only; carevoice scores the model in plain Python.
Reproducible: the same answers and the same scikit-learn give the same file (gzipped with
no timestamp).

``--validate`` shows what the `confirm_above` and `add_above` thresholds in
``surveys/data/topics.yaml`` do: the model is trained on the development answers outside
``--batches`` (blind sets, written without reading the keywords) and ``--train-without``,
and on those batches' development answers it prints, per threshold, the wrong labels the
model removes from what the keywords find and the right ones it loses, then the right and
wrong labels it adds to what they miss. Run it with the taxonomy as it stood before those
batches were tuned on, when their errors were still the natural ones of text the keywords
had not seen (``git show COMMIT:surveys/data/topics.yaml``; `VALIDATIONS` names the commit
for each pair of sets).

``--choose`` is how the thresholds were chosen: it runs every validation in `VALIDATIONS`
(each with its commit's keywords, its model trained without the sets validated after it),
pools them per theme and applies two rules. `confirm_above`: the threshold that removes the
most wrong labels net of right ones lost, if that is at least 2 (ties: the lower).
`add_above`: the lowest threshold whose additions were at least 2 right and at least 90%
right (the precision goal), or at least 80% right and 10 right where the theme's labels
with them (what its keywords find and `confirm_above` keeps, and the additions) stay at
least 90% right: the goal is the theme's precision, not the additions'. It prints the
chosen thresholds beside those in ``surveys/data/topics.yaml`` and exits 1 where they
differ. It needs the repository's history (git). The model written out is trained on every
development answer, the validation ones included: a sibling of the validated one, measured
on the held-out part by `benchmarks.themes_agreement`.

``--sweep`` compares model settings (class weights and C, as ``balanced:10`` or ``none:20``,
and optionally the word minimum, as ``balanced:10:1``) the same way, on the validations
alone: for each, the labels its chosen thresholds would have corrected over the pooled
validations (wrong ones removed net of right ones lost, plus right ones added net of wrong
ones). It is how `STRENGTH`, `CLASS_WEIGHT` and `WORD_MIN_DF` were chosen.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Literal, NamedTuple, TypedDict

try:
    import numpy as np
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
except ImportError:  # pragma: no cover - a development dependency
    sys.exit("Training needs scikit-learn, a development dependency: pip install -e '.[dev]'")

from benchmarks.themes_agreement import MIN_PRECISION, Labelled, load
from surveys.theme_model import char_grams, ngrams
from surveys.topics import Topic, load_topics, normalise, topics_of

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "surveys" / "data" / "themes_model.json.gz"
# Logistic regression's C and class weights: "balanced" from the first model (7fb9f71) until
# d88a906, C 4 until the character block (b5358db) and 10 until d88a906; none:20 until the
# thirteenth validation, where `--sweep` put balanced:10 first again (533 labels corrected,
# none:20 503, none:40 518, balanced:7 523, balanced:20 520); the README's themes section
# says how each was chosen.
STRENGTH = 10.0
CLASS_WEIGHT: Literal["balanced"] | None = "balanced"
CHAR_MIN_DF = 2  # a character n-gram in fewer development answers is left out
# the same for words and word pairs: 1 until the sixteenth validation, where `--sweep` gave
# balanced:10:2 635 labels corrected against 640 for balanced:10:1, and the file 967 KB -> 652 KB
WORD_MIN_DF = 2
# Weights are stored as whole thousandths (a tenth smaller gzipped than "0.012"); ten-thousandths
# made the file over 1 MiB at 4,850 answers, and thousandths move no probability by 0.001.
COEF_SCALE = 1000
VALIDATION = ("eleventh", "twelfth")  # the sets --validate checks unless told (--batches)
THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5)
ADD_THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)
ADDED_AT_LEAST = Fraction(4, 5)
ADDED_RIGHT_AT_LEAST = 10
"""Additions less than 90% right count only if at least `ADDED_AT_LEAST` of them are (four
right for each wrong one) and at least `ADDED_RIGHT_AT_LEAST` (so the rate is not one or two
answers), and the theme's labels with them stay at least 90% right."""


class Setting(NamedTuple):
    """How a model is trained: logistic regression's C and class weights, and how many
    development answers a word or word pair must be in to be a feature."""

    strength: float
    class_weight: Literal["balanced"] | None
    word_min_df: int = WORD_MIN_DF

    def __str__(self) -> str:
        shown = f"{self.class_weight or 'none'}:{self.strength:g}"
        return shown if self.word_min_df == WORD_MIN_DF else f"{shown}:{self.word_min_df}"


SHIPPED = Setting(STRENGTH, CLASS_WEIGHT)


def parse_setting(text: str) -> Setting:
    """A setting written as ``balanced:10`` or ``none:20`` (class weights, then C), with an
    optional word minimum after another colon (``balanced:10:2``)."""
    weights, _, rest = text.partition(":")
    strength, _, minimum = rest.partition(":")
    try:
        value = float(strength)
        least = int(minimum) if minimum else WORD_MIN_DF
    except ValueError:
        value, least = 0.0, 0
    if weights not in ("balanced", "none") or not value > 0 or least < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r}: write class weights and C as balanced:10 or none:20 (C above 0), "
            "and a word minimum as balanced:10:2 (at least 1)")
    return Setting(value, "balanced" if weights == "balanced" else None, least)


class Weights(TypedDict):
    """One theme's logistic regression."""

    intercept: float
    coef: list[int]  # in 1 / `ModelData.coef_scale`


class ModelData(TypedDict):
    """What `surveys.theme_model.ThemeModel` reads."""

    about: str
    vocabulary: list[str]
    idf: list[float]
    char_vocabulary: list[str]
    char_idf: list[float]
    coef_scale: int
    themes: dict[str, Weights]


def fit(answers: Sequence[Labelled], themes: Sequence[str],
        setting: Setting = SHIPPED) -> ModelData:
    """The model's JSON data, trained on `answers` for `themes`."""
    texts = [normalise(a.text) for a in answers]
    vectoriser = TfidfVectorizer(analyzer=ngrams, sublinear_tf=True, min_df=setting.word_min_df)
    characters = TfidfVectorizer(analyzer=char_grams, sublinear_tf=True, min_df=CHAR_MIN_DF)
    matrix = hstack([vectoriser.fit_transform(texts), characters.fit_transform(texts)]).tocsr()
    models: dict[str, Weights] = {}
    for theme in themes:
        labels = np.array([theme in a.themes for a in answers])
        model = LogisticRegression(C=setting.strength, max_iter=5000,
                                   class_weight=setting.class_weight)
        model.fit(matrix, labels)
        models[theme] = {
            "intercept": round(float(model.intercept_[0]), 6),
            "coef": [round(float(x) * COEF_SCALE) for x in model.coef_[0]],
        }
    return {
        "about": "carevoice theme model: python -m benchmarks.themes_train",
        "vocabulary": [str(gram) for gram in vectoriser.get_feature_names_out()],
        "idf": [round(float(x), 6) for x in vectoriser.idf_],
        "char_vocabulary": [str(gram) for gram in characters.get_feature_names_out()],
        "char_idf": [round(float(x), 6) for x in characters.idf_],
        "coef_scale": COEF_SCALE,
        "themes": models,
    }


@dataclass(frozen=True, slots=True)
class Validation:
    """One theme on one validation: the model's chance and whether the label is right, for
    each answer its keywords find (`confirm`) and each they miss that does not rule the theme
    out (`add`; see `Topic.ruled_out`)."""

    theme: str
    confirm: tuple[tuple[float, bool], ...]
    add: tuple[tuple[float, bool], ...]

    def removed(self, threshold: float) -> tuple[int, int]:
        """(wrong labels removed, right ones lost) by `confirm_above: threshold`."""
        under = [ok for p, ok in self.confirm if p < threshold]
        return under.count(False), under.count(True)

    def added(self, threshold: float) -> tuple[int, int]:
        """(right labels added, wrong ones added) by `add_above: threshold`."""
        over = [ok for p, ok in self.add if p >= threshold]
        return over.count(True), over.count(False)


# Each validation: the blind sets whose development answers it checks, and the commit whose
# topics.yaml was the taxonomy before they were tuned on. Its model is trained without them
# and without every set validated after them (written later), so each table reproduces.
VALIDATIONS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("eleventh", "twelfth"), "f24d49b"),
    (("thirteenth", "fourteenth"), "32c53d5"),
    (("fifteenth", "sixteenth"), "c4cc1bb"),
    (("seventeenth", "eighteenth"), "2f34cdb"),
    (("nineteenth", "twentieth"), "17f4ac0"),
    (("twenty_first", "twenty_second"), "f505b06"),
    (("twenty_fourth", "twenty_fifth"), "be90f0a"),
    (("twenty_sixth", "twenty_seventh"), "9667031"),
    (("twenty_ninth", "thirtieth"), "06a1b4d"),
    (("thirty_first", "thirty_second"), "033a8e4"),
    (("thirty_third", "thirty_fourth"), "68b1fe4"),
    (("thirty_fifth", "thirty_sixth"), "faac84e"),
    (("thirty_seventh", "thirty_eighth"), "18d31d8"),
    (("thirty_ninth", "fortieth"), "dfb68ba"),
    (("forty_first", "forty_second"), "fd5f6ed"),
    (("forty_third", "forty_fourth"), "ffc3fe6"),
    (("forty_fifth", "forty_sixth"), "d04abfa"),
    (("forty_seventh", "forty_eighth"), "a598b97"),
    (("forty_ninth", "fiftieth"), "3077979"),
    (("fifty_first", "fifty_second"), "aa3b131"),
    (("fifty_third", "fifty_fourth"), "392ff20"),
    (("fifty_fifth", "fifty_sixth"), "cd5de86"),
    (("fifty_seventh", "fifty_eighth"), "3ac4f93"),
)


class ValidationRun(NamedTuple):
    """One validation: how many answers its model was trained and checked on, and each
    theme's `Validation`."""

    trained: int
    checked: int
    rows: list[Validation]


def validate(answers: Sequence[Labelled], topics: Sequence[Topic], batches: Sequence[str],
             train_without: Sequence[str] = (), setting: Setting = SHIPPED) -> ValidationRun:
    """Each theme's `Validation` on the development answers of `batches`, with a model
    trained on the other development answers (and none of `train_without`) standing in for
    the shipped one."""
    from surveys.theme_model import ThemeModel

    keys = [t.key for t in topics]
    train = [a for a in answers if a.batch not in batches and a.batch not in train_without]
    check = [a for a in answers if a.batch in batches]
    if not check:
        sys.exit(f"no development answers in the batches {', '.join(batches)}")
    model = ThemeModel(fit(train, keys, setting))
    keywords_only = [replace(t, confirm_above=None, add_above=None) for t in topics]
    found = {a.text: set(topics_of(a.text, keywords_only)) for a in check}
    words = {a.text: normalise(a.text) for a in check}
    chance = {a.text: model.scorer(words[a.text]) for a in check}
    rows = [
        Validation(
            topic.key,
            tuple((chance[a.text](topic.key), topic.key in a.themes)
                  for a in check if topic.key in found[a.text]),
            tuple((chance[a.text](topic.key), topic.key in a.themes) for a in check
                  if topic.key not in found[a.text]
                  and not topic.ruled_out(f" {words[a.text]} ")),
        )
        for topic in topics
    ]
    return ValidationRun(len(train), len(check), rows)


def print_validation(rows: Sequence[Validation]) -> None:
    """The two tables `--validate` prints."""
    print("\nconfirm_above: of what the keywords find, wrong labels removed / right ones lost")
    print(f"{'theme':32} {'right':>5} {'wrong':>5}  " + "  ".join(f"{t:>9}" for t in THRESHOLDS))
    for row in rows:
        right = sum(ok for _, ok in row.confirm)
        cells = "  ".join("{:>4} / {:<2}".format(*row.removed(t)) for t in THRESHOLDS)
        print(f"{row.theme:32} {right:5} {len(row.confirm) - right:5}  {cells}")
    print("\nadd_above: of what the keywords miss (not ruled out), right labels "
          "added / wrong ones added")
    print(f"{'theme':32} {'missed':>6}  " + "  ".join(f"{t:>9}" for t in ADD_THRESHOLDS))
    for row in rows:
        cells = "  ".join("{:>4} / {:<2}".format(*row.added(t)) for t in ADD_THRESHOLDS)
        print(f"{row.theme:32} {sum(ok for _, ok in row.add):6}  {cells}")


def removed_net(rows: Sequence[Validation], threshold: float) -> int:
    """Wrong labels removed net of right ones lost by `confirm_above: threshold` over `rows`
    (one theme's validations pooled)."""
    return sum(wrong - right for wrong, right in (r.removed(threshold) for r in rows))


def added_in_all(rows: Sequence[Validation], threshold: float) -> tuple[int, int]:
    """(right labels added, wrong ones added) by `add_above: threshold` over `rows`."""
    added = [r.added(threshold) for r in rows]
    return sum(a[0] for a in added), sum(a[1] for a in added)


def choose_confirm(rows: Sequence[Validation]) -> float | None:
    """The threshold removing the most wrong labels net of right ones lost over `rows` (one
    theme's validations pooled), if that is at least 2; ties go to the lower."""
    best, best_net = None, 1
    for threshold in THRESHOLDS:
        if (net := removed_net(rows, threshold)) > best_net:
            best, best_net = threshold, net
    return best


def choose_add(rows: Sequence[Validation]) -> float | None:
    """The lowest threshold whose additions over `rows` were at least 2 right and either at
    least `MIN_PRECISION` right, or at least `ADDED_AT_LEAST` right (and
    `ADDED_RIGHT_AT_LEAST` of them) with the theme's labels as a whole (what the keywords
    find and `choose_confirm`'s threshold keeps, and the additions) still at least
    `MIN_PRECISION` right: the goal is the theme's precision, so a theme whose keywords are
    nearly always right can take additions a little under 90% for the recall they bring.
    Compared exactly, as fractions."""
    goal = Fraction(str(MIN_PRECISION))
    confirm = choose_confirm(rows)
    kept = [ok for row in rows for p, ok in row.confirm if confirm is None or p >= confirm]
    kept_right = sum(kept)
    for threshold in ADD_THRESHOLDS:
        right, wrong = added_in_all(rows, threshold)
        if right < 2:
            continue
        added = Fraction(right, right + wrong)
        theme = Fraction(kept_right + right, len(kept) + right + wrong)
        enough = right >= ADDED_RIGHT_AT_LEAST and added >= ADDED_AT_LEAST
        if added >= goal or (enough and theme >= goal):
            return threshold
    return None


def taxonomy_at(commit: str) -> tuple[Topic, ...]:
    """`surveys/data/topics.yaml` as it stood at `commit` (read with git)."""
    root = Path(__file__).resolve().parents[1]
    try:
        shown = subprocess.run(
            ["git", "show", f"{commit}:surveys/data/topics.yaml"], cwd=root,
            capture_output=True, text=True, check=False,
        )
    except OSError as error:
        sys.exit(f"--choose reads old taxonomies with git, which could not run: {error}")
    if shown.returncode != 0:
        sys.exit(f"git could not show topics.yaml at {commit}: {shown.stderr.strip()}"
                 " (--choose needs the repository's history: a full clone)")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "topics.yaml"
        path.write_text(shown.stdout, encoding="utf-8")
        return load_topics(path)


def pooled_validations(answers: Sequence[Labelled],
                       setting: Setting = SHIPPED) -> dict[str, list[Validation]]:
    """Every validation in `VALIDATIONS` (its commit's keywords, a model trained with
    `setting` without its sets and later ones), each theme's rows pooled."""
    pooled: dict[str, list[Validation]] = {}
    for number, (batches, commit) in enumerate(VALIDATIONS):
        later = [b for following, _ in VALIDATIONS[number + 1:] for b in following]
        run = validate(answers, taxonomy_at(commit), batches, later, setting)
        print(f"{' '.join(batches)} with the keywords at {commit}: trained on {run.trained}, "
              f"checked on {run.checked}", file=sys.stderr)
        for row in run.rows:
            pooled.setdefault(row.theme, []).append(row)
    return pooled


def gain(rows: Sequence[Validation]) -> tuple[int, int, int]:
    """What one theme's chosen thresholds do over its pooled `rows`: wrong labels removed net
    of right ones lost, then right and wrong labels added."""
    confirm, add = choose_confirm(rows), choose_add(rows)
    net = removed_net(rows, confirm) if confirm is not None else 0
    right, wrong = added_in_all(rows, add) if add is not None else (0, 0)
    return net, right, wrong


def sweep(answers: Sequence[Labelled], settings: Sequence[Setting]) -> int:
    """For each setting, the labels its chosen thresholds would have corrected over the
    pooled validations (see `gain`), summed over the themes."""
    print(f"{'setting':14} {'removed net':>11} {'added right':>11} {'added wrong':>11} "
          f"{'gain':>5}")
    for setting in settings:
        totals = [gain(rows) for rows in pooled_validations(answers, setting).values()]
        net, right, wrong = (sum(column) for column in zip(*totals, strict=True))
        print(f"{setting!s:14} {net:11} {right:11} {wrong:11} {net + right - wrong:5}",
              flush=True)
    return 0


def choose(answers: Sequence[Labelled]) -> int:
    """Run every validation in `VALIDATIONS`, pool them per theme, and print the thresholds
    the two rules give beside those in `surveys/data/topics.yaml`; 1 if any differ (or a
    theme with a threshold was in no validation)."""
    pooled = pooled_validations(answers)
    differ = []
    print(f"{'theme':32} {'confirm_above':>14} {'add_above':>14}   (chosen; in topics.yaml)")
    for topic in load_topics():
        now = (topic.confirm_above, topic.add_above)
        if topic.key not in pooled:
            print(f"{topic.key:32} in no validation; in topics.yaml {now[0]}, {now[1]}")
            if now != (None, None):
                differ.append(topic.key)
            continue
        chosen = (choose_confirm(pooled[topic.key]), choose_add(pooled[topic.key]))
        if chosen != now:
            differ.append(topic.key)
        print(f"{topic.key:32} {chosen[0]!s:>6}; {now[0]!s:<6} {chosen[1]!s:>6}; "
              f"{now[1]!s:<6}{'  differs' if chosen != now else ''}")
    return 1 if differ else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the model")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--validate", action="store_true",
                      help="show what each threshold removes and adds on the validation answers")
    parser.add_argument("--taxonomy", type=Path, help="keywords to validate with (a topics.yaml)")
    parser.add_argument("--batches", nargs="+", default=list(VALIDATION), metavar="BATCH",
                        help="the sets whose development answers validate (default: "
                        f"{' '.join(VALIDATION)})")
    parser.add_argument("--train-without", nargs="+", default=[], metavar="BATCH",
                        help="sets the validation model is not trained on either (sets written "
                        "after the validated ones)")
    mode.add_argument("--choose", action="store_true",
                      help="run every validation, pool them and print the thresholds the rules "
                      "give beside topics.yaml's (exit 1 if they differ; ignores --taxonomy, "
                      "--batches and --train-without)")
    mode.add_argument("--sweep", nargs="+", type=parse_setting, metavar="WEIGHTS:C[:MIN]",
                      help="compare model settings (balanced:10, none:20, balanced:10:1 for "
                      "words seen once too) on the validations: "
                      "the labels each setting's chosen thresholds would have corrected")
    args = parser.parse_args(argv)
    development = [a for a in load() if a.split == "development"]
    if args.sweep:
        return sweep(development, args.sweep)
    if args.choose:
        return choose(development)
    if args.validate:
        run = validate(development, load_topics(args.taxonomy), args.batches, args.train_without)
        print(f"trained on {run.trained} development answers; checked on {run.checked} "
              f"(the development answers of: {', '.join(args.batches)})")
        print_validation(run.rows)
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
