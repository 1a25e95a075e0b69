from __future__ import annotations

from pathlib import Path

from propscan.corpus.store import connect_read


def store_contents(path: Path) -> dict[str, tuple]:
    """Everything analysed per article (not run ids or timestamps), for comparing stores."""
    con = connect_read(path)
    try:
        arts = con.execute("SELECT article_id, title, source, date, day, url, text, n_chars, score, "
                           "n_spans, propaganda_chars, density, technique_counts, model_version "
                           "FROM articles ORDER BY article_id").fetchall()
        spans = con.execute("SELECT article_id, span_no, start_char, end_char, technique, confidence, text "
                            "FROM spans ORDER BY article_id, span_no").fetchall()
        sents = con.execute("SELECT article_id, sentence_no, start_char, end_char, score, text "
                            "FROM sentences ORDER BY article_id, sentence_no").fetchall()
    finally:
        con.close()
    out = {a[0]: (a[1:], [], []) for a in arts}
    for s in spans:
        out[s[0]][1].append(s[1:])
    for s in sents:
        out[s[0]][2].append(s[1:])
    return out


def id_counts(path: Path) -> dict[str, int]:
    con = connect_read(path)
    try:
        return dict(con.execute("SELECT article_id, count(*) FROM articles GROUP BY 1").fetchall())
    finally:
        con.close()


def assert_stored_once_as_uninterrupted(store: Path, reference: Path, records: list[dict], copies: int) -> None:
    """Every article of `records` and its `copies` copies (ids "<id>-copy<k>") is in `store`
    exactly once, analysed as in the uninterrupted run stored in `reference`."""
    counts = id_counts(store)
    expected = [r["id"] for r in records] + [f"{r['id']}-copy{k}" for k in range(copies) for r in records]
    assert sorted(counts) == sorted(expected)
    assert set(counts.values()) == {1}
    got, ref = store_contents(store), store_contents(reference)
    for r in records:
        assert got[r["id"]] == ref[r["id"]]
        for k in range(copies):
            copy, orig = got[f"{r['id']}-copy{k}"], ref[r["id"]]
            assert copy[1:] == orig[1:] and copy[0][6:] == orig[0][6:]   # same spans, sentences, scores


def store_size(store: Path) -> int:
    """Bytes of a DuckDB store and its WAL: it grows at each commit (DuckDB writes its WAL then)."""
    return sum(p.stat().st_size for p in (store, Path(f"{store}.wal")) if p.exists())


def maps_onnxruntime(pid: int) -> bool:
    """Whether process `pid` has ONNX Runtime loaded (Linux). propscan imports it only to open a
    model session, so in a batch run this happens after the store and its run row are written."""
    try:
        return b"onnxruntime" in Path(f"/proc/{pid}/maps").read_bytes()
    except OSError:
        return False
