"""Tiny, safe templating: {{name}} placeholders filled in one pass, values escaped by the caller's
choice of helper (html_text for markup, script_json for data inside <script> elements)."""

from __future__ import annotations

import html
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
_PLACEHOLDER = re.compile(r"\{\{([a-z_]+)\}\}")


@lru_cache(maxsize=None)
def template(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def static(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def fill(source: str, **values: str) -> str:
    """Replace every {{name}} in one pass (so values are never re-scanned); unknown names fail."""
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], source)


def html_text(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def script_json(value: Any) -> str:
    """JSON that is safe inside <script type="application/json">: no '<', '>' or '&' can close the
    element or open a comment, and U+2028/2029 are escaped too."""
    return (json.dumps(value, ensure_ascii=False)
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
