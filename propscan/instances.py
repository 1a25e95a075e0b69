"""From the tagger's per-technique outputs to technique instances: one span per instance.

Each technique is decoded on its own channel, so spans of different techniques may overlap,
nest or coincide, as in the annotators' data. Within one technique:
- hysteresis on the "inside technique k" probability: a run starts at a piece that reaches
  `high` and grows while neighbours stay above `low`, bridging at most `max_gap` pieces;
- a run is cut where the "a span of k begins here" output reaches `begin`, so two instances
  that touch (a list of slogans, the same word said twice) stay two spans;
- spans are widened to whole words and never cross a line break (PTC spans almost never do).

Each span then gets a calibrated confidence (`Calibrator`): the probability, fitted on
out-of-fold predictions, that a span like it matches an annotated instance of its technique.
A span below its technique's `keep` threshold is dropped.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from propscan.decoding import _is_word_char, _split_lines


@dataclass(frozen=True)
class TechniqueDecode:
    high: float = 0.5
    low: float = 0.35
    max_gap: int = 0
    begin: float = 1.01     # above 1: never cut a run at a begin peak
    keep: float = 0.0       # minimum calibrated confidence of a span shown


@dataclass(frozen=True)
class Candidate:
    start: int
    end: int
    technique: int
    features: np.ndarray    # what the calibrator reads (see FEATURES)


FEATURES = ("logit_mean", "logit_max", "logit_begin", "logit_any", "logit_lexical", "log_chars")


def _logit(p: float) -> float:
    p = min(max(float(p), 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def _runs(inside: np.ndarray, begin: np.ndarray, cfg: TechniqueDecode) -> list[tuple[int, int]]:
    """Inclusive piece ranges of one technique's instances."""
    n = len(inside)
    runs: list[list[int]] = []
    i = 0
    while i < n:
        if inside[i] < cfg.low:
            i += 1
            continue
        j = i
        while j + 1 < n and inside[j + 1] >= cfg.low:
            j += 1
        if inside[i:j + 1].max() >= cfg.high:
            if runs and i - runs[-1][1] - 1 <= cfg.max_gap and begin[i] < cfg.begin:
                runs[-1][1] = j
            else:
                runs.append([i, j])
        i = j + 1
    out = []
    for a, b in runs:
        cut = a
        for k in range(a + 1, b + 1):
            # a begin peak inside a run starts a new instance
            if begin[k] >= cfg.begin and begin[k] >= begin[k - 1] and (k + 1 > b or begin[k] >= begin[k + 1]):
                out.append((cut, k - 1))
                cut = k
        out.append((cut, b))
    return out


def _widen(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and _is_word_char(text[start - 1]) and _is_word_char(text[start]):
        start -= 1
    while end < len(text) and _is_word_char(text[end]) and _is_word_char(text[end - 1]):
        end += 1
    return start, end


def candidates(text: str, offsets: np.ndarray, scores: np.ndarray, configs: list[TechniqueDecode]) -> list[Candidate]:
    """Every technique's decoded spans, before calibration. `scores` is the tagger's
    [n_pieces, 1 + 2 n] output. The word-level opinion (features[4]) is filled in by `instances`."""
    n = len(configs)
    out: list[Candidate] = []
    if len(offsets) == 0:
        return out
    for k, cfg in enumerate(configs):
        inside, begin = scores[:, 1 + k], scores[:, 1 + n + k]
        spans: list[list[int]] = []
        for a, b in _runs(inside, begin, cfg):
            start, end = _widen(text, int(offsets[a, 0]), int(offsets[b, 1]))
            parts = _split_lines(text, start, end) if "\n" in text[start:end] else [(start, end)]
            for ps, pe in parts:
                if spans and ps < spans[-1][1]:
                    # widening to whole words can make two runs meet inside one word
                    spans[-1][1] = max(spans[-1][1], pe)
                elif pe > ps:
                    spans.append([ps, pe])
        for ps, pe in spans:
            lo = int(np.searchsorted(offsets[:, 1], ps, side="right"))
            hi = max(lo + 1, int(np.searchsorted(offsets[:, 0], pe, side="left")))
            seg = inside[lo:hi]
            feats = np.array([_logit(seg.mean()), _logit(seg.max()), _logit(begin[lo:hi].max()),
                              _logit(scores[lo:hi, 0].mean()), 0.0, math.log(pe - ps)], dtype=np.float32)
            out.append(Candidate(ps, pe, k, feats))
    return out


@dataclass
class Calibrator:
    """Logistic calibration of span confidence: shared weights over FEATURES plus, per
    technique, an intercept and a slope on the mean probability (Platt scaling per technique)."""
    coef: list[float]
    technique_bias: list[float]
    technique_slope: list[float]
    lexical_weight: float = 0.0   # 0: the word-level classifier's opinion is not used

    def confidence(self, cands: list[Candidate]) -> np.ndarray:
        if not cands:
            return np.zeros(0)
        X = np.stack([c.features for c in cands]).astype(np.float64)
        k = np.array([c.technique for c in cands])
        z = X @ np.asarray(self.coef) + np.asarray(self.technique_bias)[k] + \
            np.asarray(self.technique_slope)[k] * X[:, 0]
        return 1 / (1 + np.exp(-z))

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class InstanceConfig:
    """The `techniques` entry of a model's config.json."""
    decode: list[TechniqueDecode]
    calibrator: Calibrator | None = None
    repetition: dict = field(default_factory=dict)   # propscan/repetition.py settings

    @classmethod
    def from_dict(cls, data: dict, n: int) -> "InstanceConfig":
        decode = [TechniqueDecode(**d) for d in data.get("decode", [])] or [TechniqueDecode()] * n
        cal = data.get("calibrator")
        return cls(decode, Calibrator(**cal) if cal else None, dict(data.get("repetition", {})))

    def to_dict(self) -> dict:
        return {"decode": [asdict(d) for d in self.decode],
                "calibrator": self.calibrator.to_dict() if self.calibrator else None,
                "repetition": self.repetition}


def instances(text: str, offsets: np.ndarray, scores: np.ndarray, cfg: InstanceConfig,
              lexical_probs=None) -> list[tuple[int, int, int, float]]:
    """(start, end, technique index, confidence) for every instance kept, sorted by position.

    `lexical_probs(spans) -> [n_spans, n_techniques]` is the word-level span classifier, a
    second opinion on each candidate's technique that costs no encoder pass."""
    cands = candidates(text, offsets, scores, cfg.decode)
    if lexical_probs is not None and cands and cfg.calibrator is not None and cfg.calibrator.lexical_weight:
        probs = lexical_probs([(c.start, c.end) for c in cands])
        for c, row in zip(cands, probs):
            c.features[4] = _logit(row[c.technique])
    if cfg.calibrator is not None:
        conf = cfg.calibrator.confidence(cands)
    else:
        conf = np.array([1 / (1 + math.exp(-c.features[0])) for c in cands])
    out = [(c.start, c.end, c.technique, float(p)) for c, p in zip(cands, conf)
           if p >= cfg.decode[c.technique].keep]
    return sorted(out, key=lambda r: (r[0], r[1], r[2]))
