"""The REST API's `voice` option on the voice test article."""

from __future__ import annotations

from tests.voice_checks import ARTICLE, check_voices


def test_the_api_voice_option_sets_voice_and_speaker_and_keeps_them_with_the_permalink(client):
    r = client.post("/api/v1/analyses", json={"text": ARTICLE.read_text(encoding="utf-8"), "voice": True})
    assert r.status_code == 201, r.text
    rec = r.json()
    assert rec["options"]["voice"] is True
    check_voices(rec["analysis"])
    again = client.get(f"/api/v1/analyses/{rec['id']}").json()
    assert [s["voice"] for s in again["analysis"]["spans"]] == [s["voice"] for s in rec["analysis"]["spans"]]


def test_without_the_voice_option_spans_have_no_voice(client):
    r = client.post("/api/v1/analyses", json={"text": ARTICLE.read_text(encoding="utf-8"), "save": False})
    assert r.status_code == 201, r.text
    a = r.json()["analysis"]
    assert all(s.get("voice") is None for s in a["spans"]) and a["speaker_summary"] == []
