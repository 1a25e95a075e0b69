"""The 14 techniques, and labels this version does not know (stores written by other models)."""

from __future__ import annotations

from propscan import techniques


def test_known_labels_show_their_name_and_colour_unknown_ones_the_label_itself():
    t = techniques.TECHNIQUES[0]
    assert techniques.display_name(t.label) == t.name and techniques.colour(t.label) == t.colour
    assert techniques.display_name("Made_Up") == "Made_Up"
    assert techniques.colour("Made_Up") == "#999999" and techniques.colour("Made_Up", "#000") == "#000"
