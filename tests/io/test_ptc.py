"""Reading PTC folders and TSV files: exact text, and one clear line naming the file (and line)
for every kind of bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from propscan.domain import TITLE_CHARS
from propscan.errors import DecodeError, InputError, MalformedLineError
from propscan.io.ptc import (article_id_for, article_paths, read_article, read_articles, read_rows,
                             read_text_file)
from propscan.techniques import LABELS

PTC = Path(__file__).resolve().parents[3] / "shared" / "data" / "ptc"


def one_line(err: Exception) -> str:
    msg = str(err)
    assert "\n" not in msg
    return msg


# -- article ids and text --------------------------------------------------------------------

@pytest.mark.parametrize("name, expected", [
    ("article111111111.txt", "111111111"),
    ("article7.txt", "7"),
    ("notes.txt", "notes"),
    ("article_7.txt", "article_7"),
    ("article7b.txt", "article7b"),
])
def test_article_id_is_the_digits_of_article_id_txt_else_the_stem(name, expected):
    assert article_id_for(Path("/x") / name) == expected


def test_text_is_read_exactly_with_crlf_kept(tmp_path):
    f = tmp_path / "a.txt"
    f.write_bytes("Title\r\n\r\nCaf\u00e9 \U0001F642 cre\u0300me.\r\n".encode("utf-8"))
    assert read_text_file(f) == "Title\r\n\r\nCaf\u00e9 \U0001F642 cre\u0300me.\r\n"


def test_a_utf8_byte_order_mark_is_kept_so_offsets_count_it(tmp_path):
    f = tmp_path / "bom.txt"
    f.write_bytes(b"\xef\xbb\xbfHello")
    assert read_text_file(f) == "\ufeffHello"
    assert read_article(f).text == "\ufeffHello"


def test_every_ptc_article_is_read_exactly_as_its_bytes_decode():
    # two training articles begin with a BOM; their gold offsets count it
    paths = [p for split in ("train", "dev") for p in sorted((PTC / split / "articles").glob("*.txt"))]
    assert paths, f"the PTC articles are needed under {PTC}"
    for p in paths:
        assert read_article(p).text == p.read_bytes().decode("utf-8"), p.name


def test_binary_file_is_refused_naming_the_file(tmp_path):
    f = tmp_path / "image.txt"
    f.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(DecodeError) as e:
        read_text_file(f)
    assert str(f) in one_line(e.value) and "binary" in str(e.value)
    assert e.value.exit_code != 0


def test_non_utf8_file_is_refused_naming_the_file_and_byte(tmp_path):
    f = tmp_path / "latin1.txt"
    f.write_bytes("Caf\u00e9 au lait".encode("latin-1"))
    with pytest.raises(DecodeError) as e:
        read_text_file(f)
    assert str(f) in one_line(e.value) and "UTF-8" in str(e.value) and "byte 3" in str(e.value)


def test_missing_file_is_an_input_error_naming_it(tmp_path):
    with pytest.raises(InputError) as e:
        read_text_file(tmp_path / "nope.txt")
    assert str(tmp_path / "nope.txt") in one_line(e.value) and "no such file" in str(e.value)


def test_a_folder_given_as_a_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="is a folder"):
        read_text_file(tmp_path)


# -- folders ---------------------------------------------------------------------------------

def test_folder_without_txt_files_is_refused_naming_it(tmp_path):
    (tmp_path / "readme.md").write_text("hi", encoding="utf-8")
    (tmp_path / "sub.txt").mkdir()
    with pytest.raises(InputError) as e:
        article_paths(tmp_path)
    assert str(tmp_path) in one_line(e.value) and "no .txt files" in str(e.value)


def test_missing_folder_and_file_given_as_folder_are_refused(tmp_path):
    with pytest.raises(InputError, match="no such folder"):
        article_paths(tmp_path / "missing")
    f = tmp_path / "a.txt"
    f.write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="not a folder"):
        article_paths(f)


def test_article_paths_are_sorted_txt_files_only(tmp_path):
    for name in ("article2.txt", "article10.txt", "notes.md", "b.txt"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert [p.name for p in article_paths(tmp_path)] == ["article10.txt", "article2.txt", "b.txt"]


def test_the_dev_split_reads_as_75_articles_with_title_first(dev_articles):
    articles = read_articles(dev_articles)
    assert len(articles) == 75
    assert all(a.id.isdigit() and a.text.strip() for a in articles)
    assert all(a.full_title == a.text.split("\n", 1)[0].strip()[:TITLE_CHARS] for a in articles)


# -- TSV rows --------------------------------------------------------------------------------

def write(tmp_path, text, name="rows.tsv"):
    f = tmp_path / name
    f.write_bytes(text.encode("utf-8"))
    return f


def test_rows_with_header_blank_lines_and_crlf(tmp_path):
    f = write(tmp_path, "article_id\tstart\tend\r\n1\t0\t5\r\n\r\n2\t3\t9\r\n")
    rows = read_rows(f, with_technique=False)
    assert [(r.article_id, r.start, r.end, r.technique, r.line) for r in rows] == [
        ("1", 0, 5, None, 2), ("2", 3, 9, None, 4)]


def test_a_header_after_a_byte_order_mark_is_still_a_header(tmp_path):
    f = tmp_path / "bom.tsv"
    f.write_bytes(b"\xef\xbb\xbfarticle_id\tstart\tend\n1\t0\t5\n")
    assert [(r.article_id, r.line) for r in read_rows(f, with_technique=False)] == [("1", 2)]


def test_rows_without_header_and_with_technique(tmp_path):
    f = write(tmp_path, "1\tName_Calling,Labeling\t0\t5\n")
    [row] = read_rows(f, with_technique=True)
    assert (row.article_id, row.technique, row.start, row.end, row.line) == ("1", "Name_Calling,Labeling", 0, 5, 1)


def test_a_header_is_only_recognised_on_the_first_line(tmp_path):
    f = write(tmp_path, "1\t0\t5\narticle_id\tstart\tend\n")
    with pytest.raises(MalformedLineError, match=r":2: start and end must be integers"):
        read_rows(f, with_technique=False)


@pytest.mark.parametrize("content, line, reason", [
    ("article_id\tstart\tend\n1\t0\t5\n1\t0\n", 3, "expected 3 tab-separated columns, found 2"),
    ("1 0 5\n", 1, "expected 3 tab-separated columns, found 1"),
    ("1\t0\t5\n2\tzero\t5\n", 2, "start and end must be integers"),
    ("1\t5\t5\n", 1, "need 0 <= start < end, got 5, 5"),
    ("1\t-1\t5\n", 1, "need 0 <= start < end, got -1, 5"),
    ("1\t0\t5\t6\n", 1, "expected 3 tab-separated columns, found 4"),
])
def test_a_malformed_line_is_reported_as_file_colon_line(tmp_path, content, line, reason):
    f = write(tmp_path, content)
    with pytest.raises(MalformedLineError) as e:
        read_rows(f, with_technique=False)
    assert one_line(e.value) == f"[E004] {f}:{line}: {reason}"


def test_line_numbers_count_only_newlines(tmp_path):
    # Form feeds and other Unicode line separators inside a row must not shift line numbers.
    f = write(tmp_path, "1\t0\t5\n2\u2028x\t0\t5\n3\t0\tx\n")
    with pytest.raises(MalformedLineError, match=r"rows\.tsv:3: start and end must be integers"):
        read_rows(f, with_technique=False)


def test_a_bad_tsv_file_is_refused_naming_it(tmp_path):
    f = tmp_path / "spans.tsv"
    f.write_bytes(b"1\t0\t5\n\xff\xfe\n")
    with pytest.raises(DecodeError, match="spans.tsv: not valid UTF-8"):
        read_rows(f, with_technique=False)
    with pytest.raises(InputError, match="no such file"):
        read_rows(tmp_path / "missing.tsv", with_technique=False)


def test_every_train_label_lies_inside_its_article(train_dir):
    rows = read_rows(train_dir / "labels.tsv", with_technique=True)
    texts = {a.id: a.text for a in read_articles(train_dir / "articles")}
    assert len(texts) == 371 and rows
    for r in rows:
        assert r.technique in LABELS
        assert r.end <= len(texts[r.article_id]), r
        assert texts[r.article_id][r.start:r.end].strip()
