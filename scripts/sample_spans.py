"""Draw the gold PTC spans of a hand-labelled evaluation set, and print each in its context
for the person labelling them (the labels are written by hand before any rule runs on them).

    python scripts/sample_spans.py voice   > /tmp/voice_context.txt
    python scripts/sample_spans.py targets > /tmp/targets_context.txt
    python scripts/sample_spans.py targets2 > /tmp/targets2_context.txt
    python scripts/sample_spans.py targets3 > /tmp/targets3_context.txt
    python scripts/sample_spans.py targets4 > /tmp/targets4_context.txt
    python scripts/sample_spans.py targets5 > /tmp/targets5_context.txt

voice:   110 distinct spans from training articles that contain quotation marks, two at most per
         article; 60 from lines with a quotation mark, 50 from other lines (so that both voices
         are represented), drawn with a fixed seed.
targets: 130 distinct spans, two at most per article, from training articles used neither in
         tests/data/targets_eval.tsv (the set the target rules were written against) nor in the
         voice set, drawn with a fixed seed.
targets2: 122 distinct spans, two at most per article, from training articles in none of
         tests/data/targets_eval.tsv, tests/data/targets_fresh.tsv and tests/data/voice_eval.tsv,
         drawn with seed 91 (the second fresh set, drawn after the rules were frozen).
targets3: 125 distinct spans, three at most per article (the 60 training articles left unused
         hold too few spans for two at most), from training articles in none of the sets above
         nor tests/data/targets_fresh2.tsv, drawn with seed 92 (the third fresh set, drawn after
         the ranker and rules were frozen).
targets4: 130 distinct gold spans, three at most per article, from the official dev articles
         (the training articles are used up by the sets above; dev/spans.tsv holds the gold spans
         without techniques, so the technique is labelled by hand too), drawn with seed 93.
targets5: 130 distinct gold spans, two at most per article, from training articles in none of
         tests/data/targets_eval.tsv and the four fresh targets sets, drawn with seed 94 (the fifth
         fresh set). Articles of tests/data/voice_eval.tsv are eligible here: that set labels
         whose voice a span is, never whom it targets, and no targets rule or ranker was fitted
         or checked on those articles.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRAIN = ROOT.parent / "shared" / "data" / "ptc" / "train"
if not TRAIN.exists():
    TRAIN = Path("/work/shared/data/ptc/train")
DEV = TRAIN.parent / "dev"
QUOTES = '"“”'


def gold_spans() -> dict[str, list[tuple[int, int, str]]]:
    spans: dict[str, dict[tuple[int, int], str]] = {}
    for line in (TRAIN / "labels.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        aid, technique, s, e = line.split("\t")
        spans.setdefault(aid, {}).setdefault((int(s), int(e)), technique)
    return {a: sorted((s, e, t) for (s, e), t in d.items()) for a, d in sorted(spans.items())}


def dev_spans() -> dict[str, list[tuple[int, int, str]]]:
    """The distinct gold spans of dev (its techniques were not released: "?" stands for one)."""
    spans: dict[str, set[tuple[int, int]]] = {}
    for line in (DEV / "spans.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        aid, s, e = line.split("\t")
        spans.setdefault(aid, set()).add((int(s), int(e)))
    return {a: sorted((s, e, "?") for s, e in d) for a, d in sorted(spans.items())}


def text_of(aid: str) -> str:
    path = TRAIN / "articles" / f"article{aid}.txt"
    if not path.exists():   # train and dev article ids are disjoint
        path = DEV / "articles" / f"article{aid}.txt"
    return path.read_bytes().decode("utf-8")


def ids_in(path: Path) -> set[str]:
    if not path.exists():
        return set()
    return {line.split("\t")[0] for line in path.read_text(encoding="utf-8").splitlines()[1:]
            if line and not line.startswith("#")}


def _line_of(text: str, s: int) -> str:
    a = text.rfind("\n", 0, s) + 1
    b = text.find("\n", s)
    return text[a:b if b >= 0 else len(text)]


def draw(kind: str) -> list[tuple[str, int, int, str]]:
    gold = dev_spans() if kind == "targets4" else gold_spans()
    rng = random.Random({"voice": 9, "targets": 90, "targets2": 91, "targets3": 92, "targets4": 93,
                        "targets5": 94}[kind])
    if kind == "voice":
        pools: list[list] = [[], []]
        for aid, spans in gold.items():
            text = text_of(aid)
            if not any(q in text for q in QUOTES):
                continue
            for s, e, t in spans:
                if e - s < 400:   # whole-paragraph spans say nothing about one voice
                    pools[0 if any(q in _line_of(text, s) for q in QUOTES) else 1].append((aid, s, e, t))
        wanted = [60, 50]
    else:
        sets = ["targets_eval.tsv", "voice_eval.tsv"] + (["targets_fresh.tsv"] if kind in ("targets2", "targets3", "targets4") else []) \
            + (["targets_fresh2.tsv"] if kind in ("targets3", "targets4") else []) \
            + (["targets_fresh3.tsv"] if kind == "targets4" else [])
        if kind == "targets5":   # voice-set articles are eligible (see the docstring)
            sets = ["targets_eval.tsv", "targets_fresh.tsv", "targets_fresh2.tsv",
                    "targets_fresh3.tsv", "targets_fresh4.tsv"]
        used = set().union(*(ids_in(ROOT / "tests" / "data" / name) for name in sets))
        pools = [[(aid, s, e, t) for aid, spans in gold.items() if aid not in used
                  for s, e, t in spans if e - s < 400]]
        wanted = [{"targets": 130, "targets2": 122, "targets3": 125, "targets4": 130,
                   "targets5": 130}[kind]]
    out = []
    per_article: dict[str, int] = {}
    cap = 3 if kind in ("targets3", "targets4") else 2
    for pool, n in zip(pools, wanted):
        rng.shuffle(pool)
        taken = 0
        for row in pool:
            if taken >= n:
                break
            if per_article.get(row[0], 0) < cap:
                per_article[row[0]] = per_article.get(row[0], 0) + 1
                out.append(row)
                taken += 1
    return sorted(out, key=lambda r: (r[0], r[1]))


def show(rows) -> None:
    for n, (aid, s, e, t) in enumerate(rows, 1):
        text = text_of(aid)
        # The span's line and the three lines before it (speakers are often named there).
        a = s
        for _ in range(4):
            a = text.rfind("\n", 0, max(a - 1, 0)) + 1 if a > 0 else 0
        b = text.find("\n", e)
        b = len(text) if b < 0 else b
        ctx = text[a:s] + "⟦" + text[s:e] + "⟧" + text[e:b]
        print(f"#{n} {aid}\t{s}\t{e}\t{t}\n{ctx.strip()}\n")


if __name__ == "__main__":
    show(draw(sys.argv[1]))
