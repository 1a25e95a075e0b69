"""Fine-tuning loops for the tagger and the classifier (bf16 autocast where the CPU runs it fast)."""

from __future__ import annotations

import math
import random
import time
from typing import Callable

import numpy as np
import torch
from torch.nn import functional as F

from propscan.training.data import SpanExample
from propscan.training.nets import Classifier, Tagger
from propscan.tokens import pair_batch, pair_tokenizer

Log = Callable[[str], None]


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _schedule(optimizer, total: int, warmup: float = 0.1):
    warm = max(1, int(total * warmup))

    def factor(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        return max(0.0, (total - step) / max(1, total - warm))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def _autocast(enabled: bool):
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=enabled)


def _pad(rows: list[np.ndarray], value) -> np.ndarray:
    width = max(len(r) for r in rows)
    out = np.full((len(rows), width), value, dtype=rows[0].dtype)
    for i, r in enumerate(rows):
        out[i, :len(r)] = r
    return out


def _pad_rows(rows: list[np.ndarray], value: float = -1.0) -> np.ndarray:
    """Pad [len, k] matrices (labels, hidden states) to [batch, max_len, k] with `value`."""
    width = max(len(r) for r in rows)
    out = np.full((len(rows), width, rows[0].shape[1]), value, dtype=np.float32)
    for i, r in enumerate(rows):
        out[i, :len(r)] = r
    return out


def _fit(model, n_items: int, batch_loss, epochs: int, lr: float, batch: int, seed: int,
         max_steps: int | None, log: Log, name: str, log_every: int = 0):
    """AdamW with linear warm-up and decay over shuffled batches of `n_items` examples;
    `batch_loss(indices)` returns the loss of one batch."""
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    steps_per_epoch = math.ceil(n_items / batch)
    total = steps_per_epoch * epochs if max_steps is None else min(max_steps, steps_per_epoch * epochs)
    sched = _schedule(opt, total)
    rng = np.random.default_rng(seed)
    step = 0
    model.train()
    for epoch in range(epochs):
        order = rng.permutation(n_items)
        t0, running, done = time.time(), 0.0, 0
        for k in range(steps_per_epoch):
            if step >= total:
                break
            loss = batch_loss(order[k * batch:(k + 1) * batch])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step(); sched.step(); opt.zero_grad()
            running += loss.item(); step += 1; done += 1
            if log_every and step % log_every == 0:
                log(f"  {name} epoch {epoch + 1} step {step}/{total} loss {running / done:.4f}")
        log(f"{name} epoch {epoch + 1}/{epochs} done in {time.time() - t0:.0f}s, loss {running / max(1, done):.4f}")
    model.eval()
    return model


def technique_loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """[pieces, 1 + 2n] logits and labels: cross-entropy of the technique softmax on pieces
    inside gold spans (the target spread evenly over the techniques covering the piece), plus
    the begin outputs' binary cross-entropy."""
    n = (y.shape[-1] - 1) // 2
    tech = y[:, 1:1 + n]
    covered = tech.sum(-1)
    inside = covered > 0
    begin = F.binary_cross_entropy_with_logits(logits[:, 1 + n:], y[:, 1 + n:])
    if not bool(inside.any()):
        return begin
    target = tech[inside] / covered[inside].unsqueeze(-1)
    ce = -(target * F.log_softmax(logits[inside][:, 1:1 + n], dim=-1)).sum(-1).mean()
    return ce + begin


# Outputs of the frozen bottom layers, by (encoder, layers, window): the fold taggers and the
# final tagger of one `propscan train` read the same windows, so each is encoded once per run
# (fp32, about 0.4 MB a window: some 0.9 GB for the 2,384 windows of all 371 PTC articles).
# `train` frees them after the final tagger; callers of `fit_tagger` itself call clear_bottom_states.
_BOTTOM_STATES: dict[tuple, np.ndarray] = {}


def clear_bottom_states() -> None:
    _BOTTOM_STATES.clear()


def _bottom_states(model: Tagger, encoder: str, windows, layers: int, log: Log, batch: int = 16) -> list[np.ndarray]:
    """Each window's [pieces, hidden] output of the frozen layers (fp32, eval mode: no dropout)."""
    keys = [(encoder, layers, w[0].tobytes(), w[1].tobytes()) for w in windows]
    todo = sorted({k: i for i, k in enumerate(keys) if k not in _BOTTOM_STATES}.values())
    t0 = time.time()
    model.eval()
    for k in range(0, len(todo), batch):
        idx = todo[k:k + batch]
        x = torch.from_numpy(_pad([windows[i][0] for i in idx], 0))
        m = torch.from_numpy(_pad([windows[i][1] for i in idx], 0))
        h = model.bottom_states(x, m, layers).float().numpy()
        for row, i in enumerate(idx):
            _BOTTOM_STATES[keys[i]] = h[row, :len(windows[i][0])].copy()
    if todo:
        log(f"tagger: {len(todo)} windows through the {layers} frozen layers in {time.time() - t0:.0f}s")
    return [_BOTTOM_STATES[k] for k in keys]


def fit_tagger(encoder: str, windows, epochs: int, lr: float, batch: int, seed: int,
               bf16: bool = True, max_steps: int | None = None, log: Log = print,
               aux_weight: float = 1.0, attention_dropout: float | None = None,
               freeze_layers: int = 0) -> Tagger:
    """`freeze_layers` > 0 keeps the embeddings and that many bottom layers pretrained and
    trains the rest on their outputs, computed once per window."""
    seed_everything(seed)
    model = Tagger(encoder, attention_dropout)
    states = None
    if freeze_layers:
        model.freeze_bottom(freeze_layers)
        states = _bottom_states(model, encoder, windows, freeze_layers, log)

    def batch_loss(idx):
        m = torch.from_numpy(_pad([windows[i][1] for i in idx], 0))
        y = torch.from_numpy(_pad_rows([windows[i][2] for i in idx]))
        with _autocast(bf16):
            if states is None:
                logits = model.all_logits(torch.from_numpy(_pad([windows[i][0] for i in idx], 0)), m).float()
            else:
                h = torch.from_numpy(_pad_rows([states[i] for i in idx], 0.0))
                logits = model.top_logits(h, m, freeze_layers).float()
        valid = y[..., 0] >= 0
        return F.binary_cross_entropy_with_logits(logits[..., 0][valid], y[..., 0][valid]) + \
            aux_weight * technique_loss(logits[valid], y[valid])

    return _fit(model, len(windows), batch_loss, epochs, lr, batch, seed, max_steps, log, "tagger", 50)


def fit_classifier(encoder: str, tokenizer, examples: list[SpanExample], epochs: int, lr: float,
                   batch: int, pair_len: int, seed: int, bf16: bool = True,
                   max_steps: int | None = None, log: Log = print,
                   attention_dropout: float | None = None) -> Classifier:
    seed_everything(seed)
    model = Classifier(encoder, attention_dropout)
    examples = [e for e in examples if e.label >= 0]
    pairs = pair_tokenizer(tokenizer, pair_len)

    def batch_loss(idx):
        chunk = [examples[i] for i in idx]
        ids, mask, types = pair_batch(pairs, [e.span for e in chunk], [e.context for e in chunk])
        feats = torch.from_numpy(np.stack([e.features for e in chunk]))
        y = torch.tensor([e.label for e in chunk])
        with _autocast(bf16):
            logits = model.logits(torch.from_numpy(ids), torch.from_numpy(mask), torch.from_numpy(types), feats)
        return F.cross_entropy(logits.float(), y)

    return _fit(model, len(examples), batch_loss, epochs, lr, batch, seed, max_steps, log, "classifier")


@torch.no_grad()
def predict_classifier(model: Classifier, tokenizer, examples: list[SpanExample], pair_len: int,
                       batch: int = 64, bf16: bool = True) -> np.ndarray:
    out = []
    pairs = pair_tokenizer(tokenizer, pair_len)
    for k in range(0, len(examples), batch):
        chunk = examples[k:k + batch]
        ids, mask, types = pair_batch(pairs, [e.span for e in chunk], [e.context for e in chunk])
        feats = torch.from_numpy(np.stack([e.features for e in chunk]))
        with _autocast(bf16):
            logits = model.logits(torch.from_numpy(ids), torch.from_numpy(mask), torch.from_numpy(types), feats)
        out.append(torch.softmax(logits.float(), -1).numpy())
    return np.concatenate(out)
