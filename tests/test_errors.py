"""One error registry: every code used in the package is registered and documented, and the
CLI's exit statuses and the API's HTTP statuses come from it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from propscan.errors import REGISTRY, PropscanError, StoreError
from tests.cli.conftest import run_propscan
from tests.conftest import ROOT

PACKAGE = ROOT / "propscan"
CODE = re.compile(r"^(E\d{3}|[a-z]+(_[a-z0-9]+)+|[a-z]+)$")


def _used_codes() -> dict[str, str]:
    """Every error code written in the package source -> where (file:line)."""
    found: dict[str, str] = {}

    def add(node: ast.AST, path: Path) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.match(node.value):
            found.setdefault(node.value, f"{path.relative_to(ROOT)}:{node.lineno}")

    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.fullmatch(r"E\d{3}", node.value):
                add(node, path)
            elif isinstance(node, ast.keyword) and node.arg == "code":
                add(node.value, path)
            elif isinstance(node, ast.Assign):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                tuples = [t for t in node.targets if isinstance(t, ast.Tuple)]
                if "code" in names:
                    add(node.value, path)
                elif names == ["codes"] and isinstance(node.value, ast.Dict):   # status -> code tables
                    for v in node.value.values:
                        add(v, path)
                for t in tuples:
                    for target, value in zip(t.elts, getattr(node.value, "elts", [])):
                        if isinstance(target, ast.Name) and target.id == "code":
                            add(value, path)
            elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
                    "error_body", "_reply"):
                for arg in node.args:
                    add(arg, path)
    return found


def test_every_code_used_in_the_package_is_registered():
    used = _used_codes()
    assert {"E001", "E010", "E030", "E031", "url_refused", "targets_unavailable", "too_large",
            "internal_error"} <= set(used), "the scan should find codes in errors.py, the server and corpus"
    unregistered = {c: where for c, where in used.items() if c not in REGISTRY}
    assert not unregistered, f"register these in propscan/errors.py: {unregistered}"


def test_every_registered_code_is_documented_and_the_reference_is_current():
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_error_docs", ROOT / "scripts" / "gen_error_docs.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    doc = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert doc == gen.render(), "docs/errors.md is out of date; run: python scripts/gen_error_docs.py"
    for code, e in REGISTRY.items():
        assert f"| `{code}` |" in doc
        assert e.title.strip() and e.what_to_do.strip() and 400 <= e.http_status < 600


def test_every_error_class_has_a_registered_code():
    classes, todo = [], [PropscanError]
    while todo:
        cls = todo.pop()
        classes.append(cls)
        todo.extend(cls.__subclasses__())
    assert StoreError in classes
    for cls in classes:
        assert cls.code in REGISTRY, cls
        err = cls("x")
        assert err.exit_code == (REGISTRY[cls.code].exit_code or 1) and err.http_status == REGISTRY[cls.code].http_status


def test_cli_exit_status_comes_from_the_registry(tmp_path):
    res = run_propscan("report", tmp_path / "none.duckdb", "-o", tmp_path / "r.html")
    assert res.rc == REGISTRY["E030"].exit_code and "[E030]" in res.err and "Traceback" not in res.err
    res = run_propscan("analyze", "--model", tmp_path / "no-model", "-", input="Some text.")
    assert res.rc == REGISTRY["E010"].exit_code and "[E010]" in res.err


def test_a_model_error_reaches_api_clients_as_a_server_error_not_a_400(analyzer, tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from propscan.server import Settings, create_app

    monkeypatch.setenv("PROPSCAN_CLAIMS_MODEL", str(tmp_path / "no-claims-model"))
    app = create_app(Settings(db_path=tmp_path / "a.db", allowed_hosts=("testserver",)), analyzer=analyzer)
    with TestClient(app) as client:
        r = client.post("/api/v1/analyses", json={"text": "Unemployment fell by 40 percent.", "claims": True})
    assert r.status_code == REGISTRY["E010"].http_status == 500
    err = r.json()["error"]
    assert err["code"] == "E010" and "no-claims-model" in err["message"] and err["status"] == 500


def test_api_error_classes_take_their_status_from_the_registry():
    from propscan.server import problems

    for cls in (problems.UrlRefused, problems.FetchFailed, problems.FetchTimeout, problems.NoArticle,
                problems.NotFound, problems.AnalysisTimeout):
        assert cls("x").status == REGISTRY[cls.code].http_status
    assert problems.ApiError("x", code="E031").status == 404
    assert problems.ApiError("busy", code="E030", status=503).status == 503
    with pytest.raises(KeyError):
        problems.ApiError("x", code="not_registered")
