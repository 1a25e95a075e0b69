"""Voice and speaker: is a span the author's own words, or words the article attributes to
someone else, and to whom?

`find_voices(text, spans, doc)` is a pure function over the text, character spans and a spaCy
Doc of the text (spaCy's small English pipeline, as for targets). It returns, per span,
`("author", None)` or `("quoted", speaker)`, where `speaker` is the person or organisation the
article attributes the words to, as the article names them, or None when it does not say.

What counts as someone else's words (a span is `quoted` when most of its characters are):

1. **Direct quotes** between straight or curly double quotation marks. A quote's speaker is
   found on the lines it spans, outside the quotation marks: the subject of a speech verb
   ("said", "told", "claimed", "added", "wrote", ...; before, after, or between the two halves
   of a split quote), the object of "according to", or the subject of the clause that a colon
   ends ("He himself said: “...”"). A pronoun subject is resolved to the last person named
   before it; "I" in the author's narration makes the quote the author's own.
   A quote with no attribution of its own continues the previous quote when that one ended on
   the same or the previous line ("“...,” Saris said. / “That's my concern.”"). Short quotes
   (three words or fewer) with no attribution are scare quotes: the author's voice.
2. **Reported speech**: the clause a speech verb introduces ("X said that ...", "X argues the
   ... is ..."), and a clause with "according to X"; speaker X. The speech verb, its subject and
   the "according to" phrase themselves stay in the author's voice.
3. **Transcripts and statements**: a line "Name: ..." (an interview, a headline "Texas Mom:
   ...") where the name is a person, organisation or person noun, and the line after one that
   ends "X said:" or "... as follows:".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from propscan.domain import Analysis
from propscan.errors import InputError
from propscan.layers import register

AUTHOR, QUOTED = "author", "quoted"

SPEECH_VERBS = {
    "say", "tell", "claim", "add", "state", "declare", "write", "tweet", "argue", "insist",
    "explain", "warn", "ask", "announce", "suggest", "note", "report", "respond", "reply", "shout",
    "admit", "allege", "assert", "contend", "comment", "remark", "testify", "acknowledge",
    "maintain", "deny", "describe", "predict", "complain", "boast", "brag", "lament", "conclude",
    "urge", "demand", "vow", "promise", "recall", "call", "quote", "proclaim", "stress",
    "emphasize", "charge", "accuse", "scream", "yell", "cry", "whisper", "post", "confirm",
    "caution", "concede", "observe", "mention", "reveal", "joke", "exclaim",
}
PERSON_NOUNS = {
    "mom", "mother", "dad", "father", "son", "daughter", "wife", "husband", "minister", "president",
    "official", "spokesman", "spokeswoman", "spokesperson", "leader", "senator", "governor", "mayor",
    "chief", "director", "secretary", "ambassador", "cardinal", "bishop", "archbishop", "pope",
    "priest", "sheikh", "cleric", "imam", "rabbi", "pastor", "judge", "lawyer", "attorney", "witness",
    "teen", "teenager", "student", "professor", "expert", "analyst", "reporter", "editor", "author",
    "officer", "agent", "police", "sheriff", "general", "commander", "candidate", "chairman",
    "chairwoman", "congressman", "congresswoman", "representative", "rep", "prosecutor", "victim",
    "source", "critic", "activist", "protester", "audience", "statement", "report", "letter",
}
PRONOUNS = {"he": ("PERSON",), "she": ("PERSON",), "him": ("PERSON",), "her": ("PERSON",),
            "it": ("ORG",)}   # "they" is left unresolved: its antecedent is too often a guess
FIRST_PERSON = {"i", "we"}
NAME_LABELS = {"PERSON", "ORG", "NORP", "GPE"}
SUBJECTS = {"nsubj", "nsubjpass"}
SHORT_QUOTE_WORDS = 3

_TITLES = {"Mr", "Mrs", "Ms", "Dr", "Rep", "Sen", "Mayor", "President", "The", "Minister", "Judge",
           "Senator", "Governor", "Bishop", "Cardinal", "Pope", "Father", "General", "Prime", "Said",
           "Says", "And", "But", "When", "As", "Professor", "Archbishop", "Sister", "Brother"}
_OPEN = {'"', "“", "„"}
_CLOSE = {'"', "”"}


@dataclass(frozen=True)
class Region:
    """Characters [start, end) of someone else's words, attributed to `speaker` (None: unknown)
    or, with `author` set, the author's own (a scare quote, the author quoting themselves)."""

    start: int
    end: int
    speaker: str | None = None
    author: bool = False


def quote_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges of direct quotes, the quotation marks included. A quote left open at the
    end of a line runs on while the next lines carry on the quote (news style reopens a quote
    on each new paragraph); it stops at a line that starts a new quote or after six lines."""
    out: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in _OPEN or (c == "”" and i + 1 < n and text[i + 1].isalnum() and (i == 0 or text[i - 1].isspace())):
            j, lines = i + 1, 0
            close = -1
            while j < n:
                d = text[j]
                if d in _CLOSE and not (d == '"' and j + 1 < n and text[j + 1].isalnum() and text[j - 1].isspace()):
                    close = j
                    break
                if d == "“" or (d == '"' and text[j - 1].isspace() and j + 1 < n and text[j + 1].isalnum()):
                    break   # a new quote opens: this one was left open
                if d == "\n":
                    lines += 1
                    if lines > 6:
                        break
                j += 1
            if close >= 0:
                out.append((i, close + 1))
                i = close + 1
                continue
            # Left open: the quote runs to the end of its own line.
            eol = text.find("\n", i)
            out.append((i, eol if eol >= 0 else n))
            i = (eol if eol >= 0 else n)
            continue
        i += 1
    return [(a, b) for a, b in out if b - a > 2]


class _Doc:
    """The spaCy Doc with what the rules look up: lines, person mentions, full names."""

    def __init__(self, text: str, doc: Any, quotes: list[tuple[int, int]]):
        self.text, self.doc, self.quotes = text, doc, quotes
        self.inside = [False] * len(doc)
        qi = 0
        for t in doc:
            while qi < len(quotes) and quotes[qi][1] <= t.idx:
                qi += 1
            if qi < len(quotes) and quotes[qi][0] <= t.idx < quotes[qi][1]:
                self.inside[t.i] = True
        self.ents = [e for e in doc.ents if e.label_ in NAME_LABELS and "\n" not in e.text]
        self.full: dict[str, str] = {}
        for e in self.ents:
            if e.label_ == "PERSON":
                name = _clean(e.text)
                last = name.split()[-1].lower() if name else ""
                if " " in name and len(name) > len(self.full.get(last, "")):
                    self.full[last] = name

    def line_bounds(self, pos: int) -> tuple[int, int]:
        a = self.text.rfind("\n", 0, pos) + 1
        b = self.text.find("\n", pos)
        return a, (len(self.text) if b < 0 else b)

    def tokens(self, a: int, b: int):
        span = self.doc.char_span(a, b, alignment_mode="expand")
        return list(span) if span is not None else []

    def name(self, tok) -> str | None:
        """The speaker a subject token stands for, as the article names them; "I" for the
        author; None when it cannot be told."""
        low = tok.lower_
        if low in FIRST_PERSON:
            return "I"
        if low in PRONOUNS:
            wanted = PRONOUNS[low]
            prior = [e for e in self.ents if e.end <= tok.i and e.label_ in wanted and not self.inside[e.start]]
            return self._full(prior[-1].text) if prior else None
        if tok.pos_ not in ("PROPN", "NOUN"):
            return None
        for e in self.ents:
            if e.start <= tok.i < e.end and e.label_ in ("PERSON", "ORG"):
                # Up to the subject word: title-case headlines run names into the verb.
                return self._full(self.doc[e.start:tok.i + 1].text)
        # The noun phrase up to its head: "the interior minister", "Sweden Democrat leader X".
        first = tok.i
        for c in tok.lefts:
            if c.dep_ in ("det", "amod", "compound", "poss", "nmod", "nummod") and c.i < first:
                first = min(first, c.left_edge.i)
        return self._full(self.doc[first:tok.i + 1].text) or None

    def _full(self, name: str) -> str:
        """A surname as the fullest name the article gives it ("Ruiz" -> "Ana Ruiz")."""
        name = _clean(name)
        parts = name.split()
        if len(parts) != 1 or not name[:1].isupper():
            return name
        if parts[0].lower() in self.full:
            return self.full[parts[0].lower()]
        for m in re.finditer(rf"\b([A-Z][a-z]+) {re.escape(name)}\b", self.text):
            if m.group(1) not in _TITLES:
                return f"{m.group(1)} {name}"
        return name


def _clean(name: str) -> str:
    name = " ".join(name.split())
    name = re.sub(r"[’']s?$", "", name.strip())
    return name.strip(" \t\n\"“”‘’'.,;:()[]—–-")


def _is_speech(tok) -> bool:
    return tok.pos_ in ("VERB", "AUX") and tok.lemma_.lower() in SPEECH_VERBS


def _subject(verb):
    for c in verb.children:
        if c.dep_ in SUBJECTS:
            return c
    # '”, tweeted Ms. Feinstein': after a quote the parser can take the speaker for an object.
    if verb.i > 0 and verb.doc[verb.i - 1].is_quote or (verb.i > 1 and verb.doc[verb.i - 2].is_quote):
        for c in verb.children:
            if c.dep_ in ("dobj", "attr") and c.i > verb.i and c.pos_ == "PROPN":
                return c
    if verb.dep_ in ("conj", "xcomp", "advcl") and verb.head.i != verb.i:   # "and added", "went on to say"
        return _subject(verb.head)
    return None


def _according_to(tokens):
    """The object of "according to" among `tokens`."""
    for t in tokens:
        if t.lower_ == "according" and t.i + 1 < len(t.doc) and t.doc[t.i + 1].lower_ == "to":
            for c in t.doc[t.i + 1].children:
                if c.dep_ == "pobj":
                    return c
    return None


def _attribution(d: _Doc, a: int, b: int) -> tuple[str | None, bool]:
    """The speaker of the quote text[a:b] from the narration on its lines: (speaker, found)."""
    la, _ = d.line_bounds(a)
    _, lb = d.line_bounds(max(a, b - 1))
    # '...miss?"\nhe said.': a short line starting in lower case carries on the sentence.
    if lb < len(d.text) and b >= lb - 1:
        na, nb = d.line_bounds(lb + 1)
        if d.text[na:na + 1].islower() and nb - na < 60:
            lb = nb
    narration = [t for t in d.tokens(la, lb) if not d.inside[t.i]]
    verbs = [t for t in narration if _is_speech(t) and _subject(t) is not None
             and not d.inside[_subject(t).i]]
    if verbs:
        # The nearest speech verb: after the quote first ("...,” he said"), else before.
        def dist(t):
            return (t.idx - b) if t.idx >= b else (a - t.idx) + 0.5
        verb = min(verbs, key=dist)
        return d.name(_subject(verb)), True
    acc = _according_to(narration)
    if acc is not None:
        return d.name(acc), True
    # "He himself said: “...”", "CNN's Don Lemon Contradicts Himself: "...": the subject of the
    # clause a colon ends right before the quote.
    before = d.text[la:a].rstrip()
    if before.endswith(":"):
        toks = [t for t in d.tokens(la, la + len(before) - 1) if not d.inside[t.i]]
        for t in toks:
            if t.dep_ == "ROOT" and t.pos_ in ("VERB", "AUX"):
                s = _subject(t)
                if s is not None:
                    return d.name(s), True
        name = _label_name(toks)
        if name:
            return name, True
    return None, False


def _label_name(toks) -> str | None:
    """`toks` (the words before a colon) as a speaker label: a short phrase without a verb that
    ends in a person's or organisation's name or a person noun ("John Pilger", "Texas Mom")."""
    words = [t for t in toks if not t.is_punct and not t.is_space]
    if not words or len(words) > 5 or any(t.pos_ in ("VERB", "AUX") for t in words):
        return None
    head = words[-1]
    if head.ent_type_ in ("PERSON", "ORG") or head.lower_ in PERSON_NOUNS:
        return _clean(" ".join(t.text for t in words)) or None
    return None


def _quote_regions(d: _Doc) -> list[Region]:
    out: list[Region] = []
    prev: Region | None = None
    for a, b in d.quotes:
        speaker, found = _attribution(d, a, b)
        words = len(d.text[a:b].split())
        if not found and prev is not None and not prev.author:
            gap = d.text[prev.end:a]
            # Nothing between them but, at most, the previous quote's own attribution.
            if gap.count("\n") <= 1 and (not gap.strip(" \n\t.,;") or (
                    gap.count("\n") == 1 and not gap.split("\n")[1].strip() and len(gap) < 80 and prev.speaker)):
                speaker, found = prev.speaker, True
        if not found:
            # The sentence before says who speaks next ("Conroy warned it is inevitable ...").
            la, _ = d.line_bounds(a)
            if d.text[la:a].strip() == "" and la > 0:
                pa, _ = d.line_bounds(la - 1)
                for t in d.tokens(pa, la - 1):
                    if _is_speech(t) and not d.inside[t.i] and _subject(t) is not None and t.dep_ == "ROOT":
                        speaker, found = d.name(_subject(t)), True
                        break
        if speaker == "I":
            region = Region(a, b, None, author=True)
        elif not found and words <= SHORT_QUOTE_WORDS:
            region = Region(a, b, None, author=True)   # a scare quote
        else:
            region = Region(a, b, speaker)
        out.append(region)
        prev = region
    return out


def _reported_regions(d: _Doc) -> list[Region]:
    """Clauses introduced by a speech verb or carrying "according to X", outside quotes."""
    out = []
    for t in d.doc:
        if d.inside[t.i]:
            continue
        if _is_speech(t):
            subj = _subject(t)
            if subj is None or d.inside[subj.i]:
                continue
            for c in t.children:
                if c.dep_ in ("ccomp", "xcomp") and c.i > t.i and not d.inside[c.i]:
                    a = c.left_edge.idx
                    last = c.right_edge
                    b = last.idx + len(last.text)
                    out.append(Region(a, b, None if d.name(subj) == "I" else d.name(subj),
                                      author=d.name(subj) == "I"))
        elif t.lower_ == "according" and t.i + 1 < len(d.doc) and d.doc[t.i + 1].lower_ == "to":
            acc = _according_to([t])
            if acc is None:
                continue
            sent = t.sent
            phrase = (t.i, acc.right_edge.i + 1)
            name = d.name(acc)
            # The sentence on both sides of the "according to X" phrase.
            if phrase[0] > sent.start:
                out.append(Region(sent[0].idx, d.doc[phrase[0] - 1].idx + len(d.doc[phrase[0] - 1].text), name))
            if phrase[1] < sent.end:
                last = sent[-1]
                out.append(Region(d.doc[phrase[1]].idx, last.idx + len(last.text), name))
    return out


def _line_regions(d: _Doc) -> list[Region]:
    """"Name: words" lines, and the line after "X said:" or "... as follows:"."""
    out = []
    pos = 0
    lines = d.text.split("\n")
    prev_lead: tuple[str | None, bool] | None = None
    for line in lines:
        a, b = pos, pos + len(line)
        pos = b + 1
        stripped = line.strip()
        if not stripped:
            continue
        if prev_lead is not None and prev_lead[1]:
            out.append(Region(a, b, prev_lead[0]))
        prev_lead = None
        m = re.match(r"\s*([^:\n]{2,60}):\s+(?=\S)", line)
        if m and len(line) - m.end() > 10:
            toks = d.tokens(a + m.start(1), a + m.end(1))
            name = _label_name(toks)
            if name:
                out.append(Region(a + m.end(), b, name))
        if stripped.endswith(":"):
            toks = [t for t in d.tokens(a, b) if not d.inside[t.i]]
            verbs = [t for t in toks if _is_speech(t) and _subject(t) is not None]
            if verbs:
                name = d.name(_subject(verbs[-1]))
                prev_lead = (None if name == "I" else name, name != "I")
            elif re.search(r"\bas follows:$", stripped):
                prev_lead = (None, True)
            elif _according_to(toks) is not None:
                prev_lead = (d.name(_according_to(toks)), True)
    return out


def find_regions(text: str, doc: Any) -> list[Region]:
    """Every region of someone else's words (and of scare quotes) in `text`."""
    d = _Doc(text, doc, quote_ranges(text))
    return _quote_regions(d) + _reported_regions(d) + _line_regions(d)


def find_voices(text: str, spans: list[tuple[int, int]], doc: Any) -> list[tuple[str, str | None]]:
    """(voice, speaker) for each character span of `text`; `doc` is a spaCy Doc of `text`."""
    regions = find_regions(text, doc)
    # Regions are listed direct quotes first: a character a direct quote (or scare quote)
    # covers is not counted again for the reported-speech and line rules.
    out = []
    for s, e in spans:
        covered = [False] * (e - s)
        quoted_chars, by_region = 0, []
        for r in regions:
            lo, hi = max(s, r.start), min(e, r.end)
            if lo >= hi:
                continue
            fresh = 0
            for x in range(lo - s, hi - s):
                if not covered[x]:
                    covered[x] = True
                    fresh += 1
            if not r.author and fresh:
                quoted_chars += fresh
                by_region.append((fresh, r))
        if by_region and quoted_chars * 2 >= e - s:
            out.append((QUOTED, max(by_region, key=lambda fr: fr[0])[1].speaker))
        else:
            out.append((AUTHOR, None))
    return out


def enrich_voice(analysis: Analysis, doc: Any) -> Analysis:
    """The same Analysis with each span's `voice` and `speaker` filled in."""
    from dataclasses import replace

    found = find_voices(analysis.text, [(s.start, s.end) for s in analysis.spans], doc)
    return replace(analysis, spans=[replace(s, voice=v, speaker=spk) for s, (v, spk) in zip(analysis.spans, found)])


@register("voice", needs_spacy=True)
def voice_layer(analysis: Analysis, ctx) -> Analysis:
    """The `voice` layer: each span's `voice` ("author"/"quoted") and `speaker`."""
    return enrich_voice(analysis, ctx.require_doc())


# -- evaluation on a hand-labelled set -----------------------------------------------------------

def read_voice_set(path: Path) -> list[tuple[str, int, int, str, str, str]]:
    """Rows of a TSV with a header and article_id, start, end, technique, voice, speaker."""
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines()[1:], start=2):
        if not line.strip():
            continue
        cols = line.split("\t")
        if len(cols) != 6:
            raise InputError(f"{path}:{n}: expected 6 tab-separated columns, found {len(cols)}")
        if cols[4] not in (AUTHOR, QUOTED):
            raise InputError(f"{path}:{n}: voice must be author or quoted, found {cols[4]!r}")
        try:
            rows.append((cols[0], int(cols[1]), int(cols[2]), cols[3], cols[4], cols[5]))
        except ValueError:
            raise InputError(f"{path}:{n}: start and end must be whole numbers") from None
    return rows


def evaluate_voice(eval_file: Path, articles_dir: Path, nlp: Any = None) -> dict:
    """Voice accuracy and speaker precision/recall on a hand-labelled set. A speaker counts as
    found when a quoted span is given one, and as correct when it matches a gold alternative
    (propscan.targets.target_matches: same last word, the words of one all in the other)."""
    from propscan.io.ptc import texts_with_rows
    from propscan.targets import load_nlp, target_matches

    nlp = nlp or load_nlp()
    rows = read_voice_set(eval_file)
    details = []
    for aid, text, rs in texts_with_rows(articles_dir, rows):
        found = find_voices(text, [(r[1], r[2]) for r in rs], nlp(text))
        for r, (voice, speaker) in zip(rs, found):
            gold_speaker = r[5]
            details.append({"article_id": aid, "start": r[1], "end": r[2], "gold_voice": r[4],
                            "voice": voice, "gold_speaker": gold_speaker, "speaker": speaker,
                            "speaker_correct": speaker is not None and gold_speaker.lower() != "none"
                            and target_matches(speaker, gold_speaker)})
    n = len(details)
    right = sum(d["voice"] == d["gold_voice"] for d in details)
    pred_q = [d for d in details if d["voice"] == QUOTED]
    gold_q = [d for d in details if d["gold_voice"] == QUOTED]
    both_q = sum(1 for d in pred_q if d["gold_voice"] == QUOTED)
    said = [d for d in details if d["speaker"] is not None]
    gold_s = [d for d in details if d["gold_speaker"].lower() != "none"]
    tp = sum(d["speaker_correct"] for d in details)

    def ratio(a, b):
        return round(a / b, 4) if b else 0.0

    return {"spans": n, "voice_accuracy": ratio(right, n),
            "quoted_precision": ratio(both_q, len(pred_q)), "quoted_recall": ratio(both_q, len(gold_q)),
            "gold_speakers": len(gold_s), "speakers_given": len(said), "speakers_correct": tp,
            "speaker_precision": ratio(tp, len(said)), "speaker_recall": ratio(tp, len(gold_s)),
            "details": details}
