"""Threshold-only nested cross-validation of an existing claims model on dev-test.

The model's scores do not depend on dev-test, so only the Yes threshold is chosen inside each
fold's training folds (propscan.training.claims_cv.nested_cv with a fit that returns the fixed
scores). Prints the mean and per-fold F1 of Yes for the stratified folds of a folds file and
for folds of consecutive sentence ids (stretches of a debate kept together).

    python scripts/claims_threshold_cv.py MODEL_DIR ../shared/data/checkworthy/dev-test.tsv splits/checkworthy_devtest_folds.tsv
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from propscan.claims import ClaimDetector
from propscan.io.checkworthy import read_claim_file
from propscan.training.claims_cv import blocked_folds, nested_cv, read_folds


def main(model: str, dev_test: str, folds_file: str) -> None:
    rows = [r for r in read_claim_file(dev_test, with_labels=True).rows if r.ok]
    gold = [r.label == "Yes" for r in rows]
    ids = [r.sentence_id for r in rows]
    scores = ClaimDetector(model, threads=1).scores([r.text for r in rows]).astype(np.float64)
    k = int(read_folds(Path(folds_file), ids).max()) + 1
    for name, fold in (("stratified", read_folds(Path(folds_file), ids)), ("consecutive ids", blocked_folds(ids, k))):
        cv = nested_cv(lambda positions: scores[None, :], gold, fold, lambda _m: None)
        print(json.dumps({"folds": name, "f1_mean": cv.mean_f1, "per_fold": [f["f1"]["f1"] for f in cv.folds],
                          "thresholds": [f["threshold"] for f in cv.folds]}))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[-1].strip())
    main(*sys.argv[1:])
