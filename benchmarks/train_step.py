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
            model.train()
            opt = torch.optim.AdamW(model.parameters(), lr=1e-5)
            times = []
            for _ in range(args.steps):
                t0 = time.perf_counter()
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                    loss = model(input_ids=ids, attention_mask=mask).last_hidden_state.float().pow(2).mean()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                opt.zero_grad()
                times.append(time.perf_counter() - t0)
            shown = "encoder's own" if dropout is None else f"{dropout:g}"
            print(f"{'bf16' if bf16 else 'fp32'}, attention dropout {shown:13s}: "
                  f"{statistics.median(times[1:]):.2f} s per step (median of {len(times) - 1})")
        if args.freeze:
            print(f"{'bf16' if bf16 else 'fp32'}, {args.freeze} bottom layers frozen : "
                  f"{_frozen_step(args, ids, mask, bf16):.2f} s per step (median of {args.steps - 1})")


def _frozen_step(args, ids, mask, bf16: bool) -> float:
    """Median seconds of a step that trains the top layers on the frozen layers' stored outputs."""
    import torch

    from propscan.training.nets import Tagger
    from propscan.training.train import default_encoder

    model = Tagger(default_encoder())
    model.freeze_bottom(args.freeze)
    states = model.bottom_states(ids, mask, args.freeze)   # once per window in `propscan train`
    model.train()
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5)
    times = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = model.top_logits(states, mask, args.freeze).float().pow(2).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad()
        times.append(time.perf_counter() - t0)
    return statistics.median(times[1:])


if __name__ == "__main__":
    main()
