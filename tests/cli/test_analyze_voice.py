"""`propscan analyze --voice` on the voice test article."""

from __future__ import annotations

import json

from tests.voice_checks import ARTICLE, check_voices


def test_analyze_voice_json_carries_voice_speaker_and_the_per_speaker_sums(cli):
    r = cli("analyze", str(ARTICLE), "--voice", "--json")
    assert r.rc == 0, r.err
    check_voices(json.loads(r.out))


def test_analyze_voice_prints_voice_and_speaker_columns_and_the_speaker_table(cli):
    r = cli("analyze", str(ARTICLE), "--voice")
    assert r.rc == 0, r.err
    assert "voice" in r.out and "speaker" in r.out
    assert "Techniques per speaker" in r.out
