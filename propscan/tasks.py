"""The task contracts behind `propscan predict`, `classify` and `evaluate` (SemEval-2020
Task 11) and `propscan claims` (CheckThat! 2024 Task 1).

These are how propscan is scored on test sets we never see, so their output formats are
fixed: see docs/cli.md.
"""

from __future__ import annotations

import multiprocessing
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from propscan import metrics
from propscan.analyzer import Analyzer
from propscan.domain import Article
from propscan.errors import InputError, PropscanError
from propscan.io.ptc import LabelRow, article_paths, read_article, read_rows, read_text_file
from propscan.io.semeval import write_rows

Progress = Callable[[str], None]


@dataclass
class RunResult:
    rows: int = 0
    articles: int = 0
    failures: list[str] = field(default_factory=list)   # one line per file that could not be used


def _read_folder(folder: Path, result: RunResult, paths: dict | None = None) -> dict:
    """Every readable article of the folder by id; unreadable files go to result.failures.
    `paths`, when given, receives the file of each article id."""
    articles = {}
    for path in article_paths(folder):
        try:
            article = read_article(path)
        except PropscanError as e:
            result.failures.append(e.message)
            continue
        articles[article.id] = article
        if paths is not None:
            paths[article.id] = path
    return articles


def default_workers(n_articles: int) -> int:
    """One process per core: on 2 cores two single-threaded ONNX Runtime sessions get through
    about 1.5x more articles than one session with two threads (less time waiting on each other)."""
    return max(1, min(os.cpu_count() or 1, n_articles // 4))


_worker_analyzer: Analyzer | None = None


def _start_worker(model_path: str, decode_config, overrides: dict | None) -> None:
    global _worker_analyzer
    _worker_analyzer = Analyzer(model_path, threads=1, decode_config=decode_config, overrides=overrides)


def _rows_of(analyzer: Analyzer, article: Article) -> list[tuple[str, str, int, int, float]]:
    return [(article.id, s.technique, s.start, s.end, s.confidence) for s in analyzer.analyze(article).spans]


def _analyse_in_worker(article: Article) -> list[tuple[str, str, int, int, float]]:
    return _rows_of(_worker_analyzer, article)


def predict_rows(analyzer: Analyzer, folder: Path, result: RunResult | None = None,
                 progress: Progress | None = None, workers: int | None = None,
                 ids: set[str] | None = None, with_confidence: bool = False) -> list[tuple]:
    """One (article_id, technique, start, end) per technique instance, every article of the
    folder (or those in `ids`), in folder order; with `with_confidence`, a fifth column.
    `workers` > 1 analyses in that many processes (default: one per core)."""
    result = result if result is not None else RunResult()
    paths: dict = {}
    articles = []
    for aid, article in _read_folder(folder, result, paths).items():
        if ids is not None and aid not in ids:
            continue
        if not article.text.strip():
            result.failures.append(f"{paths[aid]}: empty article, skipped")
        else:
            articles.append(article)
    workers = default_workers(len(articles)) if workers is None else workers
    if workers > 1:
        # spawn, not fork: a forked ONNX Runtime session shares thread pools with its parent
        ctx = multiprocessing.get_context("spawn")
        # Longest articles first, so that no worker is left with a long one at the end; the
        # rows still come out in folder order.
        order = sorted(range(len(articles)), key=lambda i: -len(articles[i].text))
        found: list = [None] * len(articles)
        with ctx.Pool(workers, _start_worker, (str(analyzer.model.path), analyzer.decode_config,
                                               analyzer.overrides)) as pool:
            for i, rows in zip(order, pool.imap(_analyse_in_worker, [articles[i] for i in order])):
                found[i] = rows
                if progress:
                    progress(articles[i].id)
        return _collect(articles, found, result, None, with_confidence)
    per_article = (_rows_of(analyzer, a) for a in articles)
    return _collect(articles, per_article, result, progress, with_confidence)


def _collect(articles, per_article, result: RunResult, progress: Progress | None, with_confidence: bool):
    rows = []
    for article, found in zip(articles, per_article):
        rows += found if with_confidence else [r[:4] for r in found]
        result.articles += 1
        if progress:
            progress(article.id)
    return rows


def predict(analyzer: Analyzer, folder: Path, out: Path, progress: Progress | None = None,
            workers: int | None = None) -> RunResult:
    result = RunResult()
    rows = predict_rows(analyzer, folder, result, progress, workers)
    result.rows = write_rows(out, rows)
    return result


def classify_rows(analyzer: Analyzer, folder: Path, spans: list[LabelRow], result: RunResult
                  ) -> list[tuple[str, str, int, int]]:
    """Exactly one (article_id, technique, start, end) per input span, in input order.

    A span whose article is missing or unreadable, or which lies outside its text, still gets
    a row (the most frequent technique) so the output stays aligned; it is reported."""
    articles = _read_folder(folder, result)
    by_article: dict[str, list[int]] = {}
    for i, row in enumerate(spans):
        by_article.setdefault(row.article_id, []).append(i)
    labels: list[str | None] = [None] * len(spans)
    fallback = analyzer.labels[0]
    for aid, idx in by_article.items():
        article = articles.get(aid)
        if article is None:
            result.failures.append(f"article {aid} (line {spans[idx[0]].line}): no readable "
                                   f"article{aid}.txt or {aid}.txt in {folder}")
            continue
        ok = [i for i in idx if spans[i].end <= len(article.text)]
        for i in set(idx) - set(ok):
            result.failures.append(f"line {spans[i].line}: span {spans[i].start}-{spans[i].end} "
                                   f"is past the end of article {aid} ({len(article.text)} characters)")
        for i, (label, _) in zip(ok, analyzer.classify_labels(article.text, [(spans[i].start, spans[i].end) for i in ok])):
            labels[i] = label
        result.articles += 1
    return [(r.article_id, labels[i] or fallback, r.start, r.end) for i, r in enumerate(spans)]


def classify(analyzer: Analyzer, folder: Path, spans_file: Path, out: Path) -> RunResult:
    result = RunResult()
    spans = read_rows(spans_file, with_technique=False)
    if not spans:
        raise InputError(f"{spans_file}: no spans to classify")
    result.rows = write_rows(out, classify_rows(analyzer, folder, spans, result))
    return result


@dataclass
class Evaluation:
    si: metrics.Score
    full: metrics.FullScore | None = None
    tc: metrics.ClassificationScore | None = None
    failures: list[str] = field(default_factory=list)
    shape: metrics.Shape | None = None          # the predicted spans
    gold_shape: metrics.Shape | None = None     # the annotators' spans of the same articles
    reliability: metrics.Reliability | None = None
    articles: int = 0          # articles measured
    in_sample: int | None = None   # of them, how many the model was trained or tuned on (None: unknown)

    def to_dict(self) -> dict:
        out = {"si": self.si.to_dict(), "articles": self.articles, "in_sample_articles": self.in_sample}
        if self.shape:
            out["shape"] = {"predicted": self.shape.to_dict(), "gold": self.gold_shape.to_dict()}
        if self.reliability:
            out["reliability"] = self.reliability.to_dict()
        if self.full:
            out["full"] = {"overall": self.full.overall.to_dict(),
                           "per_technique": {k: v.to_dict() for k, v in self.full.per_technique.items()}}
        if self.tc:
            out["tc"] = {"micro_f1": self.tc.micro_f1, "n": self.tc.n,
                         "per_technique": {k: v.to_dict() for k, v in self.tc.per_technique.items()}}
        return out


def evaluate(analyzer: Analyzer, folder: Path, gold_file: Path, progress: Progress | None = None,
             ids: set[str] | None = None) -> Evaluation:
    """Official measures of the model on a folder with gold spans (3 columns: SI only) or gold
    labels (4 columns: SI, the full task, TC on the gold spans, and the calibration of span
    confidences), and the shape of the predicted spans beside the annotators'. `ids` limits
    it to those articles (a held-out split)."""
    first = [line for line in read_text_file(Path(gold_file)).split("\n")
             if line.strip() and not line.startswith("article_id")][:1]
    with_technique = bool(first) and len(first[0].split("\t")) == 4
    gold_rows = read_rows(gold_file, with_technique)
    from propscan.io.ptc import article_id_for

    # the official scorer refuses mismatched sets: so do we, instead of dropping gold rows
    missing = sorted({r.article_id for r in gold_rows} - {article_id_for(p) for p in article_paths(folder)})
    if missing:
        raise InputError(f"{gold_file}: gold rows for {len(missing)} article(s) not in {folder} "
                         f"({', '.join(missing[:5])}{', ...' if len(missing) > 5 else ''}); give the folder "
                         "of every gold article, or a gold file of this folder's articles only")
    result = RunResult()
    pred5 = predict_rows(analyzer, folder, result, progress, ids=ids, with_confidence=True)
    pred = [r[:4] for r in pred5]
    evaluated = {aid for aid, *_ in pred} | {a for a in _read_folder(folder, RunResult()) if ids is None or a in ids}
    gold_rows = [r for r in gold_rows if r.article_id in evaluated]
    gold_si: dict[str, list] = {}
    for r in gold_rows:
        gold_si.setdefault(r.article_id, []).append((r.start, r.end))
    pred_si: dict[str, list] = {}
    for aid, _, s, e in pred:
        pred_si.setdefault(aid, []).append((s, e))
    seen = analyzer.model.config.trained_on
    ev = Evaluation(metrics.span_identification(pred_si, gold_si), failures=result.failures,
                    shape=metrics.shape((s, e, t) for _, t, s, e in pred),
                    gold_shape=metrics.shape((r.start, r.end, r.technique or "(any)") for r in gold_rows),
                    articles=len(evaluated), in_sample=None if seen is None else len(evaluated & seen))
    if with_technique:
        gold_full: dict[str, list] = {}
        for r in gold_rows:
            gold_full.setdefault(r.article_id, []).append((r.start, r.end, r.technique))
        pred_full: dict[str, list] = {}
        for aid, t, s, e in pred:
            pred_full.setdefault(aid, []).append((s, e, t))
        ev.full = metrics.full_task(pred_full, gold_full)
        ev.reliability = metrics.reliability([c for *_, c in pred5],
                                             [metrics.matches((s, e, t), gold_full.get(aid, []))
                                              for aid, t, s, e, _ in pred5])
        spans = [LabelRow(r.article_id, r.start, r.end, None, r.line) for r in gold_rows]
        labelled = classify_rows(analyzer, folder, spans, RunResult())
        ev.tc = metrics.technique_classification([r.technique for r in gold_rows], [t for _, t, _, _ in labelled],
                                                 [(r.article_id, r.start, r.end) for r in gold_rows])
    return ev


def label_claims(input_path: Path, output: Path, model: Path | None = None) -> list[str]:
    """Write `Sentence_id<TAB>class_label` (Yes/No) for every row of a CheckThat! TSV file, in
    order, and return the problems found (one line each, with the line number). A row without
    text is answered No."""
    from propscan.claims import ClaimDetector
    from propscan.io.checkworthy import read_claim_file, write_claim_labels

    data = read_claim_file(input_path)
    detector = ClaimDetector(model)
    texts = [r.text for r in data.rows]
    with_text = [i for i, t in enumerate(texts) if t]
    labels = ["No"] * len(texts)
    for i, yes in zip(with_text, detector.predict([texts[i] for i in with_text])):
        labels[i] = "Yes" if yes else "No"
    write_claim_labels(output, [r.sentence_id for r in data.rows], labels)
    return data.problems
