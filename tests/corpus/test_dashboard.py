from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from propscan.corpus.store import connect_read
from propscan.domain import Span
from propscan.server.dashboard import configure, highlight_html, router
from tests.corpus.conftest import TRICKY


@pytest.fixture(scope="module")
def client(analysed_store):
    app = FastAPI()
    app.include_router(router)
    configure(app, analysed_store)
    return TestClient(app)


def _ids(con, sql, args=()):
    return sorted(r[0] for r in con.execute(sql, list(args)).fetchall())


def test_filters_select_the_same_articles_as_sql(client, analysed_store, records):
    con = connect_read(analysed_store)
    try:
        tech = con.execute("SELECT technique FROM spans GROUP BY 1 ORDER BY count(*), technique LIMIT 1").fetchone()[0]
        cases = [
            ({}, "SELECT article_id FROM articles", ()),
            ({"source": "blog-c"}, "SELECT article_id FROM articles WHERE source = ?", ("blog-c",)),
            ({"technique": tech}, "SELECT DISTINCT article_id FROM spans WHERE technique = ?", (tech,)),
            ({"date_from": "2019-02-01", "date_to": "2019-03-31"},
             "SELECT article_id FROM articles WHERE day BETWEEN ? AND ?", (dt.date(2019, 2, 1), dt.date(2019, 3, 31))),
            ({"source": "daily-a", "technique": tech},
             "SELECT article_id FROM articles WHERE source = ? AND article_id IN "
             "(SELECT article_id FROM spans WHERE technique = ?)", ("daily-a", tech)),
        ]
        for params, sql, args in cases:
            got = client.get("/corpus/api/articles", params={**params, "limit": 1000}).json()
            want = _ids(con, sql, args)
            assert sorted(i["article_id"] for i in got["items"]) == want and got["total"] == len(want), params
            if params and "technique" not in params:
                assert 0 < len(want) < len(records), params   # the metadata filters really filter
    finally:
        con.close()


def test_corpus_page_lists_articles_and_keeps_the_filters(client, records):
    r = client.get("/corpus", params={"source": "blog-c"})
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert "script-src" not in r.headers["content-security-policy"]      # no script at all
    assert "<option value='blog-c' selected>" in r.text
    assert quote("tricky-1", safe="") in r.text
    assert "&lt;b&gt;Tricky&lt;/b&gt;" in r.text and "<b>Tricky</b>" not in r.text


@pytest.fixture(scope="module")
def hand_client(tmp_path_factory):
    """The dashboard over a store holding one hand-made analysis of the tricky text, whose
    spans are known whatever today's model finds: one starts inside the <script> tag's text."""
    from propscan.corpus.store import DuckStore, result_record
    from propscan.domain import Analysis, Article

    text = TRICKY["text"]

    def span(fragment, technique):
        start = text.index(fragment)
        return Span(start, start + len(fragment), technique, 0.8, fragment)

    spans = [span("alert('x')</script> &", "Doubt"), span("disgraceful, shameful traitors", "Loaded_Language")]
    analysis = Analysis("tricky-1", text, spans, [], 0.5, "hand-made", technique_counts={s.technique: 1 for s in spans})
    meta = {k: TRICKY[k] for k in ("title", "source", "date", "url")}
    store = tmp_path_factory.mktemp("hand") / "hand.duckdb"
    with DuckStore(store) as st:
        assert st.write_batch([result_record(Article("tricky-1", text, **meta), analysis)], "hand-run") == 1
    app = FastAPI()
    app.include_router(router)
    configure(app, store)
    return TestClient(app)


def test_article_view_highlights_spans_with_escaped_text(hand_client):
    import html
    import re

    r = hand_client.get("/corpus/articles/tricky-1")
    assert r.status_code == 200
    assert "<script>alert" not in r.text
    data = hand_client.get("/corpus/api/articles/tricky-1").json()
    assert data["analysis"]["article_id"] == "tricky-1" and data["meta"]["source"] == "blog-c"
    spans = data["analysis"]["spans"]
    assert len(spans) == 2
    # the spans do not overlap: each is one mark holding exactly its text, escaped
    marks = re.findall(r"<mark [^>]*>(.*?)</mark>", r.text, flags=re.S)
    assert marks == [html.escape(s["text"]) for s in spans], marks
    # a span that starts inside the tag's text leaves the text whole once the marks are taken out
    assert "&lt;script&gt;alert(" in re.sub(r"<mark [^>]*>|</mark>", "", r.text)
    for s in spans:
        assert data["analysis"]["text"][s["start"]:s["end"]] == s["text"]


def test_unknown_article_and_bad_filters_are_clear_errors(client):
    r = client.get("/corpus/api/articles/nope")
    assert r.status_code == 404 and r.json()["error"]["code"] == "E032"
    assert client.get("/corpus/articles/nope").status_code == 404
    r = client.get("/corpus/api/articles", params={"technique": "Nonsense"})
    assert r.status_code == 400 and "unknown technique" in r.json()["error"]["message"]
    assert client.get("/corpus/api/articles", params={"date_from": "March"}).status_code == 400


def test_without_a_store_the_dashboard_explains_how_to_set_one(monkeypatch):
    monkeypatch.delenv("PROPSCAN_STORE", raising=False)
    app = FastAPI()
    app.include_router(router)
    r = TestClient(app).get("/corpus/api/summary")
    assert r.status_code == 404 and "PROPSCAN_STORE" in r.json()["error"]["message"]


def test_highlighting_splits_nested_spans_and_escapes():
    text = "a <b> c d"
    spans = [Span(0, 9, "Loaded_Language", 0.9, text), Span(2, 5, "Doubt", 0.8, "<b>")]
    out = highlight_html(text, spans)
    assert out == ("<mark class='t0' title='Loaded language (0.90)'>a </mark>"
                   "<mark class='t3 multi' title='Loaded language (0.90); Doubt (0.80)'>&lt;b&gt;</mark>"
                   "<mark class='t0' title='Loaded language (0.90)'> c d</mark>")


def test_dashboard_is_served_by_the_web_app(analysed_store, tmp_path, monkeypatch):
    from propscan.analyzer import Analyzer
    from propscan.server.app import create_app

    monkeypatch.setenv("PROPSCAN_STORE", str(analysed_store))
    monkeypatch.setenv("PROPSCAN_DB", str(tmp_path / "analyses.db"))
    client = TestClient(create_app(analyzer=Analyzer()), base_url="http://localhost")
    r = client.get("/corpus", params={"source": "blog-c"})
    assert r.status_code == 200 and "tricky-1" in r.text
    assert client.get("/corpus/articles/tricky-1").status_code == 200
    # out-of-range numbers are a 4xx with the usual headers, not a crash in the store
    for path, params in (("/corpus", {"page": "9" * 30}), ("/corpus", {"page": 2**62}),
                         ("/corpus/api/articles", {"offset": 2**63}), ("/corpus/api/articles", {"offset": 2**63 - 1}),
                         ("/corpus/api/articles", {"limit": "9" * 30})):
        r = client.get(path, params=params)
        assert r.status_code == 422, (path, params, r.text)
        assert r.json()["error"]["code"] == "invalid_request"
        assert "default-src 'none'" in r.headers["content-security-policy"]
