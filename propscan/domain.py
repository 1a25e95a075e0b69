"""Plain data that flows through propscan: Article in, Analysis out.

Nothing here knows about files, HTTP or ONNX, so every front end (CLI, server, batch, spaCy)
can build, serialise and compare these objects the same way.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

DEPRECATED_ALIASES = {"targets": "target_summary"}
"""Old payload keys still written next to their new name, for one release (see CHANGELOG.md)."""


TITLE_CHARS = 120
"""How long a title shown for an article may be (pages, reports, dashboard, the viewer)."""


def headline(title: str | None, text: str, default: str = "") -> str:
    """What to call an article: its title, else the first line of its text (PTC articles start
    with their headline), cut to TITLE_CHARS; `default` when both are empty."""
    name = (title or "").strip() or text.strip().split("\n", 1)[0].strip()
    return name[:TITLE_CHARS] or default


def _known(cls, data: dict[str, Any]) -> dict[str, Any]:
    """The keys of `data` that are fields of `cls`: payloads from newer versions still load."""
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


@dataclass(frozen=True)
class Article:
    id: str
    text: str
    title: str | None = None
    source: str | None = None
    date: str | None = None
    url: str | None = None

    @property
    def full_title(self) -> str:
        """The explicit title, else the first line of the text (see `headline`)."""
        return headline(self.title, self.text)


@dataclass(frozen=True, order=True)
class Span:
    """A character span of the article text; `end` is exclusive, as in the PTC files."""

    start: int
    end: int
    technique: str
    confidence: float = 1.0
    text: str = ""
    target: str | None = None
    """The entity or group the span is aimed at (the `targets` layer), when known."""
    voice: str | None = None
    """Whose words the span is: "author" (the article's own voice) or "quoted" (the `voice`
    layer), when known."""
    speaker: str | None = None
    """Who is quoted, when the span is quoted and the speaker is known (the `voice` layer)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Claim:
    """A check-worthy sentence (propscan.claims): a factual claim worth fact-checking."""

    text: str
    start: int
    end: int
    score: float
    """Probability the sentence is check-worthy (0 to 1)."""
    entities: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    techniques: list[str] = field(default_factory=list)
    """Technique labels of the spans that overlap the claim, in text order, each once."""

    @property
    def priority(self) -> float:
        """Where the claim ranks in "what to check first": see CLAIM_RANKING."""
        return round(self.score * (1 + 0.25 * min(len(self.techniques), 4)), 4)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "priority": self.priority}


CLAIM_RANKING = ("Claims ranked by priority = check-worthiness score x (1 + 0.25 x the number of different "
                 "techniques in the spans overlapping the claim, counting at most 4): a claim wrapped in "
                 "persuasion ranks up to twice as high as the same claim stated plainly.")
"""The ranking rule, in the words the CLI and the page show it."""


def ranked_claims(claims: list[Claim]) -> list[Claim]:
    """`claims` by priority, highest first (ties: text order)."""
    return sorted(claims, key=lambda c: (-c.priority, c.start))


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    score: float
    """Highest propaganda probability of any word piece in the sentence (0 to 1)."""
    text: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Analysis:
    article_id: str
    text: str
    spans: list[Span]
    sentences: list[Sentence]
    score: float
    """Article score in [0, 1]: the sentence scores averaged, weighted by sentence length."""
    model_version: str
    title: str | None = None
    technique_counts: dict[str, int] = field(default_factory=dict)
    claims: list[Claim] = field(default_factory=list)
    """Check-worthy sentences; empty unless the `claims` layer was applied (propscan.enrich)."""

    def target_summary(self, top: int = 3) -> dict[str, list[tuple[str, int]]]:
        """The most targeted entities per technique: {technique: [(target, spans), ...]}."""
        counts: dict[str, dict[str, int]] = {}
        for s in self.spans:
            if s.target:
                per = counts.setdefault(s.technique, {})
                per[s.target] = per.get(s.target, 0) + 1
        return {t: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:top] for t, c in counts.items()}

    def speaker_summary(self) -> list[dict[str, Any]]:
        """Techniques summed per speaker, the author included, for spans the `voice` layer has
        seen: [{"speaker": name or None, "voice": "author"|"quoted", "spans": n,
        "techniques": {label: n}}, ...], most spans first. Quoted spans whose speaker is not
        known are summed under speaker None with voice "quoted"."""
        groups: dict[tuple[str, str | None], dict[str, int]] = {}
        for s in self.spans:
            if s.voice is None:
                continue
            key = (s.voice, s.speaker if s.voice == "quoted" else None)
            per = groups.setdefault(key, {})
            per[s.technique] = per.get(s.technique, 0) + 1
        rows = [{"speaker": who, "voice": voice, "spans": sum(c.values()),
                 "techniques": dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))}
                for (voice, who), c in groups.items()]
        return sorted(rows, key=lambda r: (-r["spans"], r["voice"], r["speaker"] or ""))

    def to_dict(self) -> dict[str, Any]:
        """The one serialised shape of an Analysis: what `propscan analyze --json` prints, the
        REST API's `analysis`, the server's saved records and spaCy's `doc._.propscan`
        (documented field by field in docs/analysis.md)."""
        out = {
            "article_id": self.article_id,
            "title": self.title,
            "model_version": self.model_version,
            "score": self.score,
            "technique_counts": dict(self.technique_counts),
            "spans": [s.to_dict() for s in self.spans],
            "sentences": [s.to_dict() for s in self.sentences],
            "claims": [c.to_dict() for c in self.claims],
            "target_summary": {t: [{"target": x, "spans": n} for x, n in v]
                               for t, v in self.target_summary().items()},
            "speaker_summary": self.speaker_summary(),
            "text": self.text,
        }
        for old, new in DEPRECATED_ALIASES.items():
            out[old] = out[new]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Analysis":
        """Reads what `to_dict` writes, and what earlier versions wrote (derived keys such as
        `target_summary` are recomputed, unknown keys ignored)."""
        return cls(
            article_id=data["article_id"],
            text=data["text"],
            spans=[Span(**_known(Span, s)) for s in data["spans"]],
            sentences=[Sentence(**_known(Sentence, s)) for s in data["sentences"]],
            score=data["score"],
            model_version=data["model_version"],
            title=data.get("title"),
            technique_counts=dict(data.get("technique_counts", {})),
            claims=[Claim(**_known(Claim, c)) for c in data.get("claims", [])],
        )

    def filtered(self, threshold: float = 0.0, techniques: set[str] | None = None) -> "Analysis":
        """The same analysis keeping only spans at or above `threshold` of the given techniques."""
        spans = [s for s in self.spans if s.confidence >= threshold
                 and (techniques is None or s.technique in techniques)]
        counts: dict[str, int] = {}
        for s in spans:
            counts[s.technique] = counts.get(s.technique, 0) + 1
        return Analysis(self.article_id, self.text, spans, self.sentences, self.score,
                        self.model_version, self.title, counts, self.claims)
