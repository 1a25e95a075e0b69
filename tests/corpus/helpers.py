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
