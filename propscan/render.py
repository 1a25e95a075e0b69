"""Human-readable output for the terminal (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from propscan import techniques
from propscan.domain import Analysis


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def render_terminal(analysis: Analysis, console: Console | None = None) -> None:
    """The article with technique spans coloured and tagged, then a per-technique summary
    and the sentence and article scores."""
    console = console or _console()
    text = Text(analysis.text)
    # Nested spans: paint the longer ones first so the inner ones stay visible.
    for span in sorted(analysis.spans, key=lambda s: s.start - s.end):
        colour = techniques.get(span.technique).colour
        text.stylize(f"black on {colour}", span.start, span.end)
    console.print(text)
    console.print()
    table = Table(title="Techniques found", show_lines=False)
    table.add_column("", justify="right")
    table.add_column("technique")
    table.add_column("spans", justify="right")
    table.add_column("example")
    for label, count in analysis.technique_counts.items():
        tech = techniques.get(label)
        example = next(s.text for s in analysis.spans if s.technique == label)
        # Article text goes in as Text, never as a str: rich would parse "[...]" in it as markup.
        table.add_row(Text("■", style=tech.colour), tech.name, str(count),
                      Text((example[:60] + "…") if len(example) > 60 else example))
    console.print(table)
    if analysis.spans:
        spans = Table(title="Spans")
        voiced = any(s.voice for s in analysis.spans)
        for col in ("start", "end", "technique", "confidence") + (("voice", "speaker") if voiced else ()) + ("text",):
            spans.add_column(col)
        for s in analysis.spans:
            who = (s.voice or "", Text(s.speaker or "")) if voiced else ()
            spans.add_row(str(s.start), str(s.end), techniques.get(s.technique).name,
                          f"{s.confidence:.2f}", *who, Text(s.text[:70].replace("\n", " ")))
        console.print(spans)
    top = sorted(analysis.sentences, key=lambda s: -s.score)[:5]
    if top:
        console.print("Most loaded sentences:")
        for s in top:
            bar = "█" * round(s.score * 10) + "·" * (10 - round(s.score * 10))
            console.print(Text(f"  {bar} {s.score:.2f}  {s.text[:90]}"))
    console.print(f"Article score: {analysis.score:.2f}   ({len(analysis.spans)} spans, "
                  f"model {analysis.model_version})")


def print_evaluation(ev, console: Console | None = None) -> None:
    console = console or _console()
    table = Table(title="Official measures (SemEval-2020 Task 11)")
    for col in ("measure", "precision", "recall", "F1", "pred", "gold"):
        table.add_column(col)
    table.add_row("SI (spans)", f"{ev.si.precision:.4f}", f"{ev.si.recall:.4f}", f"{ev.si.f1:.4f}",
                  str(ev.si.n_pred), str(ev.si.n_gold))
    if ev.full:
        o = ev.full.overall
        table.add_row("Full task (span + technique)", f"{o.precision:.4f}", f"{o.recall:.4f}",
                      f"{o.f1:.4f}", str(o.n_pred), str(o.n_gold))
    if ev.tc:
        table.add_row("TC (micro-F1 on gold spans)", "", "", f"{ev.tc.micro_f1:.4f}", "", str(ev.tc.n))
    console.print(table)
    if ev.tc:
        per = Table(title="Per technique (TC on gold spans; full task F1)")
        for col in ("technique", "P", "R", "F1", "gold", "full F1"):
            per.add_column(col)
        for label, s in ev.tc.per_technique.items():
            full = ev.full.per_technique.get(label) if ev.full else None
            per.add_row(label, f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}", str(s.n_gold),
                        f"{full.f1:.3f}" if full else "")
        console.print(per)
    if ev.shape:
        p, g = ev.shape, ev.gold_shape
        shape = Table(title="Span shape (predicted beside the annotators')")
        for col in ("", "spans", "median chars", "over 200 chars"):
            shape.add_column(col)
        shape.add_row("predicted", str(p.n), f"{p.median_chars:.0f}", f"{p.share_over_200:.1%}")
        shape.add_row("gold", str(g.n), f"{g.median_chars:.0f}", f"{g.share_over_200:.1%}")
        for label, n in g.per_technique.items():
            if label != "(any)":
                shape.add_row(f"  {label}", f"{p.per_technique.get(label, 0)} / {n}", "", "")
        console.print(shape)
    if ev.reliability and ev.reliability.bins:
        rel = Table(title=f"Span confidence (expected calibration error {ev.reliability.ece:.3f})")
        for col in ("confidence", "spans", "mean confidence", "right"):
            rel.add_column(col)
        for b in ev.reliability.bins:
            rel.add_row(f"{b['lower']:.1f}-{b['upper']:.1f}", str(b["n"]), f"{b['confidence']:.3f}", f"{b['right']:.3f}")
        console.print(rel)
