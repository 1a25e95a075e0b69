"""Word pieces with exact character offsets, and the overlapping windows the encoder sees.

Both the trainer and the ONNX runtime go through here, so training and inference cut text
the same way. Offsets are Python string indices into the original text (tokenizers reports
them on the un-normalised string), so CRLF, accents and emoji keep exact positions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer


def load_tokenizer(path: str | Path) -> Tokenizer:
    tok = Tokenizer.from_file(str(path))
    # The shipped tokenizer.json pads/truncates to 128; we window long texts ourselves.
    tok.no_truncation()
    tok.no_padding()
    return tok


@dataclass(frozen=True)
class Pieces:
    ids: np.ndarray        # int64 [n]
    offsets: np.ndarray    # int64 [n, 2], character start/end (exclusive) of each piece

    def __len__(self) -> int:
        return len(self.ids)


def pieces(tokenizer: Tokenizer, text: str) -> Pieces:
    enc = tokenizer.encode(text, add_special_tokens=False)
    ids = np.asarray(enc.ids, dtype=np.int64)
    offsets = np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2)
    # Pieces that cover no characters (rare normaliser artefacts) cannot carry a label.
    keep = offsets[:, 1] > offsets[:, 0]
    return Pieces(ids[keep], offsets[keep])


def piece_range(offsets: np.ndarray, start: int, end: int) -> tuple[int, int]:
    """Indices [lo, hi) of the pieces overlapping the characters [start, end) (at least one)."""
    lo = int(np.searchsorted(offsets[:, 1], start, side="right"))
    return lo, max(lo + 1, int(np.searchsorted(offsets[:, 0], end, side="left")))


def windows(n: int, size: int, stride: int) -> list[tuple[int, int]]:
    """Token ranges [a, b) of at most `size` pieces, starting every `stride` pieces,
    covering 0..n; the last window ends exactly at n."""
    if n <= size:
        return [(0, n)]
    out = []
    a = 0
    while True:
        b = min(a + size, n)
        out.append((a, b))
        if b == n:
            return out
        a += stride


def window_batch(ids: np.ndarray, ranges: list[tuple[int, int]], cls_id: int, sep_id: int,
                 pad_id: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """input_ids and attention_mask for a list of windows, each as [CLS] pieces [SEP]."""
    width = max(b - a for a, b in ranges) + 2
    input_ids = np.full((len(ranges), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(ranges), width), dtype=np.int64)
    for row, (a, b) in enumerate(ranges):
        k = b - a
        input_ids[row, 0] = cls_id
        input_ids[row, 1:k + 1] = ids[a:b]
        input_ids[row, k + 1] = sep_id
        mask[row, :k + 2] = 1
    return input_ids, mask


def merge_window_scores(n: int, ranges: list[tuple[int, int]], scores: list[np.ndarray]) -> np.ndarray:
    """Per-piece scores ([k] or [k, channels] per window) from overlapping windows, each piece weighted by its distance from its
    window's edges so that pieces with more context on both sides count more."""
    tail = scores[0].shape[1:] if scores else ()
    total = np.zeros((n, *tail), dtype=np.float64)
    weight = np.zeros(n, dtype=np.float64)
    for (a, b), s in zip(ranges, scores):
        k = b - a
        pos = np.arange(k)
        w = np.minimum(pos + 1, k - pos).astype(np.float64)
        total[a:b] += s[:k] * w.reshape(-1, *([1] * len(tail)))
        weight[a:b] += w
    return total / np.maximum(weight, 1e-9).reshape(-1, *([1] * len(tail)))


def pair_tokenizer(tokenizer: Tokenizer, max_len: int) -> Tokenizer:
    """A copy of `tokenizer` that truncates pairs longest-first to `max_len` and pads batches."""
    tok = Tokenizer.from_str(tokenizer.to_str())
    tok.enable_truncation(max_length=max_len, strategy="longest_first")
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    return tok


def pair_batch(pair_tok: Tokenizer, first: list[str], second: list[str]
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """input_ids, attention_mask, token_type_ids for `[CLS] first [SEP] second [SEP]` pairs."""
    encs = pair_tok.encode_batch(list(zip(first, second)))
    ids = np.asarray([e.ids for e in encs], dtype=np.int64)
    mask = np.asarray([e.attention_mask for e in encs], dtype=np.int64)
    types = np.asarray([e.type_ids for e in encs], dtype=np.int64)
    return ids, mask, types
