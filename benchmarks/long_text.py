"""What one long text costs `Analyzer.analyze` (not a test): the PTC training articles joined in
file-name order and cut to N characters, analysed once after the model is loaded and warmed up.
Prints the wall and CPU seconds of that one call and the process's peak RSS; run one size per
process, so the peak is that size's.

    nice -n 15 python benchmarks/long_text.py 1000000
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = ROOT.parent / "shared" / "data" / "ptc" / "train" / "articles"


def long_text(chars: int, folder: Path = ARTICLES) -> str:
    parts, total = [], 0
    for p in sorted(folder.glob("article*.txt")):
        parts.append(p.read_text(encoding="utf-8"))
        total += len(parts[-1]) + 1
        if total >= chars:
            break
    return "\n".join(parts)[:chars]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("chars", type=int, help="length of the text in characters")
    ap.add_argument("--articles", type=Path, default=ARTICLES, help="folder of PTC article*.txt files")
    args = ap.parse_args()
    from propscan.analyzer import Analyzer

    text = long_text(args.chars, args.articles)
    analyzer = Analyzer()
    analyzer.analyze("Warm up. A short text to load everything.")
    loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    res = analyzer.analyze(text)
    wall, r1 = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF)
    cpu = r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime
    print(f"chars={len(text)} seconds={wall:.1f} cpu_seconds={cpu:.1f} peak_rss_mb={r1.ru_maxrss / 1024:.0f} "
          f"after_load_rss_mb={loaded / 1024:.0f} spans={len(res.spans)} sentences={len(res.sentences)}")


if __name__ == "__main__":
    main()
