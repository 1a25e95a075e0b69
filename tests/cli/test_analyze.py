"""`propscan analyze [FILE|-] [--json]` on a file and on stdin, and its bad-input messages."""

from __future__ import annotations

import json

import pytest

from propscan.techniques import LABELS
from tests.cli.conftest import assert_clean_failure
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "article.txt"


def check_json(out: str, text: str) -> dict:
    data = json.loads(out)
    assert data["text"] == text
    for s in data["spans"]:
        assert 0 <= s["start"] < s["end"] <= len(text)
        assert text[s["start"]:s["end"]] == s["text"]
        assert s["technique"] in LABELS
    assert 0 <= data["score"] <= 1
    assert sum(data["technique_counts"].values()) == len(data["spans"])
    return data


def test_analyze_the_example_article_prints_highlighted_text_and_a_score(cli):
    res = cli("analyze", EXAMPLE)
    assert res.rc == 0, res.err
    assert "Mayor of Lindenfeld" in res.out
    assert "Article score:" in res.out
    assert "Traceback" not in res.err


def test_analyze_json_parses_and_offsets_match_the_file(cli):
    res = cli("analyze", EXAMPLE, "--json")
    assert res.rc == 0, res.err
    data = check_json(res.out, EXAMPLE.read_text(encoding="utf-8"))
    assert data["article_id"] == "article" and data["model_version"]


def test_analyze_reads_stdin_with_a_dash_or_no_argument(cli):
    text = "Greedy outsiders\r\nwant to destroy everything our grandparents built \U0001F642 caf\u00e9.\r\n"
    for args in (("analyze", "-", "--json"), ("analyze", "--json")):
        res = cli(*args, input=text)
        assert res.rc == 0, res.err
        assert check_json(res.out, text)["article_id"] == "stdin"


def test_analyze_keeps_a_byte_order_mark_so_offsets_count_it(cli, tmp_path):
    data = "\ufeffThey are evil traitors and disgraceful liars who betrayed our great nation.\n"
    res = cli("analyze", "-", "--json", input=data.encode("utf-8"))
    assert res.rc == 0, res.err
    check_json(res.out, data)
    f = tmp_path / "article5.txt"
    f.write_bytes(data.encode("utf-8"))
    res = cli("analyze", f, "--json")
    assert res.rc == 0, res.err
    check_json(res.out, data)


def test_text_that_looks_like_terminal_markup_is_printed_verbatim(cli):
    text = "They are [/bold] traitors [red]and[/] liars! The [link=x]vultures[/link] came.\n"
    res = cli("analyze", "-", input=text)
    assert res.rc == 0, res.err
    assert "[/bold]" in res.out and "Traceback" not in res.err


def test_threshold_one_hides_every_span_below_full_confidence(cli):
    res = cli("analyze", EXAMPLE, "--json")
    assert res.rc == 0, res.err
    every = json.loads(res.out)["spans"]
    res = cli("analyze", EXAMPLE, "--json", "--threshold", "1.0")
    assert res.rc == 0, res.err
    # exactly the spans at full confidence are kept, and the example has spans below it to hide
    assert json.loads(res.out)["spans"] == [s for s in every if s["confidence"] >= 1.0]
    assert any(s["confidence"] < 1.0 for s in every), "the example article should have spans to hide"


def test_threshold_out_of_range_is_a_usage_error(cli):
    res = cli("analyze", EXAMPLE, "--threshold", "1.5")
    assert res.rc == 2 and "Traceback" not in res.err


@pytest.mark.parametrize("name, content, needle", [
    ("binary.txt", b"\x00\x01\x02PK\x03\x04", "looks binary"),
    ("latin1.txt", "Caf\u00e9".encode("latin-1"), "not valid UTF-8"),
    ("empty.txt", b"", "the text is empty"),
    ("blank.txt", b" \r\n\n\t", "the text is empty"),
])
def test_bad_files_give_one_line_naming_the_file(cli, tmp_path, name, content, needle):
    f = tmp_path / name
    f.write_bytes(content)
    res = cli("analyze", f)
    [line] = assert_clean_failure(res, str(f), needle, rc=2)
    assert res.err.strip() == line


def test_a_missing_file_and_a_folder_are_refused(cli, tmp_path):
    assert_clean_failure(cli("analyze", tmp_path / "nope.txt"), str(tmp_path / "nope.txt"), "no such file", rc=2)
    assert_clean_failure(cli("analyze", tmp_path), str(tmp_path), "is a folder", rc=2)


@pytest.mark.parametrize("data, needle", [
    (b"", "stdin: the text is empty"),
    (b"\n \n", "stdin: the text is empty"),
    (b"abc\x00def", "stdin: looks binary"),
    (b"caf\xe9", "stdin: not valid UTF-8"),
])
def test_bad_stdin_gives_one_line(cli, data, needle):
    res = cli("analyze", "-", input=data)
    [line] = assert_clean_failure(res, needle, rc=2)
    assert res.err.strip() == line


def test_a_missing_model_folder_is_one_line(cli, tmp_path):
    res = cli("analyze", EXAMPLE, "--model", tmp_path / "no-model")
    assert_clean_failure(res, str(tmp_path / "no-model"), "not a propscan model folder", rc=3)


def test_a_broken_model_config_is_one_line(cli, tmp_path):
    from propscan.runtime import REQUIRED, default_model_dir

    model = tmp_path / "model"
    model.mkdir()
    for name in REQUIRED:
        (model / name).symlink_to(default_model_dir() / name)
    (model / "config.json").unlink()
    (model / "config.json").write_text("{\"version\": \"x\"", encoding="utf-8")
    res = cli("analyze", EXAMPLE, "--model", model)
    assert_clean_failure(res, str(model / "config.json"), "unreadable model config", rc=3)
