"""Does redaction let anything identifying through, and what ordinary words does it take?

Reads the adversarial quotes in `tests/data/redaction/leaks.yaml` (each with what must not
reach a board) and the ordinary ones in `ordinary.yaml`, runs them through
`safe_quote` as the board's quotes do (with the people table's refs and first names and
the council's ref patterns), and prints:

- leaks: quotes shown with a secret still in them (compared without case, spaces or
  punctuation), the goal is 0; dropped: quotes refused as not safe;
- over-redaction: ordinary quotes changed or dropped, and ordinary words lost;
- the time per quote.

With `--baseline REV` (default `2dbd256`, before this work) the same is measured for
`redact` as it was at that git revision, side by side.

With `--file PATH` (repeatable) it scores sittings written blind instead (each file holds
its own `people`, `ref_patterns`, `quotes` and `ordinary`; `tests/data/redaction/sittings/`),
each on its own.

Usage: `.venv/bin/python -m benchmarks.redaction_leaks [--baseline REV] [--show] [--file PATH]`
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA = REPO_ROOT / "tests" / "data" / "redaction"
BASELINE = "2dbd256"

Redactor = Callable[..., str | None]


@dataclass
class Score:
    """What one redactor did to the corpus."""

    quotes: int = 0
    leaks: list[tuple[str, str | None, list[str]]] = field(default_factory=list)
    dropped: int = 0
    ordinary: int = 0
    changed: list[tuple[str, str | None]] = field(default_factory=list)
    words: int = 0
    words_lost: int = 0
    seconds: float = 0.0

    @property
    def per_quote_us(self) -> float:
        return self.seconds / max(1, self.quotes + self.ordinary) * 1e6


def squash(text: str) -> str:
    """Letters and digits only, lower case (after NFKC): how secrets are looked for."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text)).casefold()


def load(path: Path | None = None) -> tuple[dict[str, Any], list[str]]:
    """The corpus (people table, ref patterns, quotes with secrets) and the ordinary quotes:
    the development set by default, or one sitting's file holding both."""
    if path is not None:
        sitting = yaml.safe_load(path.read_text(encoding="utf-8"))
        return sitting, [str(o) for o in sitting.get("ordinary") or []]
    leaks = yaml.safe_load((DATA / "leaks.yaml").read_text(encoding="utf-8"))
    ordinary = yaml.safe_load((DATA / "ordinary.yaml").read_text(encoding="utf-8"))
    return leaks, [str(o) for o in ordinary]


def call(redactor: Redactor, text: str, corpus: dict[str, Any]) -> str | None:
    """`redactor` on `text` with whatever of the people table and patterns it accepts."""
    accepted = inspect.signature(redactor).parameters
    kwargs: dict[str, Any] = {}
    if "known_names" in accepted:
        kwargs["known_names"] = corpus["people"]["first_names"]
    if "known_refs" in accepted:
        kwargs["known_refs"] = [str(r) for r in corpus["people"]["refs"]]
    if "ref_patterns" in accepted:
        kwargs["ref_patterns"] = corpus["ref_patterns"]
    return redactor(text, **kwargs)


def score(redactor: Redactor, path: Path | None = None) -> Score:
    """What `redactor` does to the development set, or to one sitting's file."""
    corpus, ordinary = load(path)
    result = Score()
    started = time.perf_counter()
    for item in corpus["quotes"]:
        text, secrets = str(item["text"]), [str(s) for s in item["secrets"]]
        result.quotes += 1
        out = call(redactor, text, corpus)
        if out is None:
            result.dropped += 1
            continue
        found = [s for s in secrets if squash(s) in squash(out)]
        if found:
            result.leaks.append((text, out, found))
    for text in ordinary:
        result.ordinary += 1
        out = call(redactor, text, corpus)
        words = text.split()
        result.words += len(words)
        if out != text:
            result.changed.append((text, out))
            kept = set((out or "").split())
            result.words_lost += sum(w not in kept for w in words)
    result.seconds = time.perf_counter() - started
    return result


def baseline_redactor(revision: str) -> Redactor:
    """`safe_quote` (or, before there was one, `redact`) as it was at `revision`, its own
    module loaded from git."""
    source = subprocess.run(
        ["git", "show", f"{revision}:surveys/insights/redaction.py"],
        cwd=REPO_ROOT, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    folder = Path(tempfile.mkdtemp(prefix="redaction-baseline-"))
    path = folder / "baseline_redaction.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("baseline_redaction", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    redact: Redactor = getattr(module, "safe_quote", module.redact)  # as the board uses it
    return redact


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default=BASELINE, help="git revision to compare with")
    parser.add_argument("--show", action="store_true", help="print each leak and change")
    parser.add_argument(
        "--file", type=Path, action="append", default=[],
        help="a sitting's YAML (people, ref_patterns, quotes, ordinary) instead of the set",
    )  # fmt: skip
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO_ROOT))
    from surveys.insights.redaction import safe_quote

    try:
        baseline: Redactor | None = baseline_redactor(args.baseline)
    except (subprocess.CalledProcessError, OSError) as error:
        print(f"(no baseline: {error})")
        baseline = None
    for path in args.file or [None]:
        if path is not None:
            print(f"\n{path}")
        now = score(safe_quote, path)
        before = score(baseline, path) if baseline is not None else None
        report(now, before, args.baseline, show=args.show)
    return 0


def report(now: Score, before: Score | None, revision: str, *, show: bool) -> None:
    """The figures side by side, and with `show` each leak and change."""
    rows = [
        ("adversarial quotes", lambda s: s.quotes),
        ("  shown with a secret (leaks, goal 0)", lambda s: len(s.leaks)),
        ("  dropped as not safe", lambda s: s.dropped),
        ("ordinary quotes", lambda s: s.ordinary),
        ("  changed or dropped", lambda s: len(s.changed)),
        ("  words lost, of", lambda s: f"{s.words_lost} of {s.words}"),
        ("time per quote (µs)", lambda s: f"{s.per_quote_us:.0f}"),
    ]
    head = f"{'':40} {'before (' + revision + ')':>18} {'now':>12}"
    print(head)
    for label, get in rows:
        print(f"{label:40} {str(get(before)) if before else '-':>18} {get(now)!s:>12}")
    if show:
        for text, out, found in now.leaks:
            print(f"LEAK {found}: {text!r} -> {out!r}")
        for text, changed in now.changed:
            print(f"CHANGED: {text!r} -> {changed!r}")


if __name__ == "__main__":
    raise SystemExit(main())
