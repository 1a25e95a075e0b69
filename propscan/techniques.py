"""The 14 propaganda techniques of the PTC corpus (SemEval-2020 Task 11).

Labels are the exact strings of the corpus; display names, explanations and colours are ours.
Colours are chosen to be distinguishable and readable under dark text; the UI never relies on
colour alone (every span also carries its technique name).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Technique:
    label: str
    name: str
    explanation: str
    colour: str

    def to_dict(self) -> dict:
        return {"label": self.label, "name": self.name, "explanation": self.explanation,
                "colour": self.colour}


TECHNIQUES: tuple[Technique, ...] = (
    Technique("Loaded_Language", "Loaded language",
              "Words or phrases with strong emotional charge, positive or negative, chosen to "
              "sway the reader's feelings rather than inform: 'brutal', 'heroic', 'disaster'.",
              "#f4a3a3"),
    Technique("Name_Calling,Labeling", "Name calling / labelling",
              "Attaching a label to a person, group or idea so that the audience fears, hates or "
              "admires it without examining it: 'traitors', 'radical elites', 'freedom fighters'.",
              "#f7c873"),
    Technique("Repetition", "Repetition",
              "Saying the same message or phrase again and again so that it sticks and starts to "
              "feel true through familiarity rather than evidence.",
              "#c9e3a0"),
    Technique("Doubt", "Doubt",
              "Questioning the credibility of someone or something, often by insinuation rather "
              "than evidence, so the audience stops trusting it.",
              "#a7d8de"),
    Technique("Exaggeration,Minimisation", "Exaggeration / minimisation",
              "Making something look far larger, better or worse than it is, or playing down "
              "something that matters: 'the greatest crisis ever', 'just a few incidents'.",
              "#b9b3ee"),
    Technique("Appeal_to_fear-prejudice", "Appeal to fear or prejudice",
              "Building support for an idea by stirring up anxiety or panic about an alternative, "
              "or by playing on existing prejudice against a group.",
              "#e7a6d4"),
    Technique("Flag-Waving", "Flag-waving",
              "Justifying an idea by appealing to patriotism or to the pride of a group: "
              "'real Americans would never...', 'for the sake of our nation'.",
              "#9fc4f0"),
    Technique("Causal_Oversimplification", "Causal oversimplification",
              "Blaming a complex outcome on a single cause, or assuming one cause when many "
              "factors are at play.",
              "#f0d9a0"),
    Technique("Appeal_to_Authority", "Appeal to authority",
              "Claiming something is true because an authority or expert says so, without "
              "further evidence, or citing an authority outside their field.",
              "#b5e0c6"),
    Technique("Slogans", "Slogans",
              "A short, striking phrase, often a call to action, that stands in for an argument: "
              "'Lock her up', 'Build the wall'.",
              "#f2b8a0"),
    Technique("Whataboutism,Straw_Men,Red_Herring", "Whataboutism / straw man / red herring",
              "Deflecting criticism by pointing at the opponent's faults, misrepresenting their "
              "position to knock it down, or changing the subject to something irrelevant.",
              "#d3c0a8"),
    Technique("Black-and-White_Fallacy", "Black-and-white fallacy",
              "Presenting only two options as if no others existed, often one of them plainly "
              "unacceptable: 'you are either with us or against us'.",
              "#c8c8c8"),
    Technique("Thought-terminating_Cliches", "Thought-terminating cliché",
              "A stock phrase that discourages critical thought and ends a discussion: "
              "'it is what it is', 'enough said'.",
              "#e0e68f"),
    Technique("Bandwagon,Reductio_ad_hitlerum", "Bandwagon / reductio ad Hitlerum",
              "Urging people to join in because 'everyone' does, or rejecting an idea because it "
              "is associated with a hated group or figure.",
              "#a8e0e0"),
)

LABELS: tuple[str, ...] = tuple(t.label for t in TECHNIQUES)
BY_LABEL: dict[str, Technique] = {t.label: t for t in TECHNIQUES}


def get(label: str) -> Technique:
    """The technique with this corpus label; KeyError names the valid labels."""
    try:
        return BY_LABEL[label]
    except KeyError:
        raise KeyError(f"unknown technique {label!r}; expected one of: {', '.join(LABELS)}") from None


def display_name(label: str) -> str:
    """The technique's name, or the label itself for one this version does not know (a store
    written by another model may hold any label)."""
    t = BY_LABEL.get(label)
    return t.name if t else label


def colour(label: str, unknown: str = "#999999") -> str:
    """The technique's colour, or `unknown` for a label this version does not know."""
    t = BY_LABEL.get(label)
    return t.colour if t else unknown
