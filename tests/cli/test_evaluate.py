"""`propscan evaluate ARTICLES_DIR GOLD.tsv`: the official measures, printed or as JSON."""

from __future__ import annotations

import json
import shutil

from propscan import metrics
from propscan.io.ptc import read_articles, read_rows
from propscan.techniques import LABELS
from tests.cli.conftest import assert_clean_failure


def gold_for(source, ids, out):
    lines = source.read_text(encoding="utf-8").splitlines()
    out.write_text("\n".join([lines[0]] + [ln for ln in lines[1:] if ln.split("\t")[0] in ids]) + "\n",
                   encoding="utf-8")
    return out


def test_evaluate_prints_the_si_measure(cli, three_dev_articles, ptc_dir, tmp_path):
    ids = {a.id for a in read_articles(three_dev_articles)}
    gold = gold_for(ptc_dir / "dev" / "spans.tsv", ids, tmp_path / "gold.tsv")
    res = cli("evaluate", three_dev_articles, gold)
    assert res.rc == 0, res.err
    assert "SI (spans)" in res.out and "Official measures" in res.out
    assert "Traceback" not in res.err


def test_evaluate_json_si_matches_the_measure_on_the_analyzer_output(cli, analyzer, three_dev_articles,
                                                                     ptc_dir, tmp_path):
    articles = read_articles(three_dev_articles)
    gold = gold_for(ptc_dir / "dev" / "spans.tsv", {a.id for a in articles}, tmp_path / "gold.tsv")
    res = cli("evaluate", three_dev_articles, gold, "--json")
    assert res.rc == 0, res.err
    data = json.loads(res.out)
    assert set(data) == {"si", "shape"}
    assert data["shape"]["gold"]["n"] == len(read_rows(gold, with_technique=False))
    gold_si: dict = {}
    for r in read_rows(gold, with_technique=False):
        gold_si.setdefault(r.article_id, []).append((r.start, r.end))
    pred_si = {a.id: [(s.start, s.end) for s in analyzer.analyze(a).spans] for a in articles}
    assert data["si"] == metrics.span_identification(pred_si, gold_si).to_dict()
    assert data["si"]["n_gold"] == sum(len(metrics.merge(v)) for v in gold_si.values())


def test_evaluate_with_technique_labels_adds_full_task_and_tc(cli, train_dir, tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    paths = sorted((train_dir / "articles").glob("article*.txt"))[:2]
    for p in paths:
        shutil.copy(p, folder / p.name)
    ids = {p.stem[len("article"):] for p in paths}
    gold = gold_for(train_dir / "labels.tsv", ids, tmp_path / "labels.tsv")
    n_rows = len(read_rows(gold, with_technique=True))
    res = cli("evaluate", folder, gold, "--json")
    assert res.rc == 0, res.err
    data = json.loads(res.out)
    assert set(data) == {"si", "full", "tc", "shape", "reliability"}
    assert data["tc"]["n"] == n_rows
    assert 0 <= data["tc"]["micro_f1"] <= 1
    assert 0 <= data["full"]["overall"]["f1"] <= 1
    assert set(data["full"]["per_technique"]) <= set(LABELS)
    res = cli("evaluate", folder, gold)
    assert "Full task" in res.out and "TC (micro-F1" in res.out


def test_a_missing_gold_file_is_one_line(cli, three_dev_articles, tmp_path):
    res = cli("evaluate", three_dev_articles, tmp_path / "gold.tsv")
    [line] = assert_clean_failure(res, str(tmp_path / "gold.tsv"), "no such file", rc=2)
    assert res.err.strip() == line


def test_a_non_utf8_gold_file_is_one_line(cli, three_dev_articles, tmp_path):
    gold = tmp_path / "gold.tsv"
    gold.write_bytes(b"article_id\tstart\tend\n1\t0\t5\xff\n")
    assert_clean_failure(cli("evaluate", three_dev_articles, gold), str(gold), "not valid UTF-8", rc=2)


def test_a_malformed_gold_line_names_file_and_line(cli, three_dev_articles, tmp_path):
    gold = tmp_path / "gold.tsv"
    gold.write_text("article_id\tstart\tend\n1\t0\t5\n1\t9\t2\n", encoding="utf-8")
    assert_clean_failure(cli("evaluate", three_dev_articles, gold), f"{gold}:3: need 0 <= start < end", rc=2)


def test_evaluate_ids_limits_the_measures_to_the_listed_articles(cli, train_dir, tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    paths = sorted((train_dir / "articles").glob("article*.txt"))[:2]
    for p in paths:
        shutil.copy(p, folder / p.name)
    ids = [p.stem[len("article"):] for p in paths]
    gold = gold_for(train_dir / "labels.tsv", set(ids), tmp_path / "labels.tsv")
    listed = tmp_path / "ids.txt"
    listed.write_text(f"# one of the two\n{ids[0]}\n", encoding="utf-8")
    res = cli("evaluate", folder, gold, "--json", "--ids", listed)
    assert res.rc == 0, res.err
    data = json.loads(res.out)
    n_first = sum(r.article_id == ids[0] for r in read_rows(gold, with_technique=True))
    assert data["tc"]["n"] == n_first == data["shape"]["gold"]["n"]
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n", encoding="utf-8")
    assert_clean_failure(cli("evaluate", folder, gold, "--ids", empty), "no article ids")
