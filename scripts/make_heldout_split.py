"""Write splits/ptc_train_heldout.txt: 20% of the PTC training articles, seeded, that no
training or tuning ever sees (the held-out split every figure of the model card is taken on).

Run once; the file is committed and must not change:
    python scripts/make_heldout_split.py ../shared/data/ptc/train/articles
"""

import sys
from pathlib import Path

import numpy as np

SEED, SHARE = 20261201, 0.2

folder = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/ptc/train/articles")
ids = sorted(p.stem.removeprefix("article") for p in folder.glob("article*.txt"))
held = sorted(np.random.default_rng(SEED).permutation(ids)[:round(len(ids) * SHARE)].tolist())
out = Path(__file__).resolve().parent.parent / "splits" / "ptc_train_heldout.txt"
out.write_text(f"# {len(held)} of the {len(ids)} PTC training articles, held out from all training and tuning.\n"
               f"# numpy default_rng({SEED}).permutation(sorted ids)[:{len(held)}]; "
               "written by scripts/make_heldout_split.py\n" + "\n".join(held) + "\n", encoding="utf-8")
print(f"{len(held)} held-out ids -> {out}")
