"""How the annotators' spans of the fit split (the training articles not held out) begin and end:
the counts behind decoding's trimming rules and Repetition's stop words.

    python scripts/gold_span_edges.py [--train ../shared/data/ptc/train] [--holdout splits/ptc_train_heldout.txt]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from propscan.decoding import _QUOTE_PAIR, NEVER_LAST  # noqa: E402
from propscan.repetition import FUNCTION_WORDS, LINKING  # noqa: E402

WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", type=Path, default=ROOT.parent / "shared" / "data" / "ptc" / "train")
    ap.add_argument("--holdout", type=Path, default=ROOT / "splits" / "ptc_train_heldout.txt")
    args = ap.parse_args()
    held = {w for line in args.holdout.read_text(encoding="utf-8").splitlines()
            if not line.startswith("#") for w in line.split()}
    rows = [line.split("\t") for line in (args.train / "labels.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    rows = [(a, t, int(s), int(e)) for a, t, s, e in rows if a not in held]
    texts = {a: (args.train / "articles" / f"article{a}.txt").read_text(encoding="utf-8") for a, *_ in rows}
    spans = [(t, texts[a][s:e]) for a, t, s, e in rows]
    print(f"fit split: {len(texts)} articles, {len(spans)} annotated spans")
    across = sum(1 for _, x in spans if _QUOTE_PAIR.search(x))
    pairs = sum(len(_QUOTE_PAIR.findall(t)) for t in texts.values())
    print(f"spans running from one quotation into the next: {across} (pairs in the articles: {pairs})")
    last = Counter(w[-1] for _, x in spans if (w := WORD.findall(x)))
    print("spans ending with each NEVER_LAST word (as written): "
          + ", ".join(f"{w} {last[w]}" for w in sorted(NEVER_LAST)))
    rep = [WORD.findall(x.lower()) for t, x in spans if t == "Repetition"]
    for name, words in (("prepositions and linking adverbs", LINKING), ("function words", FUNCTION_WORDS)):
        print(f"Repetition spans ({len(rep)}) starting or ending with one of the {name}: "
              f"{sum(1 for ws in rep if ws and (ws[0] in words or ws[-1] in words))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
