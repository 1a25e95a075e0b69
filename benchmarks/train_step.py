"""Seconds per training step of the packaged encoder on this CPU (not a test): 16 windows of 256
pieces, 2 threads, AdamW, as `propscan train` steps the tagger, in fp32 and bf16 autocast, with
the encoder's attention dropout and without it (`propscan train --attention-dropout 0`).

    python benchmarks/train_step.py            # 4 steps each, the first one not counted
    python benchmarks/train_step.py --precision fp32   # where bf16 is slow (AVX2 only: 10-25x)
    python benchmarks/train_step.py --freeze 3         # also: 3 bottom layers frozen, their outputs
                                                       # computed once (`propscan train --freeze-layers 3`)
"""

from __future__ import annotations

import argparse
import statistics
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--precision", choices=("both", "fp32", "bf16"), default="both")
    ap.add_argument("--freeze", type=int, default=0, help="also time steps with this many bottom layers frozen")
    args = ap.parse_args()

    import torch

    from propscan.cpu import describe
    from propscan.training.nets import load_encoder
    from propscan.training.train import default_encoder

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    ids = torch.randint(1000, 20000, (16, 256))
    mask = torch.ones_like(ids)
    print(f"{describe()}, {args.threads} threads, 16 x 256 pieces per step")
    for bf16 in {"both": (False, True), "fp32": (False,), "bf16": (True,)}[args.precision]:
        for dropout in (None, 0.0):
            model = load_encoder(default_encoder(), dropout)
            seconds = _median_step(model, lambda: model(input_ids=ids, attention_mask=mask).last_hidden_state,
                                   bf16, args.steps)
            shown = "encoder's own" if dropout is None else f"{dropout:g}"
            print(f"{'bf16' if bf16 else 'fp32'}, attention dropout {shown:13s}: "
                  f"{seconds:.2f} s per step (median of {args.steps - 1})")
        if args.freeze:
            from propscan.training.nets import Tagger

            tagger = Tagger(default_encoder())
            tagger.freeze_bottom(args.freeze)
            states = tagger.bottom_states(ids, mask, args.freeze)   # once per window in `propscan train`
            seconds = _median_step(tagger, lambda: tagger.top_logits(states, mask, args.freeze), bf16, args.steps)
            print(f"{'bf16' if bf16 else 'fp32'}, {args.freeze} bottom layers frozen : "
                  f"{seconds:.2f} s per step (median of {args.steps - 1})")


def _median_step(model, outputs, bf16: bool, steps: int) -> float:
    """Median seconds of a training step of `model` (the first step not counted); `outputs()`
    runs its forward pass, whose squared mean stands in for the loss."""
    import torch

    model.train()
    trained = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trained, lr=1e-5)
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = outputs().float().pow(2).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trained, 1.0)
        opt.step()
        opt.zero_grad()
        times.append(time.perf_counter() - t0)
    return statistics.median(times[1:])

if __name__ == "__main__":
    main()
