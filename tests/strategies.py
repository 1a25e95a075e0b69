"""Hypothesis strategies for article-like text with tricky Unicode."""

from __future__ import annotations

from hypothesis import strategies as st

# -- text strategies ---------------------------------------------------------------------------

# Pieces of text that have broken character offsets in other tools: CRLF, accents (precomposed
# and combining), emoji with modifiers and ZWJ sequences, CJK, RTL, zero-width and control chars.
TRICKY = [
    "\r\n", "\n", "\n\n", "\r\n\r\n", " ", "  ", "\t", ".", ",", "!", "?", "\"", "'", "“", "”", "’",
    "—", "-", "(", ")", "[/b]", "café", "cafe\u0301", "naïve", "Ångström", "über", "ﬁne", "İstanbul",
    "🙂", "👍🏽", "👩\u200d💻", "🇺🇸", "中文字", "مرحبا", "\u200b", "\u00ad", "\ufeff", "x\u0308\u0301",
    "ß", "ǅ", "½", "Ⅻ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
]
WORDS = ["the", "mayor", "said", "disaster", "greedy", "outsiders", "every", "true", "patriot",
         "knows", "Lindenfeld", "corporate", "vultures", "destroy", "our", "heritage", "flag",
         "children", "forever", "It", "is", "what", "Mr.", "U.S.", "don't", "well-known", "2024"]


@st.composite
def texts(draw, min_size: int = 1, max_size: int = 60) -> str:
    """Article-like text mixing words, punctuation and tricky Unicode."""
    parts = draw(st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(TRICKY),
                                    st.text(min_size=1, max_size=4)),
                          min_size=min_size, max_size=max_size))
    seps = draw(st.lists(st.sampled_from([" ", " ", " ", "", "\n", "\r\n"]),
                         min_size=len(parts), max_size=len(parts)))
    return "".join(p + s for p, s in zip(parts, seps))


def nonblank_texts(**kw):
    return texts(**kw).filter(lambda t: t.strip() != "")
