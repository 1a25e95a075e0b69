"""TC micro-F1 on the gold spans of one fold's articles, named by that fold's tagger alone, by
the word-level classifier alone, and by averages of the two: how well the tagger's own technique
outputs name techniques on articles it never saw.

    propscan train ../shared/data/ptc/train -o M --holdout splits/ptc_train_heldout.txt --work WORK
    python scripts/fold_technique_tc.py WORK/fold1 1

The fold's articles are those `propscan train` held out of fold k (same ids, folds and seed).
"""

import sys
from pathlib import Path

import numpy as np

from propscan import metrics
from propscan.features import span_context, span_features
from propscan.lexical import LexicalClassifier
from propscan.runtime import Model
from propscan.sentences import sentence_ranges
from propscan.techniques import LABELS
from propscan.tokens import piece_range
from propscan.training.data import load_corpus
from propscan.training.train import TrainConfig, fold_ids, read_ids

ROOT = Path(__file__).resolve().parent.parent


def main(fold_dir: Path, k: int, train_dir: Path) -> None:
    corpus = load_corpus(train_dir)
    config = TrainConfig()
    ids = sorted(set(corpus.articles) - read_ids(ROOT / "splits/ptc_train_heldout.txt"))
    held = fold_ids(ids, config.tune_folds, config.seed)[k - 1]
    spans = corpus.spans_by_article()
    lexical = LexicalClassifier.load(fold_dir / "lexical.npz")
    tagger, word, gold, keys = [], [], [], []
    with Model(fold_dir, overrides={"lexical_tagger_weight": 0.0}) as model:
        for aid in held:
            rows = spans.get(aid, [])
            if not rows:
                continue
            text = corpus.articles[aid].text
            sents = sentence_ranges(text)
            p, scores = model.piece_scores(text)
            for r in rows:
                lo, hi = piece_range(p.offsets, r.start, r.end)
                t = scores[lo:max(hi, lo + 1), 1:1 + len(LABELS)].mean(0)
                tagger.append(t / t.sum())
                gold.append(r.technique)
                keys.append((aid, r.start, r.end))
            word.append(lexical.predict_proba([text[r.start:r.end] for r in rows],
                                              [span_context(text, r.start, r.end, sents) for r in rows],
                                              np.stack([span_features(text, r.start, r.end) for r in rows])))
    tagger, word = np.array(tagger), np.concatenate(word)
    for w in (0.0, 0.3, 0.5, 0.7, 1.0):
        pred = [LABELS[i] for i in (w * tagger + (1 - w) * word).argmax(1)]
        tc = metrics.technique_classification(gold, pred, spans=keys)
        print(f"tagger share {w}: TC micro-F1 {tc.micro_f1:.4f} on {tc.n} gold spans of fold {k}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]),
         Path(sys.argv[3]) if len(sys.argv) > 3 else ROOT.parent / "shared/data/ptc/train")
