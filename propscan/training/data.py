"""Training examples from PTC folders."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from propscan.domain import Article
from propscan.features import span_context, span_features
from propscan.errors import InputError
from propscan.io.ptc import LabelRow, read_articles, read_rows, read_text_file
from propscan.sentences import sentence_ranges
from propscan.techniques import LABELS
from propscan.tokens import pieces, window_batch, windows

LABEL_INDEX = {label: i for i, label in enumerate(LABELS)}


@dataclass
class Corpus:
    articles: dict[str, Article]
    rows: list[LabelRow]

    def spans_by_article(self) -> dict[str, list[LabelRow]]:
        out: dict[str, list[LabelRow]] = defaultdict(list)
        for r in self.rows:
            out[r.article_id].append(r)
        return out


def load_corpus(root: Path, labels_file: str = "labels.tsv") -> Corpus:
    """A PTC split: `root/articles/*.txt` and `root/<labels_file>` (with or without techniques)."""
    root = Path(root)
    articles = {a.id: a for a in read_articles(root / "articles")}
    path = root / labels_file
    lines = [ln for ln in read_text_file(path).split("\n") if ln.strip() and not ln.startswith("article_id")]
    if not lines:
        raise InputError(f"{path}: no labelled spans")
    with_technique = len(lines[0].split("\t")) == 4
    rows = [r for r in read_rows(path, with_technique) if r.article_id in articles]
    return Corpus(articles, rows)


def tagger_windows(corpus: Corpus, tokenizer, size: int, stride: int, ids: list[str] | None = None):
    """(input_ids, attention_mask, labels) windows. labels[:, 0] is 1 for pieces inside any gold
    span; labels[:, 1 + k] is 1 for pieces inside a span of technique k; labels[:, 1 + n + k] is 1
    for the first piece of a span of technique k; -1 marks [CLS]/[SEP]/padding."""
    spans = corpus.spans_by_article()
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    out = []
    for aid in ids or sorted(corpus.articles):
        text = corpus.articles[aid].text
        p = pieces(tokenizer, text)
        labels = piece_labels(text, p.offsets, spans.get(aid, []))
        for a, b in windows(len(p), size, stride):
            x, m = window_batch(p.ids, [(a, b)], cls_id, sep_id)
            y = np.full((x.shape[1], labels.shape[1]), -1.0, dtype=np.float32)
            y[1:b - a + 1] = labels[a:b]
            out.append((x[0], m[0], y))
    return out


def piece_labels(text: str, offsets: np.ndarray, rows) -> np.ndarray:
    """[n_pieces, 1 + 2 n_labels] targets of the tagger for one article (see tagger_windows)."""
    n = len(LABELS)
    inside = np.zeros((len(text) + 1, 1 + n), dtype=np.int8)
    out = np.zeros((len(offsets), 1 + 2 * n), dtype=np.float32)
    starts = offsets[:, 0] if len(offsets) else np.zeros(0, dtype=np.int64)
    for r in rows:
        inside[r.start:r.end, 0] = 1
        if r.technique in LABEL_INDEX:
            k = LABEL_INDEX[r.technique]
            inside[r.start:r.end, 1 + k] = 1
            # the piece that holds the span's first character (or the first piece after it)
            first = int(np.searchsorted(offsets[:, 1], r.start, side="right")) if len(offsets) else 0
            if first < len(offsets) and starts[first] < r.end:
                out[first, 1 + n + k] = 1
    for i, (s, e) in enumerate(offsets):
        if e > s:
            out[i, :1 + n] = inside[s:e].max(axis=0)
    return out


@dataclass
class SpanExample:
    article_id: str
    start: int
    end: int
    span: str
    context: str
    features: np.ndarray
    label: int


def span_examples(corpus: Corpus, ids: set[str] | None = None) -> list[SpanExample]:
    cache: dict[str, tuple[str, list]] = {}
    out = []
    for r in corpus.rows:
        if ids is not None and r.article_id not in ids:
            continue
        text = corpus.articles[r.article_id].text
        if r.article_id not in cache:
            cache[r.article_id] = (text.lower(), sentence_ranges(text))
        lowered, sents = cache[r.article_id]
        out.append(SpanExample(r.article_id, r.start, r.end, text[r.start:r.end], span_context(text, r.start, r.end, sents),
                               span_features(text, r.start, r.end, lowered),
                               LABEL_INDEX.get(r.technique, -1)))
    return out
