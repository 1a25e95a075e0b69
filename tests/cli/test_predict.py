"""`propscan predict ARTICLES_DIR -o OUT.tsv`: one `article_id<TAB>technique<TAB>start<TAB>end`
row per span; a bad file is reported on one line while the rest are still written."""

from __future__ import annotations

import shutil

from propscan.errors import PropscanError
from propscan.io.ptc import article_id_for, read_text_file
from propscan.techniques import LABELS
from tests.cli.conftest import assert_clean_failure


def read_output(path):
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cols = line.split("\t")
        assert len(cols) == 4, line
        rows.append((cols[0], cols[1], int(cols[2]), int(cols[3])))
    return rows


def check_rows(rows, folder):
    texts = {}
    for p in folder.glob("*.txt"):
        try:
            texts[article_id_for(p)] = read_text_file(p)
        except PropscanError:
            pass
    for aid, tech, start, end in rows:
        assert tech in LABELS
        assert 0 <= start < end <= len(texts[aid])


def test_predict_writes_the_analyzer_spans_of_every_article(cli, analyzer, three_dev_articles, tmp_path):
    out = tmp_path / "pred.tsv"
    res = cli("predict", three_dev_articles, "-o", out)
    assert res.rc == 0, res.err
    assert "Traceback" not in res.err
    assert "in 3 articles" in res.err
    rows = read_output(out)
    check_rows(rows, three_dev_articles)
    expected = []
    for path in sorted(three_dev_articles.glob("*.txt")):
        aid = article_id_for(path)
        a = analyzer.analyze(read_text_file(path))
        expected += [(aid, s.technique, s.start, s.end) for s in a.spans]
    assert rows == expected
    assert {aid for aid, *_ in rows} <= {article_id_for(p) for p in three_dev_articles.glob("*.txt")}


def test_a_binary_file_is_reported_and_the_other_results_are_still_written(cli, analyzer, three_dev_articles,
                                                                           tmp_path):
    bad = three_dev_articles / "article999.txt"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    with_spans = [p for p in sorted(three_dev_articles.glob("article*.txt"))
                  if p != bad and analyzer.analyze(read_text_file(p)).spans]
    shutil.copy(with_spans[0], three_dev_articles / "notes.txt")
    out = tmp_path / "pred.tsv"
    res = cli("predict", three_dev_articles, "-o", out)
    [line] = assert_clean_failure(res, str(bad), "looks binary", rc=1)
    assert "in 4 articles" in res.err
    rows = read_output(out)
    check_rows(rows, three_dev_articles)
    assert "999" not in {aid for aid, *_ in rows}
    assert "notes" in {aid for aid, *_ in rows}, "file stem is the id of a file not named article<ID>.txt"


def test_an_empty_article_is_reported_by_file_name(cli, three_dev_articles, tmp_path):
    empty = three_dev_articles / "article5.txt"
    empty.write_text("\n \n", encoding="utf-8")
    res = cli("predict", three_dev_articles, "-o", tmp_path / "pred.tsv")
    assert_clean_failure(res, str(empty), "empty article", rc=1)
    assert "in 3 articles" in res.err


def test_non_utf8_and_unreadable_files_are_each_one_line(cli, three_dev_articles, tmp_path):
    (three_dev_articles / "latin.txt").write_bytes("Caf\u00e9".encode("latin-1"))
    (three_dev_articles / "dir.txt").mkdir()      # not a file: ignored, not an error
    res = cli("predict", three_dev_articles, "-o", tmp_path / "pred.tsv")
    errors = assert_clean_failure(res, "latin.txt: not valid UTF-8", rc=1)
    assert len(errors) == 1


def test_a_folder_without_txt_files_is_one_line_naming_it(cli, tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "article1.md").write_text("text", encoding="utf-8")
    res = cli("predict", folder, "-o", tmp_path / "pred.tsv")
    [line] = assert_clean_failure(res, str(folder), "no .txt files", rc=2)
    assert res.err.strip() == line
    assert not (tmp_path / "pred.tsv").exists()


def test_a_missing_folder_is_one_line(cli, tmp_path):
    res = cli("predict", tmp_path / "nope", "-o", tmp_path / "pred.tsv")
    assert_clean_failure(res, str(tmp_path / "nope"), "no such folder", rc=2)


def test_an_unwritable_output_is_one_line_naming_it(cli, three_dev_articles, tmp_path):
    out = tmp_path / "no" / "such" / "pred.tsv"
    res = cli("predict", three_dev_articles, "-o", out)
    assert_clean_failure(res, str(out), "cannot write", rc=2)


def test_predict_with_worker_processes_writes_the_same_rows_in_the_same_order(cli, three_dev_articles, tmp_path):
    one, two = tmp_path / "one.tsv", tmp_path / "two.tsv"
    res1 = cli("predict", three_dev_articles, "-o", one, "--workers", "1")
    res2 = cli("predict", three_dev_articles, "-o", two, "--workers", "2")
    assert res1.rc == 0 and res2.rc == 0, res1.err + res2.err
    rows = read_output(two)
    assert rows and rows == read_output(one)
    ids = [aid for aid, *_ in rows]
    assert ids == sorted(ids, key=lambda a: sorted(article_id_for(p) for p in three_dev_articles.glob("*.txt")).index(a))
