"""The standalone HTML report: one file with the CSS, the viewer script and the data inside.

It opens offline from disk. Its Content-Security-Policy allows only the exact inline script and
style it carries (by hash), so nothing in the article text could ever run even if it escaped.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from propscan.domain import headline
from propscan.server.payloads import techniques_payload
from propscan.server.templating import fill, html_text, script_json, static, template


def _hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode() + "'"


def render_report(record: dict[str, Any]) -> tuple[str, str]:
    """(html, content security policy) for a saved analysis record."""
    css, js = static("propscan.css"), static("viewer.js")
    if "</" in js or "</" in css:
        raise RuntimeError("viewer.js/propscan.css must not contain '</' (they are inlined)")
    csp = (f"default-src 'none'; script-src {_hash(js)}; style-src {_hash(css)}; img-src data:; "
           "base-uri 'none'; form-action 'none'")
    analysis = record.get("analysis", {})
    title = headline(analysis.get("title"), analysis.get("text", ""), "analysis")
    html = fill(template("report.html"), csp=html_text(csp), title=html_text(title), css=css, js=js,
                result=template("result.html"), techniques_json=script_json(techniques_payload()),
                data_json=script_json(record))
    return html, csp
