"""Technique targets from spaCy's small English pipeline, on real PTC text and the
hand-labelled evaluation sets (tests/data/targets_*.tsv): the learned ranker that makes the
final choice (the default) and the hand-written rules it takes as features (`ranker=False`)."""

from __future__ import annotations

from pathlib import Path

import subprocess
import sys

import pytest

from propscan.domain import Analysis, Span
from propscan.io.ptc import read_text_file
from propscan.errors import ModelError
from propscan.targets import TargetFinder, evaluate_targets, read_target_rows, target_matches
from propscan.targets_ranker import load_ranker

EVAL = Path(__file__).parent / "data" / "targets_eval.tsv"


def _annotated(train_dir) -> set[tuple[str, str, str, str]]:
    """(article_id, technique, start, end) of every annotated span of the training split."""
    return {tuple(r.split("\t")) for r in (train_dir / "labels.tsv").read_text(encoding="utf-8").splitlines()[1:]}


@pytest.fixture(scope="module")
def finder():
    return TargetFinder()


@pytest.fixture(scope="module")
def rules(finder):
    """The hand-written rules alone (the ranker's features), without the ranker's choice."""
    return TargetFinder(finder.nlp, ranker=False)


def test_hand_labelled_set_has_60_targeted_spans_inside_training_articles(train_dir):
    rows = [line.split("\t") for line in EVAL.read_text(encoding="utf-8").splitlines()[1:]]
    assert len(rows) >= 60
    assert sum(r[4] != "none" for r in rows) >= 60
    gold = _annotated(train_dir)
    for aid, start, end, technique, target in rows:
        assert (aid, technique, start, end) in gold, (aid, start, end)
        assert len(target) < 80


# Floors for the learned ranker on each hand-labelled set it was fitted on. They are set from its
# honest figures, never from its in-sample ones (docs/enrichers.md, "Targets: figures"): a ranker
# refitted on these sets that is as good on held-out data as today's (precision about 0.67,
# recall about 0.30 on fresh4 and fresh5) must pass. Each floor lies at least two binomial
# standard errors of one set (some 35 to 55 spans given a target, 64 to 124 gold targets) under
# the lowest out-of-fold figure of any set (precision about 0.63 on fresh2, recall about 0.26 on
# fresh3). A broken ranker still fails (tried on the four sets): one that names the second-best
# candidate falls under the precision floor on each set, negated weights name almost no one
# (recall 0), random weights are right on fewer than 2 in 5 of the spans they name, and naming
# the best candidate of every span (threshold 0) gives a target to every span (over GIVEN_BELOW).
PRECISION_FLOOR = 0.5
RECALL_FLOOR = 0.15
GIVEN_BELOW = 0.6   # it names only where confident: under half the held-out spans today


def test_targets_reach_the_measured_precision_and_recall(finder, rules, train_dir):
    # The ranker fitted on this set: held to the floors above. The rules were written against it
    # (in-sample): a floor under their figure in docs/enrichers.md.
    _check_floor(EVAL, train_dir / "articles", finder, GIVEN_BELOW, PRECISION_FLOOR, RECALL_FLOOR)
    result = evaluate_targets(EVAL, train_dir / "articles", rules)
    assert result["precision"] >= 0.6 and result["recall"] >= 0.4, {k: v for k, v in result.items() if k != "details"}


def _ranker_answer_is_a_candidate_or_none(finder, text, span, expected):
    """The ranker sees the rules' answer `expected` among the span's candidates, and names one
    of them or abstains: which one, or whether it abstains, is up to today's weights."""
    names = [n for n, _ in finder.span_candidates(text, [span])[0]]
    assert expected in names, names
    [got] = finder.find(text, [span])
    assert got is None or got in names, (got, names)


def test_a_label_before_a_name_targets_the_name(finder, rules):
    text = "Donald Trump's disgraced former campaign manager, Paul Manafort, visited London twice."
    span = (text.index("disgraced"), text.index(", Paul"))
    assert rules.find(text, [span]) == ["Paul Manafort"]
    _ranker_answer_is_a_candidate_or_none(finder, text, span, "Paul Manafort")


def test_a_pronoun_subject_resolves_to_the_last_person_named(rules):
    text = ("Ambassador Nikki Haley spoke at the United Nations on Monday. "
            "Did she deliberately omit the inconvenient part of the report?")
    start = text.index("Did")
    assert rules.find(text, [(start, len(text))]) == ["Nikki Haley"]


def test_surnames_are_reported_as_the_full_name_used_in_the_article(finder, rules):
    text = "Hillary Clinton spoke in Ohio. Later, Clinton viciously attacked the press again."
    start = text.index("viciously")
    span = (start, start + len("viciously attacked"))
    assert rules.find(text, [span]) == ["Hillary Clinton"]
    # the candidates carry the full name too, so whatever the ranker names is never the bare surname
    _ranker_answer_is_a_candidate_or_none(finder, text, span, "Hillary Clinton")
    assert "Clinton" not in [n for n, _ in finder.span_candidates(text, [span])[0]]


def test_spans_without_anyone_around_have_no_target(finder):
    text = "It was a dark and stormy night.\n"
    assert finder.find(text, [(9, 13)]) == [None]


def test_article_summary_lists_the_most_targeted_entities_per_technique(finder, train_dir):
    text = read_text_file(train_dir / "articles" / "article999001619.txt")
    rows = [r.split("\t") for r in (train_dir / "labels.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    spans = [Span(int(s), int(e), t, 1.0, text[int(s):int(e)]) for a, t, s, e in rows if a == "999001619"]
    from propscan.enrich import enrich

    analysis = enrich(Analysis("999001619", text, spans, [], 0.0, "gold"), claims=False)
    summary = analysis.target_summary()
    assert summary, "the Guardian article should have targets"
    top = [t for items in summary.values() for t, _ in items]
    assert any("Guardian" in t for t in top), summary
    # the summary counts what the spans say, and the JSON carries each span's own target
    found = [s.target for s in analysis.spans]
    assert any(found)
    for technique, items in summary.items():
        for target, n in items:
            assert n == sum(1 for s in analysis.spans if s.technique == technique and s.target == target)
    data = analysis.to_dict()
    assert [s.get("target") for s in data["spans"]] == found
    summary_json = {t: [{"target": x, "spans": n} for x, n in v] for t, v in summary.items()}
    # `targets` is the deprecated alias of `target_summary` (kept for one release)
    assert data["target_summary"] == summary_json and data["targets"] == data["target_summary"]
    assert Analysis.from_dict(data).spans == analysis.spans


def test_target_matching_accepts_surnames_and_alternatives_only():
    assert target_matches("Donald J. Trump", "Trump")
    assert target_matches("the Guardian", "Guardian")
    assert target_matches("Democrats", "Democrat|House Democrats")
    assert target_matches(None, "none")
    assert not target_matches("Trump", "none")
    assert not target_matches("Obama", "Obama administration")
    assert not target_matches(None, "Obama")


def test_spans_outside_the_text_are_an_input_error(finder):
    from propscan.errors import InputError

    with pytest.raises(InputError):
        finder.find("Short text.", [(5, 50)])


FRESH = Path(__file__).parent / "data" / "targets_fresh.tsv"


def test_the_fresh_set_holds_120_gold_spans_from_articles_never_used_for_targets(train_dir):
    rows = [line.split("\t") for line in FRESH.read_text(encoding="utf-8").splitlines()[1:]]
    assert len(rows) >= 120
    old = {line.split("\t")[0] for line in EVAL.read_text(encoding="utf-8").splitlines()[1:]}
    assert not {r[0] for r in rows} & old
    gold = _annotated(train_dir)
    for aid, start, end, technique, target in rows:
        assert (aid, technique, start, end) in gold, (aid, start, end)


def test_targets_abstain_more_than_they_guess_on_the_fresh_set(finder, train_dir):
    # Held out for the first rules, in-sample since the rules were revised on it (docs/enrichers.md).
    _check_floor(FRESH, train_dir / "articles", finder, GIVEN_BELOW, PRECISION_FLOOR, RECALL_FLOOR)


# -- the abstaining rules, on sentences of our own -------------------------------------------------

@pytest.fixture(scope="module")
def parse_only(rules):
    """The same rules without step 4 (the nearest candidate in the sentence), so that a test
    sees whether the parse itself ties a span to someone."""
    return TargetFinder(rules.nlp, nearest=False, ranker=False)


def _find(finder, text, fragment):
    start = text.index(fragment)
    return finder.find(text, [(start, start + len(fragment))])[0]


def test_a_naming_verb_aims_the_name_at_its_object(rules):
    assert _find(rules, "The mayor kept calling Senator Ana Ruiz “Satan” at every rally.", "Satan") == "Ana Ruiz"


def test_a_label_before_a_comma_names_only_its_own_apposition(parse_only):
    text = "Starting with the embassy siege and hostage crisis, Trump described the crimes of the regime."
    assert _find(parse_only, text, "embassy siege and hostage crisis") is None


def test_a_subject_stands_for_its_head_not_for_a_name_further_down(parse_only):
    text = "The details of Senator Ana Ruiz's testimony are utterly devastating."
    assert _find(parse_only, text, "utterly devastating") is None


def test_it_before_a_copula_is_a_placeholder_not_an_organisation(rules):
    text = "Acme Corporation filed the papers on Monday. It will be difficult, if not impossible, to stop them."
    assert _find(rules, text, "difficult, if not impossible") is None


def test_a_place_in_a_setting_phrase_is_where_not_whom(rules):
    text = "A doctor told reporters the crisis in Portugal had yet to peak."
    assert _find(rules, text, "the crisis in Portugal had yet to peak") is None


def test_one_member_of_a_group_is_the_person_with_that_title_or_no_one(rules):
    text = "Bishop Anton Weber preached on Sunday. Here, at last, is a bishop with the courage to speak plainly."
    assert _find(rules, text, "a bishop with the courage to speak plainly") == "Bishop Anton Weber"
    assert _find(rules, "The city released the alien onto the streets again.", "alien") is None


def test_a_group_noun_beside_a_name_stands_for_the_name(rules):
    text = "He joined MS-13, a gang that is notorious for extreme violence."
    assert _find(rules, text, "notorious for extreme violence") == "MS-13"


def test_a_nationality_with_a_people_noun_is_one_group(rules):
    assert _find(rules, "The speaker labels the Jewish people “Satan.”", "Satan") == "Jewish people"


def test_the_speaker_next_to_their_own_words_is_not_their_target(rules):
    text = "“I have no doubt that this vote was about my faith and nothing more,” wrote Ana Ruiz."
    assert _find(rules, text, "I have no doubt that this vote was about my faith and nothing more") is None


def test_a_bare_collective_noun_is_no_target(rules):
    assert _find(rules, "The first group of the caravan arrived yesterday.", "the caravan") is None


# -- the second fresh set (held out: labelled after the rules were frozen) -------------------------

FRESH2 = Path(__file__).parent / "data" / "targets_fresh2.tsv"


def _rows(path):
    return [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()[1:]
            if line and not line.startswith("#")]


def _check_fresh_set(path: Path, others: tuple[Path, ...], annotated) -> None:
    """At least 120 gold spans, each with a target, from articles in none of `others`, and the
    header lists exactly its articles. `annotated(aid, start, end, technique)`: whether the row
    is a gold span of its split."""
    rows = _rows(path)
    assert len(rows) >= 120
    ids = {r[0] for r in rows}
    assert not ids & set().union(*({r[0] for r in _rows(p)} for p in others))
    header = " ".join(line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#"))
    assert ids == {w for w in header.split() if w.isdigit() and len(w) == 9}   # the ids it lists
    for aid, start, end, technique, target in rows:
        assert annotated(aid, start, end, technique), (aid, start, end)
        assert target and len(target) < 80


def _in_train(train_dir):
    gold = _annotated(train_dir)
    return lambda aid, start, end, technique: (aid, technique, start, end) in gold


def _check_floor(path: Path, articles: Path, finder, given_below: float, precision: float, recall: float) -> None:
    """Every span of `path` scored, a target on fewer than `given_below` of them, and precision
    and recall at least the floors (see PRECISION_FLOOR)."""
    result = evaluate_targets(path, articles, finder)
    assert result["spans"] == len(_rows(path))
    assert result["predicted"] < result["spans"] * given_below
    assert result["precision"] >= precision and result["recall"] >= recall, \
        {k: v for k, v in result.items() if k != "details"}


def test_the_second_fresh_set_lists_its_articles_and_shares_none_with_the_other_sets(train_dir):
    _check_fresh_set(FRESH2, (EVAL, FRESH), _in_train(train_dir))


def test_targets_keep_to_their_held_out_figure_on_the_second_fresh_set(finder, train_dir):
    # Held out for the rules, in-sample for the ranker (fitted on it); it abstains on a good part
    # of the set.
    _check_floor(FRESH2, train_dir / "articles", finder, GIVEN_BELOW, PRECISION_FLOOR, RECALL_FLOOR)


# -- the third fresh set (labelled after the ranker and rules were frozen, held out for them; the ---
# -- ranker is now fitted on it too, so it is in-sample) ---------------------------------------------

FRESH3 = Path(__file__).parent / "data" / "targets_fresh3.tsv"
VOICE = Path(__file__).parent / "data" / "voice_eval.tsv"


def test_the_third_fresh_set_lists_its_articles_and_shares_none_with_the_other_sets(train_dir):
    _check_fresh_set(FRESH3, (EVAL, FRESH, FRESH2, VOICE), _in_train(train_dir))


def test_targets_keep_to_their_in_sample_figure_on_the_third_fresh_set(finder, train_dir):
    # In-sample since the ranker was refitted on all four sets (its held-out figure, from before,
    # is in docs/enrichers.md); a target only where the ranker is confident.
    _check_floor(FRESH3, train_dir / "articles", finder, GIVEN_BELOW, PRECISION_FLOOR, RECALL_FLOOR)


# -- the fourth fresh set: dev articles, labelled (technique and target) in a branch the ranker's ----
# -- development never saw, scored after "targets: ranker and rules frozen before fresh4" -----------

FRESH4 = Path(__file__).parent / "data" / "targets_fresh4.tsv"


def test_the_fourth_fresh_set_holds_120_dev_gold_spans_of_articles_no_other_set_uses(ptc_dir):
    from propscan.techniques import LABELS

    # dev gold has spans but no techniques: the technique, labelled by hand, is one of the 14
    dev = {tuple(r.split("\t")) for r in (ptc_dir / "dev" / "spans.tsv").read_text(encoding="utf-8").splitlines()[1:]}
    _check_fresh_set(FRESH4, (EVAL, FRESH, FRESH2, FRESH3, VOICE),
                     lambda aid, start, end, technique: (aid, start, end) in dev and technique in LABELS)


# -- the fifth fresh set: training articles no targets set used, labelled by hand before any --------
# -- targets rule or ranker ran on them ---------------------------------------------------------------

FRESH5 = Path(__file__).parent / "data" / "targets_fresh5.tsv"


def test_the_fifth_fresh_set_holds_120_training_gold_spans_of_articles_no_other_targets_set_uses(train_dir):
    # The voice set's articles may be shared: it labels whose voice a span is, never its target.
    _check_fresh_set(FRESH5, (EVAL, FRESH, FRESH2, FRESH3, FRESH4), _in_train(train_dir))


def test_agreement_between_two_labellings_matches_each_best_answer_against_the_other_alternatives(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "scripts"))
    from targets_agreement import agreement

    head = "article_id\tstart\tend\ttechnique\ttarget\n# a comment line\n"
    first = tmp_path / "first.tsv"
    second = tmp_path / "second.tsv"
    first.write_text(head + "1\t0\t5\tLoaded_Language\tTrump|the president\n"
                     "1\t9\t12\tDoubt\tthe story\n1\t20\t25\tSlogans\tnone\n2\t0\t4\tDoubt\tMueller\n",
                     encoding="utf-8")
    second.write_text(head + "1\t0\t5\tLoaded_Language\tDonald Trump\n"
                      "1\t9\t12\tDoubt\tofficials|story\n1\t20\t25\tSlogans\tnone\n3\t0\t4\tDoubt\tnone\n",
                      encoding="utf-8")
    got = agreement(first, second)
    # "Trump" ~ "Donald Trump" both ways; "the story" is among the second's alternatives but the
    # second's best answer "officials" is not among the first's; none ~ none
    assert (got["spans"], got["only_in_first"], got["only_in_second"]) == (3, 1, 1)
    assert (got["first_best_matches_second"], got["second_best_matches_first"], got["both"]) == (3, 2, 2)


# -- the learned ranker: properties, not today's weights --------------------------------------------

ROOT = Path(__file__).resolve().parents[1]


def _gold_spans(train_dir, aid):
    text = read_text_file(train_dir / "articles" / f"article{aid}.txt")
    rows = [r.split("\t") for r in (train_dir / "labels.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    spans = {(int(s), int(e)): t for a, t, s, e in rows if a == aid}
    return text, sorted(spans), [spans[k] for k in sorted(spans)]


def test_the_shipped_ranker_loads_and_knows_every_feature_the_finder_computes(finder, train_dir):
    ranker = load_ranker()
    assert ranker.features and len(ranker.coef) == len(ranker.mean) == len(ranker.scale) == len(ranker.features)
    assert 0.0 < ranker.threshold < 1.0
    text, spans, techniques = _gold_spans(train_dir, "999001619")
    seen = {k for cands in finder.span_candidates(text, spans, techniques=techniques) for _, f in cands for k in f}
    # a feature the file does not know would be silently worth nothing
    assert seen and seen <= set(ranker.features)


def test_a_threshold_of_one_abstains_everywhere_and_zero_names_every_span_with_a_candidate(finder, train_dir):
    text, spans, techniques = _gold_spans(train_dir, "999001619")
    doc = finder.nlp(text)
    assert TargetFinder(finder.nlp, threshold=1.0).find(text, spans, doc, techniques) == [None] * len(spans)
    always = TargetFinder(finder.nlp, threshold=0.0).find(text, spans, doc, techniques)
    candidates = finder.span_candidates(text, spans, doc, techniques)
    assert [t is not None for t in always] == [bool(c) for c in candidates]
    # the shipped threshold only ever drops the best candidate, never picks another
    shipped = finder.find(text, spans, doc, techniques)
    assert all(t is None or t == a for t, a in zip(shipped, always))


def test_every_target_is_text_of_the_article(finder, train_dir):
    anyone = TargetFinder(finder.nlp, threshold=0.0)
    for aid in ("999001619", "111111111", "729578579", "730149656"):
        text, spans, techniques = _gold_spans(train_dir, aid)
        targets = [t for t in anyone.find(text, spans, techniques=techniques) if t]
        assert targets
        for t in targets:
            assert t in text, (aid, t)


def test_things_are_candidates_and_headline_words_only_for_spans_on_their_line(finder):
    text = ("Madagascar Outbreak Spreads To Capital\n\n"
            "The plague is a terrifying menace to every family in the country.\n")
    start = text.index("terrifying menace")
    names = [n for n, _ in finder.span_candidates(text, [(start, start + len("terrifying menace"))])[0]]
    assert "plague" in names
    assert not any("Madagascar" in n or "Outbreak" in n for n in names), names
    on_line = [n for n, _ in finder.span_candidates(text, [(0, len("Madagascar Outbreak"))])[0]]
    assert any("Madagascar" in n for n in on_line), on_line


def test_a_malformed_ranker_file_is_a_model_error(tmp_path):
    bad = tmp_path / "ranker.json"
    bad.write_text('{"features": ["a", "b"], "mean": [0], "scale": [1], "coef": [1], "intercept": 0, "threshold": 0.5}')
    with pytest.raises(ModelError, match="malformed"):
        load_ranker(bad)
    bad.write_text("not json")
    with pytest.raises(ModelError, match="not JSON"):
        load_ranker(bad)


def test_refitting_the_ranker_is_deterministic_on_a_tiny_set(finder, train_dir, tmp_path):
    rows = read_target_rows(EVAL)
    keep = sorted({r[0] for r in rows})[:8]
    tiny = tmp_path / "tiny.tsv"
    tiny.write_text("article_id\tstart\tend\ttechnique\ttarget\n" + "".join(
        "\t".join(map(str, r)) + "\n" for r in rows if r[0] in keep), encoding="utf-8")
    outs = []
    for n in (1, 2):
        out = tmp_path / f"ranker{n}.json"
        res = subprocess.run([sys.executable, str(ROOT / "scripts" / "fit_targets_ranker.py"), str(tiny),
                              "--articles", str(train_dir / "articles"), "--out", str(out)],
                             capture_output=True, text=True)
        assert res.returncode == 0, res.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    ranker = load_ranker(tmp_path / "ranker1.json")
    text, spans, techniques = _gold_spans(train_dir, keep[0])
    found = TargetFinder(finder.nlp, ranker=ranker).find(text, spans, techniques=techniques)
    assert len(found) == len(spans) and all(t is None or t in text for t in found)


def _features(finder, text, span):
    """{candidate name: its ranker features} for one span of `text`."""
    start = text.index(span)
    return dict(finder.span_candidates(text, [(start, start + len(span))])[0])


def test_the_ranker_sees_every_step_of_the_rules_and_things_a_naming_verb_labels(rules):
    text = "In a statement, Manafort called the story “totally false and deliberately libelous” and said he would sue."
    feats = _features(rules, text, "totally false and deliberately libelous")
    # The rules stop at their first find (Manafort, the subject); the ranker also sees the thing
    # the naming verb puts the words on, found by the same steps run over common nouns.
    assert feats["story"]["named_obj"] == 1.0
    assert any(k.startswith("step_thing_") for k in feats["story"])
    assert any(k.startswith("step_") and not k.startswith("step_thing_") for k in feats["Manafort"])


def test_the_span_grammar_marks_the_phrase_head_the_modified_noun_and_the_verb_object(rules):
    text = "An Arizona man sold ammunition to the gunman in the deadliest mass shooting in modern U.S. history."
    assert _features(rules, text, "the deadliest mass shooting in modern U.S. history")["mass shooting"]["root_noun"] == 1.0
    # the second of two adjectives modifies the noun through the first
    text = "The government declared an outbreak of Ebola, a rare and deadly disease, on Tuesday."
    assert _features(rules, text, "deadly")["disease"]["modifies_adj"] == 1.0
    text = "No background check would weed out felons, those with mental illness or possible terrorists."
    assert _features(rules, text, "weed out")["felons"]["verb_obj"] == 1.0
