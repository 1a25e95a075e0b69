"""How far two hand labellings of the same spans' targets agree: a ceiling for the target ranker.

    python scripts/targets_agreement.py tests/data/targets_fresh5.tsv tests/data/targets_fresh5_second.tsv

Each file is a targets set (`article_id, start, end, technique, target`; alternatives separated by
`|`). The spans both files hold are compared with `propscan.targets.target_matches`, the rule that
scores the ranker: one labeller's first alternative (their best answer) is taken as a prediction
and matched against the other's alternatives, in both directions. Prints JSON: the spans compared,
how often each direction matches, and how often both do.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from propscan.errors import PropscanError
from propscan.targets import read_target_rows, target_matches


def _first(target: str) -> str | None:
    best = target.split("|")[0].strip()
    return None if best.lower() == "none" else best


def agreement(a_path: Path, b_path: Path) -> dict:
    a = {(r[0], r[1], r[2]): r[4] for r in read_target_rows(a_path)}
    b = {(r[0], r[1], r[2]): r[4] for r in read_target_rows(b_path)}
    shared = sorted(a.keys() & b.keys())
    a_in_b = sum(target_matches(_first(a[k]), b[k]) for k in shared)
    b_in_a = sum(target_matches(_first(b[k]), a[k]) for k in shared)
    both = sum(target_matches(_first(a[k]), b[k]) and target_matches(_first(b[k]), a[k]) for k in shared)
    n = len(shared) or 1
    return {"spans": len(shared), "only_in_first": len(a.keys() - b.keys()),
            "only_in_second": len(b.keys() - a.keys()),
            "first_best_matches_second": a_in_b, "second_best_matches_first": b_in_a, "both": both,
            "rate_first_in_second": round(a_in_b / n, 4), "rate_second_in_first": round(b_in_a / n, 4),
            "rate_both": round(both / n, 4)}


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python scripts/targets_agreement.py FIRST.tsv SECOND.tsv")
    try:
        print(json.dumps(agreement(Path(sys.argv[1]), Path(sys.argv[2]))))
    except PropscanError as exc:
        sys.exit(f"error: {exc}")
