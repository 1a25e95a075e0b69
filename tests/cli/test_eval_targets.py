"""`propscan eval-targets FILE.tsv ARTICLES_DIR`: precision and recall of targets on a
hand-labelled set, on an article and labels of our own."""

from __future__ import annotations

import json

from tests.cli.conftest import assert_clean_failure

TEXT = ("Bishop Anton Weber preached on Sunday.\n"
        "Here, at last, is a bishop with the courage to speak plainly.\n"
        "The mayor kept calling Senator Ana Ruiz “Satan” at every rally.\n"
        "It was a dark and stormy night.\n")


def _span(fragment):
    start = TEXT.index(fragment)
    return start, start + len(fragment)


def _set(tmp_path, rows, extra=""):
    articles = tmp_path / "articles"
    articles.mkdir(exist_ok=True)
    (articles / "article900000001.txt").write_text(TEXT, encoding="utf-8", newline="")
    lines = ["article_id\tstart\tend\ttechnique\ttarget", "# how this set was drawn: by hand, for this test", ""]
    lines += [f"900000001\t{s}\t{e}\t{t}\t{g}" for (s, e), t, g in rows]
    path = tmp_path / "set.tsv"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path, articles


def test_eval_targets_scores_right_wrong_and_abstaining_spans(cli, tmp_path):
    rows = [(_span("a bishop with the courage to speak plainly"), "Name_Calling,Labeling", "Anton Weber|Weber"),
            (_span("Satan"), "Name_Calling,Labeling", "the mayor"),           # a wrong target
            (_span("dark and stormy"), "Loaded_Language", "none"),            # rightly none
            (_span("preached"), "Loaded_Language", "Anton Weber")]            # found or missed
    path, articles = _set(tmp_path, rows)
    # the rules alone, whose choices on these sentences tests/test_targets.py pins down
    res = cli("eval-targets", path, articles, "--show", "--rules")
    assert res.rc == 0, res.err
    result = json.loads(res.out)
    assert result["spans"] == 4 and result["gold_targets"] == 3   # comment and blank lines skipped
    shown = [line for line in res.err.splitlines() if "gold" in line]
    assert len(shown) == 4
    assert shown[0].startswith("ok") and shown[1].startswith("--") and shown[2].startswith("ok")
    # precision counts only the spans given a target, recall every span that has one
    assert result["predicted"] >= 2 and 1 <= result["correct"] <= 2
    assert result["precision"] == round(result["correct"] / result["predicted"], 4) < 1
    assert result["recall"] == round(result["correct"] / 3, 4)


def test_eval_targets_rejects_bad_rows_and_missing_files_in_one_line(cli, tmp_path):
    path, articles = _set(tmp_path, [], extra="900000001\tten\t20\tLoaded_Language\tnone\n")
    assert_clean_failure(cli("eval-targets", path, articles), "start and end must be whole numbers")
    path, articles = _set(tmp_path, [], extra="900000001\t10\tLoaded_Language\tnone\n")
    assert_clean_failure(cli("eval-targets", path, articles), "expected 5 tab-separated columns")
    assert_clean_failure(cli("eval-targets", tmp_path / "missing.tsv", articles), "no such file")


def test_eval_targets_threshold_one_names_no_one_and_zero_names_the_best_candidate(cli, tmp_path):
    rows = [(_span("a bishop with the courage to speak plainly"), "Name_Calling,Labeling", "Anton Weber|Weber"),
            (_span("Satan"), "Name_Calling,Labeling", "Ana Ruiz"),
            (_span("dark and stormy"), "Loaded_Language", "none")]
    path, articles = _set(tmp_path, rows)
    never = json.loads(cli("eval-targets", path, articles, "--threshold", "1").out)
    assert never["predicted"] == 0 and never["recall"] == 0
    always = json.loads(cli("eval-targets", path, articles, "--threshold", "0").out)
    assert always["predicted"] >= 2   # the first two spans have candidates around them
    assert_clean_failure(cli("eval-targets", path, articles, "--threshold", "0.5", "--rules"), "--rules")
