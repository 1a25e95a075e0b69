from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest

from propscan.corpus.review import export_tasks, from_utf16, import_annotations, label_config, utf16_offsets
from propscan.corpus.store import connect_read
from propscan.errors import InputError
from propscan.techniques import LABELS
from propscan.training.data import load_corpus


def test_utf16_offsets_round_trip_after_emoji():
    text = "a🙂b𝒳c"
    table = utf16_offsets(text)
    assert table == [0, 1, 3, 4, 6, 7]
    assert [from_utf16(text, table[i], table) for i in range(len(text) + 1)] == list(range(len(text) + 1))
    assert from_utf16(text, 2, table) is None     # inside a surrogate pair


def test_export_pre_annotates_every_stored_span(analysed_store, tmp_path):
    res = export_tasks(analysed_store, tmp_path / "tasks.json")
    tasks = json.loads((tmp_path / "tasks.json").read_text(encoding="utf-8"))
    con = connect_read(analysed_store)
    try:
        n_spans = con.execute("SELECT count(*) FROM spans").fetchone()[0]
        n_articles = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        con.close()
    assert res.tasks == len(tasks) == n_articles and res.regions == n_spans
    for t in tasks:
        text = t["data"]["text"]
        table = utf16_offsets(text)
        for r in t["predictions"][0]["result"]:
            v = r["value"]
            s, e = from_utf16(text, v["start"], table), from_utf16(text, v["end"], table)
            assert text[s:e] == v["text"] and v["labels"][0] in LABELS
    config = (tmp_path / "tasks.label_config.xml").read_text()
    assert config == label_config() and all(f'value="{label}"' in config for label in LABELS)


def _review(tasks: list[dict]) -> list[dict]:
    """What Label Studio exports after a reviewer: accepts task 0's predictions, adds a span with
    a new technique after the emoji in the tricky task, cancels one task, leaves the rest."""
    out = copy.deepcopy(tasks)
    tricky = next(t for t in out if t["data"]["article_id"] == "tricky-1")
    text = tricky["data"]["text"]
    s = text.index("traitors")
    u = utf16_offsets(text)
    tricky["annotations"] = [{"id": 1, "was_cancelled": False, "updated_at": "2026-01-02T00:00:00Z",
                              "result": [{"id": "r1", "type": "labels", "from_name": "technique", "to_name": "text",
                                          "value": {"start": u[s], "end": u[s + 8], "text": "traitors",
                                                    "labels": ["Name_Calling,Labeling"]}}]},
                             {"id": 0, "was_cancelled": False, "updated_at": "2026-01-01T00:00:00Z", "result": []}]
    # a task with predictions, so that "accepted as predicted" compares spans, not two empty lists
    first = next((t for t in out if t is not tricky and t["predictions"][0]["result"]), None)
    assert first is not None, "no stored article other than the tricky one has a predicted span"
    first["annotations"] = [{"id": 2, "result": first["predictions"][0]["result"], "was_cancelled": False}]
    cancelled = next(t for t in out if t is not tricky and t is not first)
    cancelled["annotations"] = [{"id": 3, "result": [], "was_cancelled": True}]
    return out, first, tricky


def test_reviewed_annotations_become_ptc_training_data(analysed_store, tmp_path):
    export_tasks(analysed_store, tmp_path / "tasks.json")
    tasks = json.loads((tmp_path / "tasks.json").read_text(encoding="utf-8"))
    reviewed, first, tricky = _review(tasks)
    (tmp_path / "reviewed.json").write_text(json.dumps(reviewed), encoding="utf-8")
    res = import_annotations(tmp_path / "reviewed.json", tmp_path / "ptc")
    assert res.articles == 2
    assert sum(1 for _, why in res.skipped if "not reviewed" in why) == len(tasks) - 2   # incl. the cancelled one

    corpus = load_corpus(tmp_path / "ptc")          # what `propscan train` reads
    assert len(corpus.articles) == 2
    by_id = corpus.spans_by_article()
    # the tricky article (non-numeric id) keeps its text and the reviewer's span, after the emoji
    tid = next(i for i, a in corpus.articles.items() if a.text == tricky["data"]["text"])
    [row] = by_id[tid]
    assert corpus.articles[tid].text[row.start:row.end] == "traitors" and row.technique == "Name_Calling,Labeling"
    # accepted predictions come back as they were predicted
    fid = next(i for i, a in corpus.articles.items() if a.text == first["data"]["text"])
    want = sorted({(r["value"]["labels"][0], r["value"]["text"]) for r in first["predictions"][0]["result"]})
    got = sorted({(r.technique, corpus.articles[fid].text[r.start:r.end]) for r in by_id.get(fid, [])})
    assert want and got == want


def test_import_reports_regions_that_do_not_fit_and_refuses_unreviewed_files(tmp_path):
    task = {"data": {"text": "Hello brave new world.", "article_id": "7"},
            "annotations": [{"result": [
                {"id": "a", "type": "labels", "value": {"start": 6, "end": 11, "text": "brave", "labels": ["Slogans"]}},
                {"id": "b", "type": "labels", "value": {"start": 6, "end": 11, "text": "WRONG", "labels": ["Slogans"]}},
                {"id": "c", "type": "labels", "value": {"start": 6, "end": 99, "labels": ["Slogans"]}},
                {"id": "d", "type": "labels", "value": {"start": 0, "end": 5, "labels": ["Nonsense"]}}]}]}
    (tmp_path / "a.json").write_text(json.dumps([task]))
    res = import_annotations(tmp_path / "a.json", tmp_path / "out")
    assert res.spans == 1 and len(res.skipped) == 3
    assert (tmp_path / "out" / "labels.tsv").read_text().splitlines() == [
        "article_id\ttechnique\tstart\tend", "7\tSlogans\t6\t11"]
    assert (tmp_path / "out" / "articles" / "article7.txt").read_text() == "Hello brave new world."
    (tmp_path / "none.json").write_text(json.dumps([{"data": {"text": "x"}}]))
    with pytest.raises(InputError, match="no reviewed tasks"):
        import_annotations(tmp_path / "none.json", tmp_path / "out2")


def test_review_commands_round_trip(analysed_store, tmp_path):
    run = lambda *a: subprocess.run([sys.executable, "-m", "propscan", "review", *map(str, a)],
                                    capture_output=True, text=True, timeout=300)
    p = run("export", analysed_store, "-o", tmp_path / "t.json", "--limit", "2")
    assert p.returncode == 0, p.stderr
    tasks = json.loads((tmp_path / "t.json").read_text())
    assert len(tasks) == 2
    for t in tasks:
        t["annotations"] = [{"result": t["predictions"][0]["result"]}]
    (tmp_path / "t.json").write_text(json.dumps(tasks))
    p = run("import", tmp_path / "t.json", "-o", tmp_path / "ptc")
    assert p.returncode == 0, p.stderr
    assert len(list((tmp_path / "ptc" / "articles").glob("*.txt"))) == 2
