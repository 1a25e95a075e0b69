"""What the API, the pages and the standalone report show besides an Analysis record.

A saved record is `Record.to_dict()` (with `Analysis.to_dict()` inside) everywhere; this module
holds the rest, so the pages and the report need nothing from the API module.
"""

from __future__ import annotations

from typing import Any

from propscan.techniques import TECHNIQUES

API_PREFIX = "/api/v1"

ABBREVIATIONS = {
    "Loaded_Language": "LL",
    "Name_Calling,Labeling": "NC",
    "Repetition": "REP",
    "Doubt": "DBT",
    "Exaggeration,Minimisation": "EXM",
    "Appeal_to_fear-prejudice": "FEAR",
    "Flag-Waving": "FLAG",
    "Causal_Oversimplification": "CO",
    "Appeal_to_Authority": "AUTH",
    "Slogans": "SLO",
    "Whataboutism,Straw_Men,Red_Herring": "WSR",
    "Black-and-White_Fallacy": "BW",
    "Thought-terminating_Cliches": "TTC",
    "Bandwagon,Reductio_ad_hitlerum": "BRH",
}


def techniques_payload() -> list[dict[str, Any]]:
    return [{**t.to_dict(), "abbreviation": ABBREVIATIONS[t.label]} for t in TECHNIQUES]
