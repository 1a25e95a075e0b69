"""The model behind one small interface: ONNX Runtime sessions + a `tokenizers` tokenizer.

A model folder holds `config.json`, `tokenizer.json` and `tagger.onnx`, and optionally
`classifier.onnx` (the span classifier `classify` uses on given spans), `lexical.npz` and
`lexical_tagger.npz` (word-level models averaged with the neural ones; see propscan/lexical.py)
and `repetition.npz` (see propscan/repetition.py).
The tagger gives, per word piece, either one probability (any propaganda span) or 1 + 2 x 14
(any span, inside technique k, a span of technique k begins here).
ONNX Runtime sessions are safe to call from several threads, so one `Model` serves a whole
server process.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from propscan.decoding import DecodeConfig
from propscan.errors import ModelError
from propscan.onnx_session import open_session, require_files
from propscan.tokens import (Pieces, load_tokenizer, merge_window_scores, pair_batch, pair_tokenizer, pieces,
                             window_batch, windows)

DEFAULT_MODEL_DIR = Path(__file__).parent / "weights"
REQUIRED = ("config.json", "tokenizer.json", "tagger.onnx")


def default_model_dir() -> Path:
    """$PROPSCAN_MODEL if set, else the model shipped inside the package."""
    return Path(os.environ.get("PROPSCAN_MODEL") or DEFAULT_MODEL_DIR)


@dataclass(frozen=True)
class ModelConfig:
    version: str
    labels: list[str]
    window: int
    stride: int
    pair_len: int
    decode: DecodeConfig
    lexical_weight: float = 0.0
    lexical_tagger_weight: float = 0.0
    techniques: dict | None = None
    """Per-technique decoding and calibration (propscan/instances.py); None for a model whose
    tagger has only the any-span output, whose spans get one technique from the classifier."""
    channel_shift: list[float] | None = None
    """Per-technique logit shifts of the inside channels that put the tagger on the scale its
    thresholds were chosen on (propscan/training/transfer.py); None: no shift."""
    trained_on: frozenset[str] | None = None
    """Ids of the articles the networks or their tuning saw (written by `propscan train`), so that
    a measure on any of them can be called in-sample; None where the model does not say."""

    @classmethod
    def read(cls, path: Path, overrides: dict | None = None) -> "ModelConfig":
        """`overrides` replace top-level entries in memory (to try a setting without touching disk)."""
        try:
            data = {**json.loads(path.read_text(encoding="utf-8")), **(overrides or {})}
            if not isinstance(data.get("trained_on") or [], list):   # a string would read as its characters
                raise ValueError(f"trained_on is {type(data['trained_on']).__name__}, not a list of article ids")
            if data.get("channel_shift") and len(data["channel_shift"]) != len(data["labels"]):
                raise ValueError(f"channel_shift has {len(data['channel_shift'])} values for "
                                 f"{len(data['labels'])} techniques")
            return cls(data["version"], list(data["labels"]), int(data["window"]), int(data["stride"]),
                       int(data["pair_len"]), DecodeConfig(**data["decode"]),
                       float(data.get("lexical_weight", 0.0)), float(data.get("lexical_tagger_weight", 0.0)),
                       data.get("techniques"),
                       [float(v) for v in data["channel_shift"]] if data.get("channel_shift") else None,
                       frozenset(str(a) for a in data["trained_on"]) if data.get("trained_on") is not None else None)
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise ModelError(f"{path}: unreadable model config ({type(e).__name__}: {e}); "
                             "retrain or reinstall the model") from None


def check_model_dir(path: Path) -> Path:
    return require_files(path, REQUIRED, what="model", train="propscan train", env="PROPSCAN_MODEL")


def logits(p) -> np.ndarray:
    """log(p / (1 - p)) elementwise, p clipped to [1e-6, 1 - 1e-6]."""
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def shift_channels(scores: np.ndarray, shift: list[float]) -> np.ndarray:
    """Per-technique logit shifts applied to the inside channels (1..n) of [pieces, channels] scores."""
    n = len(shift)
    out = scores.astype(np.float64, copy=True)
    out[:, 1:1 + n] = 1.0 / (1.0 + np.exp(-(logits(out[:, 1:1 + n]) + np.asarray(shift))))
    return out.astype(scores.dtype, copy=False)


class Model:
    """Use as a context manager, or call `close()`, to stop its threads when done."""

    def __init__(self, path: str | Path | None = None, threads: int | None = None,
                 overrides: dict | None = None):
        self.path = Path(path) if path else default_model_dir()
        check_model_dir(self.path)
        self.config = ModelConfig.read(self.path / "config.json", overrides)
        self.tokenizer = load_tokenizer(self.path / "tokenizer.json")
        self._pairs = pair_tokenizer(self.tokenizer, self.config.pair_len)
        self._cls = self.tokenizer.token_to_id("[CLS]")
        self._sep = self.tokenizer.token_to_id("[SEP]")
        # Each ONNX Runtime call runs on one thread, and a text's batches are split across
        # `threads` Python threads: on 2 cores that is ~1.4x faster per article than one call
        # with 2 intra-op threads, which spend much of their time waiting on each other.
        self.threads = threads or min(2, os.cpu_count() or 1)
        self._pool = ThreadPoolExecutor(self.threads, "propscan-onnx") if self.threads > 1 else None
        self._tagger = open_session(self.path / "tagger.onnx", intra_threads=1)
        classifier = self.path / "classifier.onnx"
        self._classifier = open_session(classifier, intra_threads=1) if classifier.is_file() else None
        from propscan.lexical import LexicalClassifier, LexicalTagger

        self._lexical = self._load_optional(LexicalClassifier, "lexical.npz", self.config.lexical_weight)
        self._lexical_tagger = self._load_optional(LexicalTagger, "lexical_tagger.npz",
                                                   self.config.lexical_tagger_weight)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def __enter__(self) -> "Model":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def lexical_classifier(self):
        """The word-level span classifier, where the per-technique calibration reads its opinion."""
        techniques = self.config.techniques or {}
        cal = techniques.get("calibrator") or {}
        if not cal.get("lexical_weight") and techniques.get("source") not in ("spans", "both"):
            return None
        if self._lexical is None:
            from propscan.lexical import LexicalClassifier

            self._lexical = self._load_optional(LexicalClassifier, "lexical.npz", 1.0)
        return self._lexical

    @property
    def per_technique(self) -> bool:
        """Whether the tagger says which technique covers each piece (one pass finds instances)."""
        return self.config.techniques is not None

    @staticmethod
    def _chunks(items: list, size: int) -> list[list]:
        # Fixed-size chunks, whatever the thread count: int8 activations are quantised per
        # batch, so the same text must always be cut into the same batches to give the same
        # spans with 1 thread, 2 threads or worker processes. With the default of one window
        # (one span) per batch, a window's scores depend on that window alone.
        return [items[k:k + size] for k in range(0, len(items), size)]

    def _map(self, fn, chunks: list):
        if self._pool is None or len(chunks) < 2:
            return map(fn, chunks)
        return self._pool.map(fn, chunks)

    def _load_optional(self, kind, name: str, weight: float):
        if weight <= 0:
            return None
        try:
            return kind.load(self.path / name)
        except (OSError, ValueError, KeyError) as e:
            raise ModelError(f"{self.path / name}: unreadable ({type(e).__name__}: {e}); "
                             "retrain or reinstall the model") from None

    @property
    def version(self) -> str:
        return self.config.version

    def piece_scores(self, text: str, batch: int = 1) -> tuple[Pieces, np.ndarray]:
        """Word pieces of `text` and the tagger's [n_pieces, channels] probabilities for them
        (channel 0: any span; with a per-technique tagger, then inside and begin per technique).
        The lexical tagger is already averaged into channel 0."""
        p = pieces(self.tokenizer, text)
        if len(p) == 0:
            return p, np.zeros((0, 1 + 2 * len(self.config.labels) if self.per_technique else 1))
        ranges = windows(len(p), self.config.window, self.config.stride)

        def run(chunk):
            ids, mask = window_batch(p.ids, chunk, self._cls, self._sep)
            probs = self._tagger.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            if probs.ndim == 2:                  # a tagger with the any-span output only
                probs = probs[..., None]
            return [row[1:] for row in probs]   # drop [CLS]; window_batch put pieces at 1..k

        scores = [row for rows in self._map(run, self._chunks(ranges, batch)) for row in rows]
        probs = merge_window_scores(len(p), ranges, scores)
        if self._lexical_tagger is not None:
            a = self.config.lexical_tagger_weight
            probs[:, 0] = (1 - a) * probs[:, 0] + a * self._lexical_tagger.piece_probs(text, p.offsets)
        if self.config.channel_shift and probs.shape[1] == 1 + 2 * len(self.config.channel_shift):
            probs = shift_channels(probs, self.config.channel_shift)
        return p, probs

    def piece_probs(self, text: str, batch: int = 1) -> tuple[Pieces, np.ndarray]:
        """Word pieces of `text` and, for each, the probability it lies in a propaganda span."""
        p, probs = self.piece_scores(text, batch)
        return p, probs[:, 0]

    def technique_probs(self, spans: list[str], contexts: list[str], features: np.ndarray,
                        batch: int = 1) -> np.ndarray:
        """[n, n_labels] technique distribution for each span."""
        if self._classifier is None:
            raise ModelError(f"{self.path}: this model has no span classifier (classifier.onnx); "
                             "use a model trained with one to classify given spans")

        def run(rows):
            a, b = rows[0], rows[-1] + 1
            ids, mask, types = pair_batch(self._pairs, spans[a:b], contexts[a:b])
            return self._classifier.run(None, {"input_ids": ids, "attention_mask": mask,
                                               "token_type_ids": types, "features": features[a:b]})[0]

        out = list(self._map(run, self._chunks(list(range(len(spans))), batch)))
        if not out:
            return np.zeros((0, len(self.config.labels)), dtype=np.float32)
        probs = np.concatenate(out)
        if self._lexical is not None:
            w = self.config.lexical_weight
            probs = (1 - w) * probs + w * self._lexical.predict_proba(spans, contexts, features)
        return probs
