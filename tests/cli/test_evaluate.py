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
    assert set(data) == {"si", "shape", "articles", "in_sample_articles"}
    assert data["articles"] == len(articles)
    assert data["shape"]["gold"]["n"] == len(read_rows(gold, with_technique=False))
    gold_si: dict = {}
    for r in read_rows(gold, with_technique=False):
        gold_si.setdefault(r.article_id, []).append((r.start, r.end))
    pred_si = {a.id: [(s.start, s.end) for s in analyzer.analyze(a).spans] for a in articles}
    assert data["si"] == metrics.span_identification(pred_si, gold_si).to_dict()
    assert data["si"]["n_gold"] == sum(len(metrics.merge(v)) for v in gold_si.values())


def test_evaluate_says_when_the_model_was_trained_on_articles_it_measures(cli, three_dev_articles, ptc_dir, tmp_path):
    ids = sorted(a.id for a in read_articles(three_dev_articles))
    gold = gold_for(ptc_dir / "dev" / "spans.tsv", set(ids), tmp_path / "gold.tsv")
    # `trained_on` is what `propscan train` writes into config.json; --set puts it in memory only
    res = cli("evaluate", three_dev_articles, gold, "--json", "--set", f'trained_on=["{ids[0]}", "not-here"]')
    assert res.rc == 0, res.err
    data = json.loads(res.out)
    assert (data["articles"], data["in_sample_articles"]) == (3, 1)
    assert "trained or tuned on 1 of these 3 articles" in res.err and "in-sample" in res.err
    res = cli("evaluate", three_dev_articles, gold, "--json", "--set", "trained_on=[]")
    assert res.rc == 0 and json.loads(res.out)["in_sample_articles"] == 0
    assert "in-sample" not in res.err
    res = cli("evaluate", three_dev_articles, gold, "--json", "--set", "trained_on=null")
    assert json.loads(res.out)["in_sample_articles"] is None and "in-sample" not in res.err
    res = cli("evaluate", three_dev_articles, gold, "--json", "--set", f'trained_on="{ids[0]}"')
    assert res.rc == 3 and "trained_on is str, not a list" in res.err and "Traceback" not in res.err


def two_training_articles(train_dir, tmp_path):
    """A folder with the first two training articles, and their ids in folder order."""
    folder = tmp_path / "articles"
    folder.mkdir()
    paths = sorted((train_dir / "articles").glob("article*.txt"))[:2]
    for p in paths:
        shutil.copy(p, folder / p.name)
    return folder, [p.stem[len("article"):] for p in paths]


def test_evaluate_with_technique_labels_adds_full_task_and_tc(cli, train_dir, tmp_path):
    folder, ids = two_training_articles(train_dir, tmp_path)
    ids = set(ids)
    gold = gold_for(train_dir / "labels.tsv", ids, tmp_path / "labels.tsv")
    n_rows = len(read_rows(gold, with_technique=True))
    res = cli("evaluate", folder, gold, "--json")
    assert res.rc == 0, res.err
    data = json.loads(res.out)
    assert set(data) == {"si", "full", "tc", "shape", "reliability", "articles", "in_sample_articles"}
    assert data["tc"]["n"] == n_rows
    assert 0 <= data["tc"]["micro_f1"] <= 1
    assert 0 <= data["full"]["overall"]["f1"] <= 1
    assert set(data["full"]["per_technique"]) <= set(LABELS)
    res = cli("evaluate", folder, gold)
    assert "Full task" in res.out and "TC (micro-F1" in res.out


def _rows(path):
    return [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_evaluate_gives_the_known_answer_for_a_gold_made_from_the_predictions(cli, train_dir, tmp_path):
    """Gold = the model's own predicted spans and techniques: SI and the full task match exactly.
    Gold = those spans with the techniques `classify` gives them: TC is right on every span, and
    on every span but one once one technique is changed."""
    folder = tmp_path / "articles"
    folder.mkdir()
    for p in sorted((train_dir / "articles").glob("article*.txt"))[:3]:
        shutil.copy(p, folder / p.name)
    pred = tmp_path / "pred.tsv"
    assert cli("predict", folder, "-o", pred).rc == 0
    rows = _rows(pred)
    assert len(rows) >= 2, "the model should find spans in three training articles"
    gold = tmp_path / "gold.tsv"
    gold.write_text("article_id\ttechnique\tstart\tend\n" + "".join("\t".join(r) + "\n" for r in rows),
                    encoding="utf-8")
    data = json.loads(cli("evaluate", folder, gold, "--json").out)
    assert data["si"]["precision"] == data["si"]["recall"] == data["si"]["f1"] == 1.0
    assert data["full"]["overall"]["precision"] == data["full"]["overall"]["recall"] == 1.0

    # one row per span, labelled by `classify`
    seen, spans = set(), []
    for aid, _, start, end in rows:
        if (aid, start, end) not in seen:
            seen.add((aid, start, end))
            spans.append([aid, start, end])
    spans_file, labelled = tmp_path / "spans.tsv", tmp_path / "labelled.tsv"
    spans_file.write_text("".join("\t".join(r) + "\n" for r in spans), encoding="utf-8")
    assert cli("classify", folder, spans_file, "-o", labelled).rc == 0
    gold_rows = _rows(labelled)
    assert len(gold_rows) == len(spans)
    gold.write_text("".join("\t".join(r) + "\n" for r in gold_rows), encoding="utf-8")
    data = json.loads(cli("evaluate", folder, gold, "--json").out)
    n = len(gold_rows)
    assert data["tc"]["n"] == n and data["tc"]["micro_f1"] == 1.0
    assert data["si"]["f1"] == 1.0
    # change the technique of the first gold span to one that neither command gave
    other = next(t for t in LABELS if t not in {r[1] for r in rows + gold_rows})
    gold_rows[0][1] = other
    gold.write_text("".join("\t".join(r) + "\n" for r in gold_rows), encoding="utf-8")
    data = json.loads(cli("evaluate", folder, gold, "--json").out)
    assert data["tc"]["micro_f1"] == (n - 1) / n
    assert data["si"]["f1"] == 1.0                      # the spans did not move
    assert data["full"]["per_technique"][other]["recall"] == 0.0


def test_tc_aligns_the_techniques_of_a_span_given_several_times(cli, train_dir, tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    src = sorted((train_dir / "articles").glob("article*.txt"))[0]
    shutil.copy(src, folder / src.name)
    aid = src.stem[len("article"):]
    start, end = 0, len(src.read_text(encoding="utf-8").split("\n")[0])   # the title line
    spans = tmp_path / "spans.tsv"
    spans.write_text(f"{aid}\t{start}\t{end}\n{aid}\t{start}\t{end}\n", encoding="utf-8")
    out = tmp_path / "labels.tsv"
    assert cli("classify", folder, spans, "-o", out).rc == 0
    (_, first, *_), (_, second, *_) = _rows(out)
    assert first != second
    gold = tmp_path / "gold.tsv"   # the same two techniques on that span, in the other order
    gold.write_text(f"{aid}\t{second}\t{start}\t{end}\n{aid}\t{first}\t{start}\t{end}\n", encoding="utf-8")
    data = json.loads(cli("evaluate", folder, gold, "--json").out)
    assert data["tc"]["n"] == 2 and data["tc"]["micro_f1"] == 1.0


def test_gold_rows_for_articles_missing_from_the_folder_are_an_error(cli, three_dev_articles, ptc_dir, tmp_path):
    ids = {a.id for a in read_articles(three_dev_articles)}
    gold = gold_for(ptc_dir / "dev" / "spans.tsv", ids, tmp_path / "gold.tsv")
    with gold.open("a", encoding="utf-8") as fh:
        fh.write("999999999\t0\t5\n")
    [line] = assert_clean_failure(cli("evaluate", three_dev_articles, gold), str(gold), "999999999",
                                  "not in", rc=2)
    assert "1 article(s)" in line


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
    folder, ids = two_training_articles(train_dir, tmp_path)
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
