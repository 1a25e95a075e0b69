"""`propscan train-claims`: the check-worthiness model, its recipe and its threshold chosen by
nested cross-validation over dev-test.tsv (see claims_cv), then trained on everything.

The model: MiniLM fine-tuned on train.tsv (the "base", trained once: it never sees dev-test),
optionally continued for a few epochs on the dev-test rows of the fold ("adapted": the data
closest to the 2024 target distribution), optionally averaged with a TF-IDF logistic
regression trained on train.tsv plus those dev-test rows, up-weighted. Which of these, with
which weight, and the Yes threshold, are chosen by the cross-validation alone.

Every score is measured with the exported int8 ONNX model through `ClaimDetector`, i.e. the
exact artefact that ships, not the torch model.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from propscan.claims_lexical import fit_claim_lexical
from propscan.errors import InputError, TrainingError
from propscan.io.checkworthy import ClaimRow, read_claim_file
from propscan.tokens import load_tokenizer
from propscan.training.claims_cv import (blocked_folds, f1_yes, nested_cv, read_folds, stratified_folds,
                                         write_folds)
from propscan.training.loop import _autocast, _schedule, seed_everything
from propscan.training.nets import load_encoder

Log = Callable[[str], None]


@dataclass
class ClaimTrainConfig:
    encoder: str = ""
    seed: int = 13
    epochs: float = 1.0
    lr: float = 6e-5
    batch: int = 32
    max_len: int = 96
    bf16: bool = True
    quantise: bool = True
    freeze_embeddings: bool = True   # the word-piece table is half the weights; freezing it is cheaper
    threads: int = 1                 # 1 is faster on a busy 2-core machine
    max_rows: int | None = None      # smoke runs: train on the first N rows of train.tsv only
    max_steps: int | None = None     # smoke runs: stop the base fine-tune after N steps
    cv_folds: int = 5
    adapt_epochs: float = 3.0        # the continued fine-tune on the fold's dev-test rows
    adapt_lr: float = 2e-5
    adapt_batch: int = 16
    lexical_c: float = 4.0
    # the TF-IDF variants the cross-validation chooses among: (min words of a train.tsv
    # sentence, weight of a dev-test sentence relative to a train.tsv one)
    lexical_variants: tuple = ((1, 1.0), (1, 5.0), (5, 5.0))
    weights: tuple = (0.0, 0.25, 0.5, 0.75, 1.0)   # shares of the TF-IDF model tried


class ClaimNet(nn.Module):
    """Encoder, mean pooling over the real pieces, one logit for Yes."""

    def __init__(self, encoder_path: str):
        super().__init__()
        self.encoder = load_encoder(encoder_path)
        self.dropout = nn.Dropout(0.1)
        self.head = nn.Linear(self.encoder.config.hidden_size, 1)

    def logits(self, input_ids, attention_mask):
        h = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        m = attention_mask.unsqueeze(-1).to(h.dtype)
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1)
        return self.head(self.dropout(pooled)).squeeze(-1)

    def forward(self, input_ids, attention_mask):
        return torch.sigmoid(self.logits(input_ids, attention_mask))


def _encode(tokenizer, texts: list[str], max_len: int) -> list[np.ndarray]:
    """[CLS] pieces [SEP], truncated to max_len, one id array per text."""
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    out = []
    for enc in tokenizer.encode_batch(texts, add_special_tokens=False):
        out.append(np.asarray([cls_id] + enc.ids[:max_len - 2] + [sep_id], dtype=np.int64))
    return out


def _batches(lengths: np.ndarray, batch: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffled batches of similar length (sorted inside chunks of 50 batches) to cut padding."""
    order = rng.permutation(len(lengths))
    chunk = batch * 50
    out = []
    for k in range(0, len(order), chunk):
        part = order[k:k + chunk]
        part = part[np.argsort(lengths[part], kind="stable")]
        out += [part[i:i + batch] for i in range(0, len(part), batch)]
    rng.shuffle(out)
    return out


def fit_claims(config: ClaimTrainConfig, rows: list[ClaimRow], log: Log = print, init: dict | None = None,
               epochs: float | None = None, lr: float | None = None, batch: int | None = None,
               max_steps: int | None = None) -> ClaimNet:
    """Fine-tune on `rows`, from the pretrained encoder or from `init` (a ClaimNet state dict)."""
    seed_everything(config.seed)
    epochs = config.epochs if epochs is None else epochs
    lr = config.lr if lr is None else lr
    batch = config.batch if batch is None else batch
    tokenizer = load_tokenizer(Path(config.encoder) / "tokenizer.json")
    ids = _encode(tokenizer, [r.text for r in rows], config.max_len)
    y_all = np.asarray([1.0 if r.label == "Yes" else 0.0 for r in rows], dtype=np.float32)
    lengths = np.asarray([len(x) for x in ids])
    model = ClaimNet(config.encoder)
    if init is not None:
        model.load_state_dict(init)
    if config.freeze_embeddings:
        for p in model.encoder.embeddings.parameters():
            p.requires_grad = False
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=0.01)
    per_epoch = math.ceil(len(rows) / batch)
    total = math.ceil(per_epoch * epochs)
    if max_steps is not None:
        total = min(total, max_steps)
    sched = _schedule(opt, total)
    rng = np.random.default_rng(config.seed)
    model.train()
    step, t0, running, done = 0, time.time(), 0.0, 0
    while step < total:
        for idx in _batches(lengths, batch, rng):
            if step >= total:
                break
            width = int(lengths[idx].max())
            x = np.zeros((len(idx), width), dtype=np.int64)
            m = np.zeros((len(idx), width), dtype=np.int64)
            for r, i in enumerate(idx):
                x[r, :lengths[i]] = ids[i]
                m[r, :lengths[i]] = 1
            with _autocast(config.bf16):
                logits = model.logits(torch.from_numpy(x), torch.from_numpy(m))
            loss = F.binary_cross_entropy_with_logits(logits.float(), torch.from_numpy(y_all[idx]))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step(); sched.step(); opt.zero_grad()
            running += loss.item(); step += 1; done += 1
            if step % 100 == 0 or step == total:
                log(f"  claims step {step}/{total} loss {running / done:.4f} "
                    f"({time.time() - t0:.0f}s)")
                running, done = 0.0, 0
    model.eval()
    return model


def export_claims(model: ClaimNet, out_dir: Path, quantise: bool = True) -> None:
    from propscan.training.export import _export, _quantise

    out_dir.mkdir(parents=True, exist_ok=True)
    x = torch.ones((1, 16), dtype=torch.long)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "claims.onnx"
        _export(model, (x, x), ["input_ids", "attention_mask"],
                {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                 "probs": {0: "batch"}}, src)
        if quantise:
            _quantise(src, out_dir / "claims.onnx")
        else:
            shutil.move(str(src), out_dir / "claims.onnx")


def evaluate_claims(model_dir: Path, path: Path, threshold: float | None = None) -> dict:
    """F1 of the Yes class of a shipped claims model on a labelled CheckThat! file."""
    from propscan.claims import ClaimDetector

    det = ClaimDetector(model_dir)
    rows = _rows(path)
    scores = det.scores([r.text for r in rows])
    t = det.threshold if threshold is None else threshold
    return {"threshold": t, **f1_yes([r.label == "Yes" for r in rows], scores >= t)}


def _rows(path: Path, log: Log | None = None) -> list[ClaimRow]:
    data = read_claim_file(path, with_labels=True)
    for p in data.problems:
        if log:
            log(f"skipping {p}")
    rows = [r for r in data.rows if r.ok]
    if not rows:
        raise TrainingError(f"{path}: no usable rows")
    return rows


def recipes(config: ClaimTrainConfig) -> list[dict]:
    """Every model the cross-validation chooses among. The neural part is the train.tsv
    fine-tune alone ("base") or continued on dev-test ("adapted"); weight 0 uses no TF-IDF
    model, weight 1 only the TF-IDF model."""
    out = []
    for neural in ("base", "adapted"):
        for w in config.weights:
            for v in ([None] if w == 0 else range(len(config.lexical_variants))):
                if w == 1 and neural == "adapted":
                    continue   # the same model as weight 1 with the base
                lex = None if v is None else {"min_words": config.lexical_variants[v][0],
                                              "dev_test_weight": config.lexical_variants[v][1]}
                out.append({"neural": neural, "lexical_weight": w, "lexical": lex, "lexical_variant": v})
    return out


class ClaimFitter:
    """Trains what the recipes need on train.tsv plus some dev-test rows and scores every
    dev-test row with each recipe (the `Fit` of claims_cv); `build` writes one recipe's model."""

    def __init__(self, config: ClaimTrainConfig, train: list[ClaimRow], dev_test: list[ClaimRow],
                 base_state: dict, work: Path, log: Log = print):
        self.config, self.train, self.dev_test, self.base_state = config, train, dev_test, base_state
        self.work, self.log = work, log
        self.recipes = recipes(config)
        self._texts = [r.text for r in dev_test]
        base_dir = work / "base"
        self._export(base_state, base_dir)
        self._base_scores = self._score(base_dir)

    def __call__(self, positions: np.ndarray) -> np.ndarray:
        t0 = time.time()
        part = [self.dev_test[i] for i in positions]
        neural = {"base": self._base_scores}
        if any(r["neural"] == "adapted" for r in self.recipes):
            folder = self.work / "adapted"
            self._export(self._adapt(part), folder)
            neural["adapted"] = self._score(folder)
        lexical = {v: self._lexical(part, v).scores(self._texts)
                   for v in {r["lexical_variant"] for r in self.recipes if r["lexical_variant"] is not None}}
        out = np.zeros((len(self.recipes), len(self.dev_test)))
        for i, r in enumerate(self.recipes):
            w = r["lexical_weight"]
            out[i] = (1 - w) * neural[r["neural"]] + (w * lexical[r["lexical_variant"]] if w else 0)
        self.log(f"  fitted and scored in {time.time() - t0:.0f}s")
        return out

    def build(self, recipe: dict, out_dir: Path) -> None:
        """The model folder of `recipe`, trained on train.tsv and all of dev-test."""
        everything = list(self.dev_test)
        self._export(self.base_state if recipe["neural"] == "base" else self._adapt(everything), out_dir)
        if recipe["lexical_weight"] > 0:
            from propscan.claims import LEXICAL_FILE

            self._lexical(everything, recipe["lexical_variant"]).save(out_dir / LEXICAL_FILE)

    def _adapt(self, part: list[ClaimRow]) -> dict:
        c = self.config
        self.log(f"  continuing the base on {len(part)} dev-test rows for {c.adapt_epochs} epochs")
        model = fit_claims(c, part, self.log, init=self.base_state, epochs=c.adapt_epochs, lr=c.adapt_lr,
                           batch=c.adapt_batch)
        return model.state_dict()

    def _lexical(self, part: list[ClaimRow], variant: int):
        min_words, weight = self.config.lexical_variants[variant]
        train = [r for r in self.train if len(r.text.split()) >= min_words]
        rows = train + part
        weights = np.concatenate([np.ones(len(train)), np.full(len(part), weight)])
        return fit_claim_lexical([r.text for r in rows], [r.label == "Yes" for r in rows], weights,
                                 C=self.config.lexical_c)

    def _export(self, state: dict, folder: Path) -> None:
        model = ClaimNet(self.config.encoder)
        model.load_state_dict(state)
        model.eval()
        export_claims(model, folder, self.config.quantise)
        shutil.copy(Path(self.config.encoder) / "tokenizer.json", folder / "tokenizer.json")
        (folder / "config.json").write_text(json.dumps({"version": "cv", "max_len": self.config.max_len,
                                                        "threshold": 0.5}), encoding="utf-8")

    def _score(self, folder: Path) -> np.ndarray:
        from propscan.claims import ClaimDetector

        return ClaimDetector(folder, threads=1).scores(self._texts).astype(np.float64)


def base_model(config: ClaimTrainConfig, train: list[ClaimRow], checkpoint: Path | None, log: Log) -> dict:
    """The train.tsv fine-tune's state dict, read from `checkpoint` when it holds one trained
    with the same settings, else trained (and saved there when a path is given)."""
    settings = {k: getattr(config, k) for k in ("seed", "epochs", "lr", "batch", "max_len", "bf16",
                                                "freeze_embeddings", "max_rows", "max_steps")}
    settings["encoder"] = Path(config.encoder).name
    settings["rows"] = len(train)
    if checkpoint is not None and checkpoint.is_file():
        saved = torch.load(checkpoint, map_location="cpu", weights_only=True)
        if saved.get("settings") != settings:
            raise TrainingError(f"{checkpoint}: trained with other settings ({saved.get('settings')}); "
                                "delete it or pass another --base-checkpoint")
        log(f"base model read from {checkpoint}")
        return saved["state"]
    log(f"training the base model on {len(train)} train.tsv sentences "
        f"({sum(r.label == 'Yes' for r in train)} Yes), {config.epochs} epochs")
    state = fit_claims(config, train, log, max_steps=config.max_steps).state_dict()
    if checkpoint is not None:
        checkpoint.parent.mkdir(parents=True, exist_ok=True)
        torch.save({"settings": settings, "state": state}, checkpoint)
    return state


def dev_test_folds(rows: list[ClaimRow], k: int, seed: int, path: Path | None, log: Log,
                   blocked: bool = False) -> np.ndarray:
    """The fold of each dev-test row: read from `path` when it exists, else made (stratified and
    seeded, or runs of consecutive ids with `blocked`) and written there."""
    ids, labels = [r.sentence_id for r in rows], [r.label == "Yes" for r in rows]
    if path is not None and path.is_file():
        fold = read_folds(path, ids)
        if fold.max() + 1 != k:
            raise InputError(f"{path}: has {fold.max() + 1} folds, not --cv-folds {k}")
        log(f"dev-test folds read from {path}")
        return fold
    fold = blocked_folds(ids, k) if blocked else stratified_folds(labels, k, seed)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_folds(path, ids, labels, fold)
        log(f"dev-test folds written to {path}")
    return fold


def train_claims(data_dir: Path, out_dir: Path, config: ClaimTrainConfig | None = None, log: Log = print,
                 folds_file: Path | None = None, base_checkpoint: Path | None = None,
                 blocked: bool = False) -> dict:
    """Nested cross-validation over dev-test (claims_cv), then the chosen recipe trained on
    train.tsv and all of dev-test, with the threshold chosen by the same rule, written to
    `out_dir` with every figure in its config.json."""
    from propscan.training.train import default_encoder

    config = config or ClaimTrainConfig()
    config.encoder = config.encoder or default_encoder()
    torch.set_num_threads(config.threads)
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    t0 = time.time()
    train = _rows(data_dir / "train.tsv", log)[:config.max_rows]
    dev_test = _rows(data_dir / "dev-test.tsv", log)
    dev = _rows(data_dir / "dev.tsv", log)
    fold = dev_test_folds(dev_test, config.cv_folds, config.seed, folds_file or out_dir / "cv_folds.tsv", log,
                          blocked)
    gold = [r.label == "Yes" for r in dev_test]
    base = base_model(config, train, base_checkpoint, log)
    version = f"propscan-claims-minilm-cv{config.cv_folds}-{time.strftime('%Y%m%d')}-seed{config.seed}"
    with tempfile.TemporaryDirectory() as tmp:
        fitter = ClaimFitter(config, train, dev_test, base, Path(tmp), log)
        cv = nested_cv(fitter, gold, fold, log)
        recipe = fitter.recipes[cv.recipe]
        log(f"chosen for the shipped model: {recipe} at threshold {cv.threshold} "
            f"(out-of-fold F1 {cv.oof_f1:.4f}, in-sample for this choice)")
        staging = Path(tmp) / "final"
        fitter.build(recipe, staging)
        out_dir.mkdir(parents=True, exist_ok=True)
        for name in ("claims.onnx", "tokenizer.json", "claims_lexical.npz"):
            (out_dir / name).unlink(missing_ok=True)
            if (staging / name).is_file():
                shutil.move(str(staging / name), out_dir / name)
    settings = {"version": version, "max_len": config.max_len, "threshold": cv.threshold,
                "lexical_weight": recipe["lexical_weight"]}
    metrics = {
        "dev_test_nested_cv": {
            "f1_mean": cv.mean_f1, "per_fold": cv.folds, "folds": config.cv_folds,
            "fold_kind": "consecutive ids" if blocked else "stratified, seeded",
            "note": "each fold scored by a model, recipe and threshold that never saw it"},
        "per_recipe_nested_threshold": [{**fitter.recipes[p["recipe"]], **p} for p in cv.per_recipe],
        "shipped": {"recipe": recipe, "threshold": cv.threshold,
                    "dev_test_out_of_fold_in_sample": cv.oof_f1},
    }
    _write(out_dir, {**settings, "metrics": metrics}, config)
    # dev.tsv was used by nothing above: a check on the other (ClaimBuster) distribution
    metrics["shipped"]["dev"] = evaluate_claims(out_dir, data_dir / "dev.tsv")
    metrics["shipped"]["dev_test_in_sample"] = evaluate_claims(out_dir, data_dir / "dev-test.tsv")
    _write(out_dir, {**settings, "metrics": metrics}, config)
    log(f"dev-test F1(Yes), nested {config.cv_folds}-fold CV: mean {cv.mean_f1:.4f} "
        f"(folds {', '.join(str(f['f1']['f1']) for f in cv.folds)})")
    log(f"shipped model: dev F1(Yes) {metrics['shipped']['dev']['f1']:.4f} (dev.tsv untouched), "
        f"dev-test in-sample {metrics['shipped']['dev_test_in_sample']['f1']:.4f} (not an estimate)")
    report = {"version": version, "train_rows": len(train), "dev_rows": len(dev), **metrics,
              "seconds": round(time.time() - t0)}
    log(f"claim model written to {out_dir} in {report['seconds']}s")
    return report


def _write(out_dir: Path, settings: dict, config: ClaimTrainConfig) -> None:
    training = asdict(config)
    training["encoder"] = Path(config.encoder).name
    (out_dir / "config.json").write_text(json.dumps({**settings, "training": training}, indent=2, default=float) + "\n",
                                         encoding="utf-8")
