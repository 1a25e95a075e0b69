"""From the tagger's outputs to technique instances: one span per instance.

Two sources of candidate instances, or both, chosen by cross-validation when the model is
trained (`InstanceConfig.source`; the shipped model's is in MODEL_CARD.md):

"spans": the any-span output is decoded into short spans with thresholds chosen for the
span + technique task (not for SI, which rewards long spans), and the word-level span
classifier (propscan/lexical.py, no encoder pass), averaged with the tagger's own technique
outputs over the span, names each span's technique; a span whose second most likely technique
is likely enough carries that one too, as its own instance on the same characters.

"channels": each technique is decoded on its own output of the
tagger, so spans of different techniques may overlap, nest or coincide, as in the annotators'
data. Within one technique:
- hysteresis on the "inside technique k" probability: a run starts at a piece that reaches
  `high` and grows while neighbours stay above `low`, bridging at most `max_gap` pieces;
- a run is cut where the "a span of k begins here" output reaches `begin`, so two instances
  that touch (a list of slogans, the same word said twice) stay two spans;
- spans are widened to whole words, lose edge punctuation and last words such as "who"
  (decoding.trim) and never cross a line break or run from one quotation into the next
  (decoding.parts: PTC spans almost never do).

"both": per technique, the instances of one source or of both (`sources`, chosen out of fold),
merged: where two of one technique overlap, the more confident stays (`merge_sources`).

Each span then gets a calibrated confidence (`Calibrator`): the probability, fitted on
out-of-fold predictions, that a span like it matches an annotated instance of its technique.
A span below its technique's `keep` threshold is dropped.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from propscan.decoding import parts, trim, widen
from propscan.tokens import piece_range


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
# For "spans" candidates the same six slots hold: logit of the span's mean any-span probability,
# of its maximum, whether it is the span's second technique (0/1), 0, logit of the technique's
# probability (word-level classifier, averaged with the tagger at `tagger_weight`), log of the length.


def logit(p: float) -> float:
    """log(p / (1 - p)), with p clipped to [1e-4, 1 - 1e-4]: the scale calibration features use."""
    p = min(max(float(p), 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def _runs(inside: np.ndarray, begin: np.ndarray, cfg: TechniqueDecode) -> list[tuple[int, int]]:
    """Inclusive piece ranges of one technique's instances."""
    n = len(inside)
    if n == 0 or cfg.high > 1:
        return []
    above = np.concatenate(([False], inside >= cfg.low, [False]))
    edges = np.flatnonzero(above[1:] != above[:-1])
    starts, ends = edges[0::2], edges[1::2] - 1           # maximal runs of pieces >= low
    if len(starts) == 0:
        return []
    peaks = np.maximum.reduceat(inside, starts) if len(starts) else np.zeros(0)
    runs: list[list[int]] = []
    for i, j, peak in zip(starts.tolist(), ends.tolist(), peaks.tolist()):
        if peak < cfg.high:
            continue
        if runs and i - runs[-1][1] - 1 <= cfg.max_gap and begin[i] < cfg.begin:
            runs[-1][1] = j
        else:
            runs.append([i, j])
    if cfg.begin > 1:
        return [(a, b) for a, b in runs]
    # a begin peak inside a run starts a new instance
    padded = np.concatenate(([-1.0], begin, [-1.0]))
    peak = (begin >= cfg.begin) & (begin >= padded[:-2]) & (begin >= padded[2:])
    out = []
    for a, b in runs:
        cut = a
        for k in (np.flatnonzero(peak[a + 1:b + 1]) + a + 1).tolist():
            out.append((cut, k - 1))
            cut = k
        out.append((cut, b))
    return out


def candidates(text: str, offsets: np.ndarray, scores: np.ndarray, configs: list[TechniqueDecode]) -> list[Candidate]:
    """Every technique's decoded spans, before calibration. `scores` is the tagger's
    [n_pieces, 1 + 2 n] output. The word-level opinion (features[4]) is filled in by `instances`."""
    n = len(configs)
    out: list[Candidate] = []
    if len(offsets) == 0:
        return out
    for k, cfg in enumerate(configs):
        if cfg.high > 1:
            continue
        inside, begin = scores[:, 1 + k], scores[:, 1 + n + k]
        spans: list[list[int]] = []
        for a, b in _runs(inside, begin, cfg):
            start, end = widen(text, int(offsets[a, 0]), int(offsets[b, 1]))
            for ps, pe in (trim(text, *part) for part in parts(text, start, end)):
                if spans and ps < spans[-1][1]:
                    # widening to whole words can make two runs meet inside one word
                    spans[-1][1] = max(spans[-1][1], pe)
                elif pe > ps:
                    spans.append([ps, pe])
        for ps, pe in spans:
            lo, hi = piece_range(offsets, ps, pe)
            seg = inside[lo:hi]
            feats = np.array([logit(seg.mean()), logit(seg.max()), logit(begin[lo:hi].max()),
                              logit(scores[lo:hi, 0].mean()), 0.0, math.log(pe - ps)], dtype=np.float32)
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
    decode: list[TechniqueDecode]                  # per technique ("spans": only `keep` is read)
    calibrator: Calibrator | None = None
    repetition: dict = field(default_factory=dict)   # propscan/repetition.py settings
    source: str = "channels"                       # "spans" or "both" (see the module docstring)
    span_decode: dict | None = None                # "spans": propscan.decoding.DecodeConfig fields
    second: float = 1.01                           # "spans": least probability of a second technique
    tagger_weight: float = 0.0                     # "spans": the tagger's share in naming the technique
    spans: "InstanceConfig | None" = None          # "both": the "spans" source's own config
    sources: list[str] | None = None               # "both": per technique "channels", "spans" or "both"

    @classmethod
    def from_dict(cls, data: dict, n: int) -> "InstanceConfig":
        """Raises ValueError (or TypeError) for an entry no `propscan train` writes."""
        source = data.get("source", "channels")
        if source not in ("channels", "spans", "both"):
            raise ValueError(f"unknown instance source {source!r}")
        if source == "spans" and not data.get("span_decode"):
            raise ValueError('source "spans" needs span_decode')
        if source == "both" and not data.get("spans"):
            raise ValueError('source "both" needs the "spans" source\'s config under spans')
        if data.get("sources") and (len(data["sources"]) != n or
                                    set(data["sources"]) - {"channels", "spans", "both"}):
            raise ValueError(f"sources must name channels, spans or both for each of the {n} techniques")
        decode = [TechniqueDecode(**d) for d in data.get("decode", [])] or [TechniqueDecode()] * n
        cal = data.get("calibrator")
        return cls(decode, Calibrator(**cal) if cal else None, dict(data.get("repetition", {})),
                   source, data.get("span_decode"), float(data.get("second", 1.01)),
                   float(data.get("tagger_weight", 0.0)),
                   cls.from_dict(data["spans"], n) if data.get("spans") else None,
                   list(data["sources"]) if data.get("sources") else None)

    def to_dict(self) -> dict:
        return {"decode": [asdict(d) for d in self.decode],
                "calibrator": self.calibrator.to_dict() if self.calibrator else None,
                "repetition": self.repetition, "source": self.source, "span_decode": self.span_decode,
                "second": self.second, "tagger_weight": self.tagger_weight,
                "spans": self.spans.to_dict() if self.spans is not None else None, "sources": self.sources}


def tagger_technique_probs(inside: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """The tagger's technique distribution for pieces lo..hi: its "inside technique k" outputs
    averaged over the span and normalised."""
    t = inside[lo:max(hi, lo + 1)].mean(0)
    total = float(t.sum())
    return t / total if total > 0 else np.full(len(t), 1 / len(t))


def span_candidates(text: str, offsets: np.ndarray, span_probs: np.ndarray, decode_cfg, second: float,
                    lexical_probs, inside: np.ndarray | None = None, tagger_weight: float = 0.0
                    ) -> list[Candidate]:
    """"spans" candidates: decoded spans, each with its most likely technique and, where the
    second most likely reaches `second`, that one too. The technique distribution is the
    word-level classifier's, averaged with the tagger's own (`inside`: its [n_pieces, n]
    "inside technique k" outputs) at `tagger_weight`."""
    from propscan.decoding import decode

    spans = decode(text, offsets, span_probs, decode_cfg)
    if not spans:
        return []
    probs = lexical_probs([(s, e) for s, e, _ in spans])
    out = []
    for (s, e, _), row in zip(spans, probs):
        lo, hi = piece_range(offsets, s, e)
        if tagger_weight > 0 and inside is not None:
            row = (1 - tagger_weight) * row + tagger_weight * tagger_technique_probs(inside, lo, hi)
        seg = span_probs[lo:hi]
        order = np.argsort(-row)
        for rank, k in enumerate(order[:2].tolist()):
            if rank == 1 and row[k] < second:
                break
            out.append(Candidate(s, e, k, np.array([logit(seg.mean()), logit(seg.max()), float(rank), 0.0,
                                                    logit(row[k]), math.log(e - s)], dtype=np.float32)))
    return out


def merge_sources(*kept: list[tuple[int, int, int, float]]) -> list[tuple[int, int, int, float]]:
    """Instances of several sources as one list: where two of the same technique overlap, the
    more confident stays (two sources finding one instance must not show it twice)."""
    out: list[tuple[int, int, int, float]] = []
    for s, e, k, p in sorted((r for rows in kept for r in rows), key=lambda r: (-r[3], r[0], r[1], r[2])):
        if not any(kk == k and min(e, ee) > max(s, ss) for ss, ee, kk, _ in out):
            out.append((s, e, k, p))
    return sorted(out, key=lambda r: (r[0], r[1], r[2]))


def select_sources(channels: list, spans: list, modes: list[str]) -> list[tuple[int, int, int, float]]:
    """The "both" source: per technique, the kept instances of the channels, of the spans, or of
    both (`modes[k]`), merged."""
    return merge_sources([r for r in channels if modes[r[2]] != "spans"],
                         [r for r in spans if modes[r[2]] != "channels"])


def instances(text: str, offsets: np.ndarray, scores: np.ndarray, cfg: InstanceConfig,
              lexical_probs=None) -> list[tuple[int, int, int, float]]:
    """(start, end, technique index, confidence) for every instance kept, sorted by position.

    `lexical_probs(spans) -> [n_spans, n_techniques]` is the word-level span classifier, a
    second opinion on each candidate's technique that costs no encoder pass ("spans": the
    only one). `scores[:, 0]` is the any-span probability."""
    if cfg.source == "both":
        modes = cfg.sources or ["both"] * len(cfg.decode)
        own = instances(text, offsets, scores, InstanceConfig(cfg.decode, cfg.calibrator), lexical_probs)
        other = instances(text, offsets, scores, cfg.spans, lexical_probs)
        return select_sources(own, other, modes)
    if cfg.source == "spans":
        from propscan.decoding import DecodeConfig

        n = len(cfg.decode)
        cands = span_candidates(text, offsets, scores[:, 0], DecodeConfig(**cfg.span_decode), cfg.second,
                                lexical_probs, scores[:, 1:1 + n] if scores.shape[1] > n else None,
                                cfg.tagger_weight) if len(offsets) else []
    else:
        cands = candidates(text, offsets, scores, cfg.decode)
    if cfg.source == "channels" and lexical_probs is not None and cands and cfg.calibrator is not None \
            and cfg.calibrator.lexical_weight:
        probs = lexical_probs([(c.start, c.end) for c in cands])
        for c, row in zip(cands, probs):
            c.features[4] = logit(row[c.technique])
    if cfg.calibrator is not None:
        conf = cfg.calibrator.confidence(cands)
    else:
        conf = np.array([1 / (1 + math.exp(-c.features[0])) for c in cands])
    out = [(c.start, c.end, c.technique, float(p)) for c, p in zip(cands, conf)
           if p >= cfg.decode[c.technique].keep]
    return sorted(out, key=lambda r: (r[0], r[1], r[2]))
