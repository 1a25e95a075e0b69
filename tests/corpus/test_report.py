from __future__ import annotations

import re
import subprocess
import sys

from propscan.corpus.report import build_report
from propscan.corpus.runner import run_batch

from .conftest import write_jsonl

PNG = b"\x89PNG\r\n\x1a\n"


def _external_refs(html: str) -> list[str]:
    """Anything a browser would fetch: src/href attributes and CSS url() not pointing at data:."""
    refs = re.findall(r"""(?:src|href)\s*=\s*["']?([^"'\s>]+)""", html) + re.findall(r"url\(([^)]*)\)", html)
    return [r for r in refs if not r.startswith("data:")]


def test_report_is_self_contained_html_with_charts_and_png_files(analysed_store, tmp_path, records):
    out = tmp_path / "report.html"
    result = build_report(analysed_store, out)
    html = out.read_text(encoding="utf-8")
    assert _external_refs(html) == []                 # works offline: no CDN, nothing fetched
    assert "<script" not in html.lower()
    assert html.count("data:image/png;base64,") == len(result.png_paths) >= 2
    assert {p.name for p in result.png_paths} >= {"density_by_source.png", "density_over_time.png"}
    for p in result.png_paths:
        assert p.read_bytes().startswith(PNG) and p.parent == tmp_path / "report_charts"
    assert result.articles == len(records)
    assert "Most propagandistic articles" in html
    # text from the store is escaped, never markup
    assert "&lt;b&gt;Tricky&lt;/b&gt;" in html and "<b>Tricky</b>" not in html
    for source in ("daily-a", "weekly-b", "blog-c"):
        assert source in html


def test_report_of_an_empty_store_says_so(tmp_path):
    src = write_jsonl(tmp_path / "bad.jsonl", [], ["not json"])
    run_batch([src], tmp_path / "empty.duckdb")
    result = build_report(tmp_path / "empty.duckdb", tmp_path / "r.html", png_dir=tmp_path / "png")
    assert result.png_paths == [] and "holds no articles yet" in (tmp_path / "r.html").read_text()


def test_report_command_writes_the_files(analysed_store, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "propscan", "report", str(analysed_store), "-o",
                           str(tmp_path / "r.html"), "--png-dir", str(tmp_path / "charts")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "r.html").stat().st_size > 1000
    assert len(list((tmp_path / "charts").glob("*.png"))) >= 2


def test_report_on_a_missing_store_is_a_clear_error(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "propscan", "report", str(tmp_path / "nope.duckdb")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0 and "no such store" in proc.stderr and "Traceback" not in proc.stderr


def test_a_run_with_voice_stores_voice_and_speaker_and_the_report_charts_them_per_source(tmp_path):
    import duckdb

    from tests.voice_checks import ARTICLE

    text = ARTICLE.read_text(encoding="utf-8")
    recs = [{"id": "v1", "text": text, "source": "harbour-times"},
            {"id": "v2", "text": text.replace("Ana Ruiz", "Lena Ortiz"), "source": "bay-post"}]
    src = write_jsonl(tmp_path / "v.jsonl", recs)
    store = tmp_path / "voice.duckdb"
    assert run_batch([src], store, layers=["voice"]).written == 2
    con = duckdb.connect(str(store), read_only=True)
    rows = con.execute("SELECT voice, speaker FROM spans").fetchall()
    con.close()
    assert rows and all(v in ("author", "quoted") for v, _ in rows)
    assert all(v == "quoted" or s is None for v, s in rows)
    result = build_report(store, tmp_path / "r.html", png_dir=tmp_path / "png")
    assert "voice_by_source.png" in {p.name for p in result.png_paths}
    assert "author&#x27;s voice and in quotes" in (tmp_path / "r.html").read_text(encoding="utf-8") or \
        "author's voice and in quotes" in (tmp_path / "r.html").read_text(encoding="utf-8")
