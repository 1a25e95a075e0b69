"""Terminal output for claims and technique targets (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from propscan import techniques
from propscan.domain import CLAIM_RANKING, Analysis, ranked_claims


def render_claims(analysis: Analysis, console: Console | None = None, claims: bool = True,
                  targets: bool = True, voice: bool = False, rank: bool = False) -> None:
    console = console or Console(highlight=False, soft_wrap=True)
    if claims:
        if analysis.claims:
            order = ranked_claims(analysis.claims) if rank else analysis.claims
            table = Table(title=f"Check-worthy claims ({len(analysis.claims)})"
                          + (", what to check first" if rank else ""))
            for col in (("priority",) if rank else ()) + ("score", "offsets", "claim", "techniques around it",
                                                          "entities", "numbers", "dates"):
                table.add_column(col)
            for c in order:
                text = c.text.replace("\n", " ")
                table.add_row(*((f"{c.priority:.2f}",) if rank else ()), f"{c.score:.2f}", f"{c.start}-{c.end}",
                              Text(text[:100] + ("…" if len(text) > 100 else "")),
                              ", ".join(techniques.get(t).name for t in c.techniques),
                              ", ".join(c.entities), ", ".join(c.numbers), ", ".join(c.dates))
            console.print(table)
            if rank:
                console.print(CLAIM_RANKING)
        else:
            console.print("No check-worthy claims found.")
    if targets:
        summary = analysis.target_summary()
        if summary:
            table = Table(title="Most targeted, per technique")
            table.add_column("technique")
            table.add_column("targets (spans)")
            for label, items in summary.items():
                table.add_row(techniques.get(label).name, ", ".join(f"{t} ({n})" for t, n in items))
            console.print(table)
        elif analysis.spans:
            console.print("No technique targets found.")
    if voice:
        rows = analysis.speaker_summary()
        if rows:
            table = Table(title="Techniques per speaker (author's voice and quoted)")
            for col in ("voice", "speaker", "spans", "techniques"):
                table.add_column(col)
            for r in rows:
                who = r["speaker"] or ("the author" if r["voice"] == "author" else "unknown")
                table.add_row(r["voice"], Text(who), str(r["spans"]),
                              ", ".join(f"{techniques.get(t).name} ({n})" for t, n in r["techniques"].items()))
            console.print(table)
