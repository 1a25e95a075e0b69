"""Terminal output for claims and technique targets (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from propscan import techniques
from propscan.domain import Analysis


def render_claims(analysis: Analysis, console: Console | None = None, claims: bool = True,
                  targets: bool = True) -> None:
    console = console or Console(highlight=False, soft_wrap=True)
    if claims:
        if analysis.claims:
            table = Table(title=f"Check-worthy claims ({len(analysis.claims)})")
            for col in ("score", "offsets", "claim", "entities", "numbers", "dates"):
                table.add_column(col)
            for c in analysis.claims:
                text = c.text.replace("\n", " ")
                table.add_row(f"{c.score:.2f}", f"{c.start}-{c.end}", text[:100] + ("…" if len(text) > 100 else ""),
                              ", ".join(c.entities), ", ".join(c.numbers), ", ".join(c.dates))
            console.print(table)
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
