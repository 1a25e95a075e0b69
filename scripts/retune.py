"""Re-run the tuning of `propscan train` on the saved fold models of the run that trained a
model folder, without refitting its networks (propscan.training.train.retune).

    python scripts/retune.py propscan/weights --work WORK --train ../shared/data/ptc/train \
        --holdout splits/ptc_train_heldout.txt --reference ../shared/data/checkworthy/train.tsv

WORK is the `--work` folder of that `propscan train` run (its fold models and oof.npz).
`--stride N` tunes for another analyzer window stride (the networks are unchanged).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from propscan.errors import PropscanError
from propscan.training.train import retune


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", type=Path)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--train", type=Path, required=True)
    ap.add_argument("--holdout", type=Path)
    ap.add_argument("--reference", type=Path)
    ap.add_argument("--version")
    ap.add_argument("--stride", type=int, help="the analyzer's window stride to tune for (default: the model's)")
    args = ap.parse_args()
    t0 = time.time()
    log = lambda m: print(f"[{time.time() - t0:.0f}s] {m}", flush=True)  # noqa: E731
    try:
        settings = retune(args.model, args.work, args.train, args.holdout, args.reference, args.version, log,
                           stride=args.stride)
    except PropscanError as e:
        print(f"retune: error: {e}", file=sys.stderr)
        return 2
    log(f"{args.model}: {settings['version']}, source {settings['techniques']['source']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
