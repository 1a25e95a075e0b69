"""`propscan classify ARTICLES_DIR SPANS.tsv -o OUT.tsv`: exactly one 4-column row per input
row, in input order, whatever the input (header, repeats, unknown articles)."""

from __future__ import annotations

from propscan.techniques import LABELS
from tests.cli.conftest import assert_clean_failure


def ids_of(folder):
    return sorted(p.stem[len("article"):] for p in folder.glob("article*.txt"))


def read_output(path):
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]
    assert all(len(r) == 4 for r in rows), rows
    return [(a, t, int(s), int(e)) for a, t, s, e in rows]


def spans_file(tmp_path, rows, header=True, name="spans.tsv"):
    f = tmp_path / name
    lines = (["article_id\tstart\tend"] if header else []) + [f"{a}\t{s}\t{e}" for a, s, e in rows]
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f


def test_classify_keeps_input_order_and_row_count_with_header_and_repeats(cli, three_dev_articles, tmp_path):
    a, b, c = ids_of(three_dev_articles)
    spans = [(b, 10, 30), (a, 0, 12), (b, 10, 30), (c, 50, 80), (a, 0, 12), (b, 10, 30), (a, 100, 140)]
    out = tmp_path / "out.tsv"
    res = cli("classify", three_dev_articles, spans_file(tmp_path, spans), "-o", out)
    assert res.rc == 0, res.err
    assert f"{len(spans)} spans classified" in res.err
    rows = read_output(out)
    assert [(aid, s, e) for aid, _, s, e in rows] == spans
    assert all(t in LABELS for _, t, _, _ in rows)
    # A span repeated (carrying several techniques) gets a different technique each time.
    assert len({rows[i][1] for i in (0, 2, 5)}) == 3
    assert rows[1][1] != rows[4][1]


def test_classify_without_a_header_line(cli, three_dev_articles, tmp_path):
    a, _, _ = ids_of(three_dev_articles)
    spans = [(a, 0, 5), (a, 20, 40)]
    out = tmp_path / "out.tsv"
    res = cli("classify", three_dev_articles, spans_file(tmp_path, spans, header=False), "-o", out)
    assert res.rc == 0, res.err
    assert [(aid, s, e) for aid, _, s, e in read_output(out)] == spans


def test_spans_of_missing_articles_or_past_the_end_still_get_a_row(cli, three_dev_articles, tmp_path):
    a, _, _ = ids_of(three_dev_articles)
    spans = [(a, 0, 5), ("12345", 0, 5), (a, 10, 10_000_000), (a, 5, 9)]
    out = tmp_path / "out.tsv"
    res = cli("classify", three_dev_articles, spans_file(tmp_path, spans), "-o", out)
    assert_clean_failure(res, "article 12345 (line 3)", "line 4: span 10-10000000 is past the end", rc=1)
    rows = read_output(out)
    assert [(aid, s, e) for aid, _, s, e in rows] == spans
    assert all(t in LABELS for _, t, _, _ in rows)


def test_a_malformed_spans_line_is_reported_as_file_and_line(cli, three_dev_articles, tmp_path):
    f = tmp_path / "spans.tsv"
    f.write_text("article_id\tstart\tend\n1\t0\t5\n1\tfive\t9\n", encoding="utf-8")
    res = cli("classify", three_dev_articles, f, "-o", tmp_path / "out.tsv")
    [line] = assert_clean_failure(res, f"{f}:3: start and end must be integers", rc=2)
    assert res.err.strip() == line
    assert not (tmp_path / "out.tsv").exists()


def test_a_spans_file_with_only_a_header_is_refused(cli, three_dev_articles, tmp_path):
    f = spans_file(tmp_path, [])
    assert_clean_failure(cli("classify", three_dev_articles, f, "-o", tmp_path / "o.tsv"),
                         str(f), "no spans to classify", rc=2)


def test_a_missing_or_binary_spans_file_is_one_line(cli, three_dev_articles, tmp_path):
    assert_clean_failure(cli("classify", three_dev_articles, tmp_path / "none.tsv", "-o", tmp_path / "o.tsv"),
                         str(tmp_path / "none.tsv"), "no such file", rc=2)
    f = tmp_path / "bin.tsv"
    f.write_bytes(b"\x00\x01")
    assert_clean_failure(cli("classify", three_dev_articles, f, "-o", tmp_path / "o.tsv"),
                         str(f), "looks binary", rc=2)
