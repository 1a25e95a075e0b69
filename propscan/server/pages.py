"""HTML pages: the analyser (/), permalinks (/a/<id>) and the API reference (/docs)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from propscan.domain import headline
from propscan.server.payloads import techniques_payload
from propscan.server.problems import NotFound
from propscan.server.store import ID_PATTERN
from propscan.server.templating import fill, html_text, script_json, template

router = APIRouter(include_in_schema=False)


def page(title: str, record: dict[str, Any] | None, status: int = 200) -> HTMLResponse:
    body = fill(template("index.html"), title=html_text(title), result=template("result.html"),
                techniques_json=script_json(techniques_payload()), data_json=script_json(record))
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def not_found_page(message: str) -> HTMLResponse:
    body = fill(template("notfound.html"), message=html_text(message))
    return HTMLResponse(body, status_code=404)


@router.get("/", response_class=HTMLResponse)
def index() -> HTMLResponse:
    return page("propscan: find propaganda techniques in news", None)


@router.get("/a/{analysis_id}", response_class=HTMLResponse)
def permalink(request: Request, analysis_id: str) -> HTMLResponse:
    rec = request.app.state.propscan.store.get(analysis_id) if re.match(ID_PATTERN, analysis_id) else None
    if rec is None:
        raise NotFound("no saved analysis has this id; the link may be mistyped")
    data = rec.to_dict()
    return page(f"{headline(rec.analysis.title, rec.analysis.text, 'analysis')} - propscan", data)


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    """A readable API reference generated from the OpenAPI schema; works offline (no CDN)."""
    schema = request.app.openapi()
    parts = []
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            params = "".join(
                f"<li><code>{html_text(p['name'])}</code> ({html_text(p.get('in'))}"
                f"{', required' if p.get('required') else ''}) {html_text(p.get('description', ''))}</li>"
                for p in op.get("parameters", []))
            body = op.get("requestBody", {}).get("content", {})
            body_html = "".join(
                f"<li><code>{html_text(ct)}</code>: {html_text(_ref(c.get('schema', {})))}</li>"
                for ct, c in body.items())
            responses = "".join(
                f"<li><code>{html_text(code)}</code> {html_text(r.get('description', ''))}</li>"
                for code, r in op.get("responses", {}).items())
            parts.append(
                f'<section class="op"><h2><span class="method">{html_text(method.upper())}</span> '
                f"<code>{html_text(path)}</code></h2><p>{html_text(op.get('summary', ''))}</p>"
                f"<p>{html_text(op.get('description', ''))}</p>"
                + (f"<h3>Parameters</h3><ul>{params}</ul>" if params else "")
                + (f"<h3>Request body</h3><ul>{body_html}</ul>" if body_html else "")
                + f"<h3>Responses</h3><ul>{responses}</ul></section>")
    schemas = "".join(
        f'<section class="schema" id="schema-{html_text(name)}"><h3>{html_text(name)}</h3><ul>'
        + "".join(f"<li><code>{html_text(field)}</code>: {html_text(_ref(spec))}"
                  f"{' (required)' if field in s.get('required', []) else ''}"
                  f" {html_text(spec.get('description', ''))}</li>"
                  for field, spec in s.get("properties", {}).items())
        + "</ul></section>"
        for name, s in schema.get("components", {}).get("schemas", {}).items())
    body = fill(template("docs.html"), title=html_text(schema["info"]["title"]),
                description=html_text(schema["info"].get("description", "")),
                operations="".join(parts), schemas=schemas)
    return HTMLResponse(body)


def _ref(spec: dict[str, Any]) -> str:
    if "$ref" in spec:
        return spec["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in spec:
        return " or ".join(_ref(s) for s in spec["anyOf"])
    if spec.get("type") == "array":
        return f"list of {_ref(spec.get('items', {}))}"
    if "enum" in spec:
        return "one of " + ", ".join(map(str, spec["enum"]))
    if "const" in spec:
        return repr(spec["const"])
    return str(spec.get("type", "any"))
