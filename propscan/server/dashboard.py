"""The corpus dashboard at /corpus: browse a store written by `propscan batch`, filter by
source, date and technique, and open any article in a highlighted view.

The store is the DuckDB file or Parquet folder named by $PROPSCAN_STORE, or set with
`configure(app, path)`. It is opened read-only per request (a DuckDB file that a batch run is
writing cannot be opened: the pages say so and ask to retry). Pages are rendered on the server
with every piece of text escaped; they carry no script, and their one style block is allowed
by hash in their Content-Security-Policy.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import html
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from propscan import techniques
from propscan.domain import headline
from propscan.errors import InputError
from propscan.server.problems import ApiError

router = APIRouter()

PAGE_SIZE = 50
MAX_OFFSET = 2**53
"""Largest offset asked of the store (DuckDB takes 64-bit ones); beyond it, 422, not a crash."""
_INDEX = {t.label: i for i, t in enumerate(techniques.TECHNIQUES)}

CSS = "".join([
    "body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:64rem;margin:1.5rem auto;"
    "padding:0 1rem;color:#1d1d1d;line-height:1.5}a{color:#1a56a8}h1{font-size:1.5rem}h2{font-size:1.15rem}"
    "table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{text-align:left;padding:.3rem .5rem;"
    "border-bottom:1px solid #eee;vertical-align:top}th{background:#f6f6f6}td.n{text-align:right}"
    "form.filters{display:flex;flex-wrap:wrap;gap:.6rem;align-items:end;background:#f8f8f8;padding:.7rem;"
    "border-radius:.4rem}form.filters label{display:flex;flex-direction:column;font-size:.85rem}"
    ".muted{color:#666}.pager{margin:1rem 0;display:flex;gap:1rem}"
    ".article{white-space:pre-wrap;font-size:1.02rem;border:1px solid #ddd;padding:1rem;border-radius:.4rem}"
    "mark{color:#111;border-radius:.15rem;padding:0 .05rem}mark.multi{text-decoration:underline double}"
    ".sw{display:inline-block;width:.9em;height:.9em;border:1px solid #555;vertical-align:middle;margin-right:.3em}"
    ".legend{display:flex;flex-wrap:wrap;gap:.4rem 1rem;font-size:.85rem;margin:.6rem 0}",
    *(f"mark.t{i},.sw.t{i}{{background:{t.colour}}}" for i, t in enumerate(techniques.TECHNIQUES)),
])
_CSS_HASH = "'sha256-" + base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode() + "'"
CSP = (f"default-src 'none'; style-src {_CSS_HASH}; img-src 'self' data:; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'")

e = html.escape


def configure(app, store: str | Path) -> None:
    """Point the dashboard of `app` at a store (else $PROPSCAN_STORE is used)."""
    app.state.corpus_store = Path(store)


def _store_path(request: Request) -> Path | None:
    path = getattr(request.app.state, "corpus_store", None) or os.environ.get("PROPSCAN_STORE")
    return Path(path) if path else None


def _connect(request: Request):
    from propscan.corpus.store import StoreError, connect_read

    path = _store_path(request)
    if path is None:
        raise ApiError("no corpus store is configured; start the server with "
                       "PROPSCAN_STORE=/path/to/store.duckdb", code="E031")
    try:
        return connect_read(path)
    except StoreError as err:
        busy = "batch run may be writing" in err.message
        raise ApiError(err.message, code=err.code, status=503 if busy else None) from None


def _json_problem(p: ApiError) -> JSONResponse:
    return JSONResponse(p.body(), status_code=p.status)


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    doc = (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{e(title)}</title>"
           f"<meta name=viewport content='width=device-width,initial-scale=1'><style>{CSS}</style></head>"
           f"<body>{body}</body></html>")
    return HTMLResponse(doc, status_code=status, headers={"content-security-policy": CSP})


def _html_problem(p: ApiError) -> HTMLResponse:
    return _page("Corpus", f"<h1>Corpus</h1><p><strong>{e(p.message)}</strong></p>", p.status)


# -- queries -----------------------------------------------------------------------------------

def _parse_date(value: str | None, name: str) -> _dt.date | None:
    if not value:
        return None
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise ApiError(f"{name} must be a date like 2019-03-31, got {value!r}", code="E001") from None


def _filters(source: str | None, technique: str | None, date_from: str | None, date_to: str | None,
             q: str | None) -> tuple[str, list[Any]]:
    from propscan.corpus.store import article_filter

    d0, d1 = _parse_date(date_from, "date_from"), _parse_date(date_to, "date_to")
    try:
        return article_filter(source=source, technique=technique, day_from=d0, day_to=d1, q=q)
    except InputError as err:
        raise ApiError(err.message, code=err.code) from None


SORTS = {"score": "a.score DESC, a.article_id", "date": "a.day DESC NULLS LAST, a.article_id",
         "density": "a.density DESC, a.article_id", "id": "a.article_id"}


def query_articles(con, *, source=None, technique=None, date_from=None, date_to=None, q=None,
                   sort="score", limit=PAGE_SIZE, offset=0) -> dict[str, Any]:
    if sort not in SORTS:
        raise ApiError(f"sort must be one of {', '.join(SORTS)}", code="E001")
    where, args = _filters(source, technique, date_from, date_to, q)
    total = con.execute(f"SELECT count(*) FROM articles a WHERE {where}", args).fetchone()[0]
    rows = con.execute(
        f"SELECT a.article_id, a.title, split_part(ltrim(a.text), chr(10), 1), a.source, a.date, a.score, "
        f"a.density, a.n_spans, a.technique_counts "
        f"FROM articles a WHERE {where} ORDER BY {SORTS[sort]} LIMIT ? OFFSET ?",
        args + [limit, offset]).fetchall()
    items = [{"article_id": r[0], "title": headline(r[1], r[2], r[0]), "source": r[3], "date": r[4], "score": r[5],
              "density": r[6], "n_spans": r[7], "technique_counts": json.loads(r[8] or "{}")} for r in rows]
    counts = dict(con.execute(
        f"SELECT technique, count(*) FROM spans WHERE article_id IN (SELECT a.article_id FROM articles a "
        f"WHERE {where}) GROUP BY 1 ORDER BY 2 DESC", args).fetchall())
    return {"total": total, "limit": limit, "offset": offset, "items": items, "technique_counts": counts}


def summary(con) -> dict[str, Any]:
    n, spans, d0, d1 = con.execute("SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM spans), "
                                   "min(day), max(day) FROM articles").fetchone()
    sources = [r[0] for r in con.execute(
        "SELECT DISTINCT source FROM articles WHERE source IS NOT NULL ORDER BY 1").fetchall()]
    versions = [r[0] for r in con.execute("SELECT DISTINCT model_version FROM articles ORDER BY 1").fetchall()]
    return {"articles": n, "spans": spans, "sources": sources, "model_versions": versions,
            "date_min": d0.isoformat() if d0 else None, "date_max": d1.isoformat() if d1 else None}


# -- JSON --------------------------------------------------------------------------------------

@router.get("/corpus/api/summary")
def api_summary(request: Request):
    try:
        con = _connect(request)
    except ApiError as p:
        return _json_problem(p)
    try:
        return summary(con)
    finally:
        con.close()


@router.get("/corpus/api/articles")
def api_articles(request: Request, source: str | None = None, technique: str | None = None,
                 date_from: str | None = None, date_to: str | None = None, q: str | None = None,
                 sort: str = "score", limit: int = Query(PAGE_SIZE, ge=1, le=1000), offset: int = Query(0, ge=0, le=MAX_OFFSET)):
    try:
        con = _connect(request)
        try:
            return query_articles(con, source=source, technique=technique, date_from=date_from,
                                  date_to=date_to, q=q, sort=sort, limit=limit, offset=offset)
        finally:
            con.close()
    except ApiError as p:
        return _json_problem(p)


def _load(request: Request, article_id: str):
    from propscan.corpus.store import load_analysis

    con = _connect(request)
    try:
        found = load_analysis(con, article_id)
    finally:
        con.close()
    if found is None:
        raise ApiError(f"no article {article_id!r} in the store", code="E032")
    return found


@router.get("/corpus/api/articles/{article_id:path}")
def api_article(request: Request, article_id: str):
    try:
        meta, analysis = _load(request, article_id)
    except ApiError as p:
        return _json_problem(p)
    return {"meta": meta, "analysis": analysis.to_dict()}


# -- pages -------------------------------------------------------------------------------------

def _options(values: list[tuple[str, str]], selected: str | None, empty: str) -> str:
    out = [f"<option value=''>{e(empty)}</option>"]
    for value, label in values:
        sel = " selected" if value == selected else ""
        out.append(f"<option value='{e(value)}'{sel}>{e(label)}</option>")
    return "".join(out)


def _article_link(aid: str) -> str:
    return "/corpus/articles/" + quote(aid, safe="")


@router.get("/corpus", response_class=HTMLResponse)
def corpus_page(request: Request, source: str | None = None, technique: str | None = None,
                date_from: str | None = None, date_to: str | None = None, q: str | None = None,
                sort: str = "score", page: int = Query(1, ge=1, le=MAX_OFFSET // PAGE_SIZE)):
    try:
        con = _connect(request)
        try:
            info = summary(con)
            res = query_articles(con, source=source, technique=technique, date_from=date_from, date_to=date_to,
                                 q=q, sort=sort, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        finally:
            con.close()
    except ApiError as p:
        return _html_problem(p)
    tech_opts = [(t.label, t.name) for t in techniques.TECHNIQUES]
    sort_opts = [("score", "score"), ("density", "density"), ("date", "newest"), ("id", "id")]
    body = [f"<h1>Corpus</h1><p class=muted>{info['articles']} articles, {info['spans']} spans, "
            f"{len(info['sources'])} sources"
            + (f", {e(info['date_min'])} to {e(info['date_max'])}" if info["date_min"] else "")
            + f"; model {e(', '.join(info['model_versions']) or '-')}.</p>",
            "<form class=filters method=get action='/corpus'>",
            f"<label>source<select name=source>{_options([(s, s) for s in info['sources']], source, 'all sources')}</select></label>",
            f"<label>technique<select name=technique>{_options(tech_opts, technique, 'any technique')}</select></label>",
            f"<label>from<input type=date name=date_from value='{e(date_from or '')}'></label>",
            f"<label>to<input type=date name=date_to value='{e(date_to or '')}'></label>",
            f"<label>title or id<input type=search name=q value='{e(q or '')}'></label>",
            f"<label>sort<select name=sort>{_options(sort_opts, sort, 'score')}</select></label>",
            "<button type=submit>Filter</button> <a href='/corpus'>reset</a></form>",
            f"<p>{res['total']} matching article(s).</p>"]
    if res["technique_counts"]:
        body.append("<div class=legend>" + "".join(
            f"<span><span class='sw t{_INDEX.get(t, 0)}'></span>{e(techniques.display_name(t))}"
            f" ({n})</span>" for t, n in res["technique_counts"].items()) + "</div>")
    body.append("<table><tr><th>article</th><th>source</th><th>date</th><th>score</th><th>density</th>"
                "<th>spans</th><th>top techniques</th></tr>")
    for it in res["items"]:
        title = it["title"]
        top = ", ".join(techniques.display_name(t) for t in list(it["technique_counts"])[:3])
        body.append(f"<tr><td><a href='{e(_article_link(it['article_id']))}'>{e(title)}</a>"
                    f"<div class=muted>{e(it['article_id'])}</div></td><td>{e(it['source'] or '')}</td>"
                    f"<td>{e(it['date'] or '')}</td><td class=n>{it['score']:.3f}</td>"
                    f"<td class=n>{100 * it['density']:.1f}%</td><td class=n>{it['n_spans']}</td><td>{e(top)}</td></tr>")
    body.append("</table>")
    params = {k: v for k, v in dict(source=source, technique=technique, date_from=date_from, date_to=date_to,
                                    q=q, sort=sort).items() if v}
    pager = []
    if page > 1:
        pager.append(f"<a href='/corpus?{e(urlencode({**params, 'page': page - 1}))}'>← previous</a>")
    if page * PAGE_SIZE < res["total"]:
        pager.append(f"<a href='/corpus?{e(urlencode({**params, 'page': page + 1}))}'>next →</a>")
    body.append(f"<div class=pager>{''.join(pager)}</div>")
    return _page("Corpus", "".join(body))


def highlight_html(text: str, spans: list) -> str:
    """The text with every span in a <mark> (class per technique, title naming the techniques);
    overlapping spans split the text at every boundary, the innermost span gives the colour.
    All text is escaped."""
    bounds = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    out = []
    for a, b in zip(bounds, bounds[1:]):
        if a >= b:
            continue
        cover = [s for s in spans if s.start <= a and b <= s.end]
        piece = e(text[a:b])
        if not cover:
            out.append(piece)
            continue
        inner = min(cover, key=lambda s: (s.end - s.start, s.start))
        names = "; ".join(f"{techniques.display_name(s.technique)}"
                          f" ({s.confidence:.2f})" for s in sorted(cover, key=lambda s: s.start))
        cls = f"t{_INDEX.get(inner.technique, 0)}" + (" multi" if len(cover) > 1 else "")
        out.append(f"<mark class='{cls}' title='{e(names)}'>{piece}</mark>")
    return "".join(out)


@router.get("/corpus/articles/{article_id:path}", response_class=HTMLResponse)
def article_page(request: Request, article_id: str):
    try:
        meta, analysis = _load(request, article_id)
    except ApiError as p:
        return _html_problem(p)
    title = headline(meta["title"], analysis.text, article_id)
    facts = [f"id {e(article_id)}"]
    for key in ("source", "date"):
        if meta.get(key):
            facts.append(f"{key} {e(meta[key])}")
    facts.append(f"score {analysis.score:.3f}, density {100 * (meta['density'] or 0):.1f}%, "
                 f"{len(analysis.spans)} spans, model {e(analysis.model_version)}")
    body = ["<p><a href='/corpus'>← corpus</a></p>", f"<h1>{e(title)}</h1>",
            f"<p class=muted>{' · '.join(facts)}</p>"]
    if meta.get("url"):
        body.append(f"<p class=muted>source URL (not opened): <code>{e(meta['url'])}</code></p>")
    if analysis.technique_counts:
        body.append("<div class=legend>" + "".join(
            f"<span><span class='sw t{_INDEX.get(t, 0)}'></span>{e(techniques.display_name(t))} ({n})</span>"
            for t, n in analysis.technique_counts.items()) + "</div>")
    body.append(f"<div class=article>{highlight_html(analysis.text, analysis.spans)}</div>")
    if analysis.spans:
        body.append("<h2>Spans</h2><table><tr><th>start</th><th>end</th><th>technique</th><th>confidence</th>"
                    "<th>text</th></tr>")
        for s in analysis.spans:
            name = techniques.display_name(s.technique)
            body.append(f"<tr><td class=n>{s.start}</td><td class=n>{s.end}</td><td><span class='sw t{_INDEX.get(s.technique, 0)}'>"
                        f"</span>{e(name)}</td><td class=n>{s.confidence:.2f}</td><td>{e(s.text[:200])}</td></tr>")
        body.append("</table>")
    return _page(title, "".join(body))
