"""The task contracts as importable functions (the CLI tests drive the same through the entry
point): predict, classify and evaluate over a folder, and CheckThat! labelling."""

from __future__ import annotations

import shutil

import pytest

from propscan.errors import InputError
from propscan.io.ptc import LabelRow, read_text_file
from propscan.tasks import RunResult, classify, classify_rows, evaluate, label_claims, predict_rows
from propscan.techniques import LABELS


@pytest.fixture()
def folder(tmp_path, train_dir):
    out = tmp_path / "articles"
    out.mkdir()
    for path in sorted((train_dir / "articles").glob("article*.txt"))[:2]:
        shutil.copy(path, out / path.name)
    (out / "article1.txt").write_text("   \n", encoding="utf-8")   # empty: reported, skipped
    return out


def test_predict_rows_cover_every_readable_article_and_report_the_empty_one(analyzer, folder):
    result = RunResult()
    rows = predict_rows(analyzer, folder, result, workers=1)
    ids = {p.name[len("article"):-len(".txt")] for p in folder.glob("article*.txt")} - {"1"}
    assert {aid for aid, *_ in rows} <= ids and result.articles == 2
    assert result.failures == [f"{folder / 'article1.txt'}: empty article, skipped"]
    for aid, technique, start, end in rows:
        assert technique in LABELS and 0 <= start < end <= len(read_text_file(folder / f"article{aid}.txt"))
    # exactly the analyzer's spans of each article, in folder order: an empty result only when
    # the analyzer itself finds nothing
    expected = []
    for path in sorted(folder.glob("article*.txt")):
        aid = path.name[len("article"):-len(".txt")]
        if aid != "1":
            expected += [(aid, s.technique, s.start, s.end) for s in analyzer.analyze(read_text_file(path)).spans]
    assert rows == expected


def test_classify_keeps_one_row_per_input_span_in_order_even_for_bad_spans(analyzer, folder, tmp_path):
    aid = sorted(p.name for p in folder.glob("article*.txt"))[-1][len("article"):-len(".txt")]
    n = len(read_text_file(folder / f"article{aid}.txt"))
    spans = [LabelRow(aid, 0, 10, None, 2), LabelRow("404", 0, 5, None, 3), LabelRow(aid, n, n + 5, None, 4),
             LabelRow(aid, 0, 10, None, 5)]
    result = RunResult()
    rows = classify_rows(analyzer, folder, spans, result)
    assert [(r[0], r[2], r[3]) for r in rows] == [(s.article_id, s.start, s.end) for s in spans]
    assert all(r[1] in LABELS for r in rows)
    assert len(result.failures) == 2
    assert any("article 404 (line 3)" in f for f in result.failures)
    assert any(f.startswith("line 4: span") and "past the end" in f for f in result.failures)
    empty = tmp_path / "none.tsv"
    empty.write_text("article_id\tstart\tend\n", encoding="utf-8")
    with pytest.raises(InputError, match="no spans to classify"):
        classify(analyzer, folder, empty, tmp_path / "out.tsv")


def test_evaluate_with_gold_labels_gives_si_the_full_task_and_tc(analyzer, folder, train_dir, tmp_path):
    ids = {p.name[len("article"):-len(".txt")] for p in folder.glob("article*.txt")}
    lines = (train_dir / "labels.tsv").read_text(encoding="utf-8").splitlines()
    gold = tmp_path / "gold.tsv"
    gold.write_text("\n".join([lines[0]] + [x for x in lines[1:] if x.split("\t")[0] in ids]) + "\n",
                    encoding="utf-8")
    ev = evaluate(analyzer, folder, gold).to_dict()
    assert set(ev) == {"si", "full", "tc", "shape", "reliability", "articles", "in_sample_articles"}
    seen = analyzer.model.config.trained_on
    assert ev["articles"] == len(ids)
    assert ev["in_sample_articles"] == (None if seen is None else len(ids & seen))
    assert 0.0 <= ev["si"]["f1"] <= 1.0 and ev["tc"]["n"] == len(lines[1:]) - sum(
        1 for x in lines[1:] if x.split("\t")[0] not in ids)


def test_label_claims_answers_every_row_in_order(checkworthy_rows, tmp_path):
    src, n = checkworthy_rows
    out = tmp_path / "labels.tsv"
    problems = label_claims(src, out)
    got = out.read_text(encoding="utf-8").splitlines()
    assert got[0].split("\t")[1] == "class_label" and len(got) == n + 1
    assert {line.split("\t")[1] for line in got[1:]} <= {"Yes", "No"} and problems == []


@pytest.fixture()
def checkworthy_rows(data_dir, tmp_path):
    lines = (data_dir / "checkworthy" / "dev-test.tsv").read_text(encoding="utf-8").splitlines()[:9]
    src = tmp_path / "in.tsv"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return src, len(lines) - 1
