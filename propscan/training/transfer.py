"""Carry the thresholds chosen on the fold taggers over to the shipped tagger.

Decoding thresholds are chosen on out-of-fold scores of fold taggers, each trained on two thirds
of the training articles; the shipped tagger is trained on all of them, for more steps, and is
more sure of itself on some techniques: on text neither saw it puts Exaggeration above the
chosen threshold about ten times as often as the fold taggers do, so it predicts several times
as many spans as the annotators mark. A threshold means what it meant out of fold only on the
fold taggers' scale.

So each technique's inside-channel gets one logit shift: the one under which the shipped tagger
puts as many pieces of unlabelled reference text above the technique's threshold as the fold
taggers put there. The reference text must be text none of the taggers was trained or tuned on
(the CheckThat! sentences, for instance); only how often scores pass a threshold is read from it,
never a label.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from propscan.errors import TrainingError
from propscan.runtime import logits, shift_channels

MIN_TAIL = 10            # pieces: where fewer pass the threshold, match this far into the tail instead
MIN_PIECES = 100 * MIN_TAIL   # of reference text: enough to read a pass rate of 1 in 1,000
DOC_SENTENCES = 25       # sentences of a TSV reference joined into one text (a tagger window or two)


def load_reference(path: Path, encoder: str | Path) -> list[str]:
    """The reference texts of `path` (read_reference), checked long enough with the encoder's
    tokenizer (check_reference): what train and retune need before any work is done."""
    from propscan.tokens import load_tokenizer

    texts = read_reference(path)
    check_reference(texts, load_tokenizer(Path(encoder) / "tokenizer.json"))
    return texts


def read_reference(path: Path) -> list[str]:
    """Texts of a reference corpus: a folder of .txt files, or a TSV with a `Text` column
    (consecutive rows joined, DOC_SENTENCES at a time)."""
    path = Path(path)
    if path.is_file() and path.suffix == ".txt":
        texts = [path.read_text(encoding="utf-8", errors="replace")]
    elif path.is_dir():
        texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(path.glob("*.txt"))]
    elif path.is_file():
        try:
            with path.open(encoding="utf-8", errors="strict", newline="") as f:
                rows = [r.get("Text") or "" for r in csv.DictReader(f, delimiter="\t")]
        except (UnicodeDecodeError, csv.Error) as e:
            raise TrainingError(f"{path}: unreadable reference TSV ({e}); give a UTF-8 TSV with a Text column "
                                "or a folder of .txt files") from None
        texts = [" ".join(rows[i:i + DOC_SENTENCES]) for i in range(0, len(rows), DOC_SENTENCES)]
    else:
        raise TrainingError(f"{path}: no such reference file or folder")
    texts = [t for t in texts if t.strip()]
    if not texts:
        raise TrainingError(f"{path}: no reference text (a folder of .txt files, or a TSV with a Text column)")
    return texts


def check_reference(texts: list[str], tokenizer) -> None:
    """Stop early when the reference text is too short to read pass rates from."""
    n = sum(len(e.ids) for e in tokenizer.encode_batch(texts, add_special_tokens=False))
    if n < MIN_PIECES:
        raise TrainingError(f"reference text of {n} word pieces is too short: give at least {MIN_PIECES} "
                            "(the CheckThat! train.tsv has about 500,000)")


def channel_scores(model_dir: Path, texts: Iterable[str], stride: int | None = None) -> np.ndarray:
    """[pieces, techniques] inside-technique probabilities of a model folder's tagger on `texts`,
    read with windows every `stride` pieces (default: the folder's own)."""
    from propscan.runtime import Model

    overrides = {"lexical_tagger_weight": 0.0, "channel_shift": None, **({"stride": stride} if stride else {})}
    with Model(model_dir, overrides=overrides) as model:
        n = len(model.config.labels)
        rows = [model.piece_scores(t)[1] for t in texts]
    rows = [r[:, 1:1 + n] for r in rows if len(r) and r.shape[1] > n]
    if not rows:
        raise TrainingError(f"{model_dir}: its tagger has no per-technique outputs to shift")
    return np.concatenate(rows).astype(np.float64)


def matching_shifts(fold_scores: np.ndarray, final_scores: np.ndarray, thresholds: list[float]) -> list[float]:
    """Per technique, the logit shift b such that sigmoid(logit(final) + b) passes the threshold
    as often as the fold taggers' scores (pooled) do; matched MIN_TAIL pieces into the tail where
    fewer than that pass it."""
    shifts = []
    for k, t in enumerate(thresholds):
        fold, final = fold_scores[:, k], final_scores[:, k]
        rate = min(1.0, max(float(np.mean(fold >= t)), MIN_TAIL / len(fold)))
        q = 1.0 - rate
        shifts.append(round(float(logits(np.quantile(fold, q)) - logits(np.quantile(final, q))), 4))
    return shifts


def transfer_thresholds(fold_dirs: list[Path], final_dir: Path, reference: list[str], thresholds: list[float],
                        log: Callable[[str], None] = print, stride: int | None = None) -> list[float]:
    """The shipped tagger's per-technique shifts (see the module docstring). All taggers read
    the reference with windows every `stride` pieces (default: each folder's own stride)."""
    from propscan.techniques import LABELS

    fold = np.concatenate([channel_scores(d, reference, stride) for d in fold_dirs])
    final = channel_scores(final_dir, reference, stride)
    # the same pieces once per fold model, so that equal score lists give equal quantiles exactly
    shifts = matching_shifts(fold, np.tile(final, (len(fold_dirs), 1)), thresholds)
    passes = lambda s, t: 1000 * float(np.mean(s >= t))
    log(f"threshold transfer on {len(reference)} reference texts ({len(final)} pieces): per 1,000 pieces above "
        "the threshold, fold taggers / shipped tagger before -> after its shift")
    after = shift_channels(np.hstack([np.zeros((len(final), 1)), final]), shifts)[:, 1:]
    for k, (t, b) in enumerate(zip(thresholds, shifts)):
        log(f"  {LABELS[k][:28]:28s} at {t:.2f}: {passes(fold[:, k], t):6.2f} / {passes(final[:, k], t):6.2f} -> "
            f"{passes(after[:, k], t):6.2f} (shift {b:+.2f})")
    return shifts
