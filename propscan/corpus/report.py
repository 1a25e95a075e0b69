"""A self-contained HTML report of a store (charts embedded as base64 PNG, inline CSS, no
scripts, nothing fetched), plus the same charts as PNG files for papers."""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from propscan import techniques
from propscan.domain import headline
from propscan.corpus.store import connect_read

PNG_DPI = 200


@dataclass
class ReportResult:
    html_path: Path
    png_paths: list[Path] = field(default_factory=list)
    articles: int = 0


def _figure(width: float = 7.5, height: float = 4.0):
    from matplotlib.figure import Figure   # no pyplot: no GUI backend, safe in servers and threads

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.add_subplot()


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=PNG_DPI)
    return buf.getvalue()


def chart_technique_frequency(con) -> bytes | None:
    rows = con.execute("SELECT technique, count(*) FROM spans GROUP BY 1 ORDER BY 2").fetchall()
    if not rows:
        return None
    fig, ax = _figure(7.5, 0.35 * len(rows) + 1.2)
    names = [techniques.display_name(t) for t, _ in rows]
    colours = [techniques.colour(t) for t, _ in rows]
    bars = ax.barh(names, [n for _, n in rows], color=colours, edgecolor="#333333", linewidth=0.5)
    ax.bar_label(bars, padding=2, fontsize=8)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("spans")
    ax.set_title("Technique frequency")
    return _png(fig)


def chart_density_by_source(con, top: int = 20) -> bytes | None:
    rows = con.execute(
        "SELECT coalesce(source, '(no source)') s, avg(density), count(*), avg(score) FROM articles "
        "GROUP BY 1 ORDER BY count(*) DESC, s LIMIT ?", [top]).fetchall()
    if not rows:
        return None
    rows.sort(key=lambda r: r[1])
    fig, ax = _figure(7.5, 0.35 * len(rows) + 1.2)
    bars = ax.barh([f"{s} (n={n})" for s, _, n, _ in rows], [100 * d for _, d, _, _ in rows], color="#9fc4f0",
                   edgecolor="#333333", linewidth=0.5)
    ax.bar_label(bars, labels=[f"{100 * d:.1f}%" for _, d, _, _ in rows], padding=2, fontsize=8)
    ax.set_xlabel("share of characters inside propaganda spans (mean per article, %)")
    ax.set_title("Propaganda density per source")
    return _png(fig)


def chart_voice_by_source(con, top: int = 20) -> bytes | None:
    """Spans in the author's own voice against quoted spans, per source (runs with --voice)."""
    rows = con.execute(
        "SELECT coalesce(a.source, '(no source)') s, count(*) FILTER (WHERE sp.voice = 'author'), "
        "count(*) FILTER (WHERE sp.voice = 'quoted') FROM spans sp JOIN articles a USING (article_id) "
        "WHERE sp.voice IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, s LIMIT ?", [top]).fetchall()
    if not rows:
        return None
    rows.sort(key=lambda r: r[1] + r[2])
    fig, ax = _figure(7.5, 0.35 * len(rows) + 1.4)
    names = [s for s, _, _ in rows]
    ax.barh(names, [a for _, a, _ in rows], color="#f4a261", edgecolor="#333333", linewidth=0.5,
            label="author's voice")
    ax.barh(names, [q for _, _, q in rows], left=[a for _, a, _ in rows], color="#8ecae6",
            edgecolor="#333333", linewidth=0.5, hatch="//", label="quoted")
    ax.set_xlabel("technique spans")
    ax.set_title("Techniques in the author's voice and in quotes, per source")
    ax.legend(loc="lower right", fontsize=8)
    return _png(fig)


def chart_over_time(con) -> bytes | None:
    rows = con.execute("SELECT date_trunc('month', day) m, avg(density), count(*) FROM articles "
                       "WHERE day IS NOT NULL GROUP BY 1 ORDER BY 1").fetchall()
    if not rows:
        return None
    months = [r[0] for r in rows]
    fig, ax = _figure()
    ax.bar(months, [r[2] for r in rows], width=20, color="#dddddd", label="articles")
    ax.set_ylabel("articles per month")
    ax2 = ax.twinx()
    ax2.plot(months, [100 * r[1] for r in rows], marker="o", color="#c0392b", label="density")
    ax2.set_ylabel("mean propaganda density (%)", color="#c0392b")
    ax2.set_ylim(bottom=0)
    ax.set_title("Propaganda density over time")
    from matplotlib.dates import DateFormatter, MonthLocator
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MonthLocator(interval=max(1, len(months) // 12)))
    ax.xaxis.set_major_formatter(DateFormatter("%Y-%m"))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    fig.autofmt_xdate()
    return _png(fig)


def top_phrases(con, per_technique: int = 5) -> dict[str, list[tuple[str, int]]]:
    counts: dict[str, Counter] = defaultdict(Counter)
    for tech, text in con.execute("SELECT technique, text FROM spans").fetchall():
        phrase = re.sub(r"\s+", " ", text).strip().strip(".,;:!?\"'“”‘’()").lower()
        if phrase:
            counts[tech][phrase] += 1
    order = {t: i for i, t in enumerate(techniques.LABELS)}
    return {t: c.most_common(per_technique) for t, c in sorted(counts.items(), key=lambda kv: order.get(kv[0], 99))}


def top_articles(con, n: int = 15) -> list[tuple]:
    rows = con.execute("SELECT article_id, title, split_part(ltrim(text), chr(10), 1), source, date, score, "
                       "density, n_spans FROM articles ORDER BY score DESC, density DESC, article_id LIMIT ?",
                       [n]).fetchall()
    return [(aid, headline(title, first_line), *rest) for aid, title, first_line, *rest in rows]


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:60rem;margin:2rem auto;
padding:0 1rem;color:#1d1d1d;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{text-align:left;padding:.25rem .5rem;
border-bottom:1px solid #eee;vertical-align:top}th{background:#f6f6f6}td.n{text-align:right}
img{max-width:100%;height:auto}.swatch{display:inline-block;width:.8em;height:.8em;border:1px solid #555;
margin-right:.3em}.muted{color:#666}
"""


def _img(png: bytes, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def build_report(store: str | Path, output: str | Path, png_dir: str | Path | None = None,
                 title: str = "Propaganda techniques in the corpus") -> ReportResult:
    """Write the HTML report to `output` and the charts as PNG files to `png_dir`
    (default: `<output stem>_charts/` beside it)."""
    from propscan.corpus._deps import need

    need("matplotlib")
    output = Path(output)
    png_dir = Path(png_dir) if png_dir else output.with_name(output.stem + "_charts")
    con = connect_read(Path(store))
    try:
        n_articles, n_spans, first, last, n_sources = con.execute(
            "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM spans), min(day), max(day), "
            "count(DISTINCT source) FROM articles").fetchone()
        versions = [r[0] for r in con.execute(
            "SELECT DISTINCT model_version FROM articles ORDER BY 1").fetchall()]
        charts = [("technique_frequency", "Technique frequency", chart_technique_frequency(con)),
                  ("density_by_source", "Propaganda density per source", chart_density_by_source(con)),
                  ("density_over_time", "Propaganda density over time", chart_over_time(con)),
                  ("voice_by_source", "Techniques in the author's voice and in quotes, per source",
                   chart_voice_by_source(con))]
        phrases = top_phrases(con)
        articles = top_articles(con)
    finally:
        con.close()

    result = ReportResult(output, articles=n_articles)
    png_dir.mkdir(parents=True, exist_ok=True)
    for name, _, png in charts:
        if png:
            p = png_dir / f"{name}.png"
            p.write_bytes(png)
            result.png_paths.append(p)

    e = html.escape
    parts = [f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{e(title)}</title>"
             f"<meta name=viewport content='width=device-width,initial-scale=1'><style>{CSS}</style></head><body>",
             f"<h1>{e(title)}</h1>",
             f"<p>{n_articles} articles, {n_spans} technique spans, {n_sources} sources"
             + (f", dated {first} to {last}" if first else "")
             + f". Model: {e(', '.join(versions) or 'none')}. Store: <code>{e(str(store))}</code>. "
             f"Generated {_dt.datetime.now(_dt.timezone.utc):%Y-%m-%d %H:%M} UTC.</p>",
             "<p class=muted>Predictions of a model, not verdicts: review before quoting. "
             "Density is the share of an article's characters inside predicted spans.</p>"]
    if not n_articles:
        parts.append("<p><strong>The store holds no articles yet.</strong> Run "
                     "<code>propscan batch INPUT -o STORE</code> first.</p>")
    for _, caption, png in charts:
        if png:
            parts.append(f"<h2>{e(caption)}</h2>{_img(png, caption)}")
    if phrases:
        parts.append("<h2>Most frequent phrases per technique</h2><table><tr><th>technique</th>"
                     "<th>phrases (count)</th></tr>")
        for tech, items in phrases.items():
            known = tech in techniques.BY_LABEL
            swatch = f"<span class=swatch style='background:{techniques.colour(tech)}'></span>" if known else ""
            parts.append(f"<tr><td>{swatch}{e(techniques.display_name(tech))}</td><td>"
                         + "; ".join(f"“{e(p if len(p) <= 80 else p[:79] + '…')}” ({c})" for p, c in items) + "</td></tr>")
        parts.append("</table>")
    if articles:
        parts.append("<h2>Most propagandistic articles</h2><table><tr><th>article</th><th>title</th>"
                     "<th>source</th><th>date</th><th>score</th><th>density</th><th>spans</th></tr>")
        for aid, ttl, src, date, score, density, spans in articles:
            parts.append(f"<tr><td>{e(aid)}</td><td>{e(ttl)}</td><td>{e(src or '')}</td>"
                         f"<td>{e(date or '')}</td><td class=n>{score:.3f}</td>"
                         f"<td class=n>{100 * density:.1f}%</td><td class=n>{spans}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>\n")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("".join(parts), encoding="utf-8")
    return result
