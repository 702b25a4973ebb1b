"""Rich renderables built from model values. Builds, never prints; all content text goes in as Text, never markup."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Iterable

from rich import box
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from serverless_study.model import Comparison, Concept, Fact, Sequence, Topic


def make_console(file: IO[str], *, terminal: bool, width: int | None = None, no_color: bool = False) -> Console:
    """A console for `file`: styled when it is a terminal, plain ASCII-ish text otherwise."""
    return Console(
        file=file,
        force_terminal=terminal,
        no_color=no_color or not terminal,
        color_system="auto" if terminal and not no_color else None,
        width=width,
        highlight=False,
        emoji=False,
        soft_wrap=False,
    )


def topic_view(topic: Topic) -> RenderableType:
    """The whole topic for reading in a terminal; `textview.topic_text` is the piped form."""
    parts: list[RenderableType] = []
    if topic.summary:
        parts += [Text(topic.summary), Text("")]
    if topic.concepts:
        parts.append(_heading("Concepts"))
        parts += [_concept(c) for c in topic.concepts]
    for comparison in topic.comparisons:
        parts.append(_heading(comparison.title))
        parts.append(comparison_table(comparison))
        if comparison.note:
            parts.append(Text(comparison.note, style="italic"))
        parts.append(Text(""))
    for sequence in topic.sequences:
        parts.append(_heading(sequence.title))
        parts.append(sequence_view(sequence))
        if sequence.note:
            parts.append(Text(sequence.note, style="italic"))
        parts.append(Text(""))
    if topic.facts:
        parts.append(_heading("Key facts"))
        for fact in topic.facts:
            parts += [_fact(fact), Text("")]
    for image in topic.images:
        parts.append(Text.assemble(("Diagram: ", "bold"), image.caption or image.src, " (", (str(image.path), "cyan"),
                                   ")"))
    while parts and isinstance(parts[-1], Text) and not parts[-1].plain:
        parts.pop()
    return Panel(Group(*parts), title=Text(topic.title, style="bold"), subtitle=Text(topic.id), title_align="left",
                 subtitle_align="right", box=box.ROUNDED, padding=(1, 2))


def _heading(title: str) -> RenderableType:
    return Rule(Text(title, style="bold magenta"), align="left", style="magenta")


def _concept(c: Concept) -> RenderableType:
    body: list[RenderableType] = [Text(c.definition)]
    body += [Text.assemble("• ", p) for p in c.points]
    if c.aliases:
        body.append(Text("Also called: " + ", ".join(c.aliases), style="dim"))
    return Group(Text(c.term, style="bold cyan"), Padding(Group(*body), (0, 0, 1, 4)))


def comparison_table(c: Comparison) -> Table:
    has_labels = any(r.label for r in c.rows)
    table = Table(box=box.ROUNDED, show_lines=True, expand=False, header_style="bold")
    if has_labels:
        table.add_column("", style="bold")
    for col in c.columns:
        table.add_column(Text(col), ratio=1)
    for row in c.rows:
        cells = [Text(cell) if cell else Text("—", style="dim") for cell in row.cells]
        table.add_row(*([Text(row.label)] if has_labels else []), *cells)
    return table


def sequence_view(s: Sequence) -> RenderableType:
    lines: list[RenderableType] = []
    for n, step in enumerate(s.steps, 1):
        line = Text.assemble((f"{n:>2}. ", "bold"), (step.text, "bold"))
        if step.detail:
            line.append(f" — {step.detail}")
        lines.append(Padding(line, (0, 0, 0, 0)))
    return Group(*lines)


def _fact(f: Fact) -> RenderableType:
    line = Text.assemble(("Q ", "bold yellow"), f.prompt, "\n", ("A ", "bold green"), (f.answer, "bold green"))
    if not f.explanation:
        return line
    return Group(line, Padding(Text(f.explanation, style="dim"), (0, 0, 0, 2)))


def topics_table(topics: Iterable[Topic]) -> Table:
    table = Table(box=box.SIMPLE_HEAVY, header_style="bold", pad_edge=False)
    table.add_column("id", style="cyan", no_wrap=True)
    table.add_column("title")
    for name in ("concepts", "tables", "sequences", "facts"):
        table.add_column(name, justify="right")
    for t in topics:
        c = t.counts()
        table.add_row(Text(t.id), Text(t.title), str(c["concepts"]), str(c["comparisons"]), str(c["sequences"]),
                      str(c["facts"]))
    return table


# --- quiz and stats -----------------------------------------------------------------------------------------------
# Each view has a Rich form for terminals and a plain-text form (str) for line mode: no colour, no boxes.

if TYPE_CHECKING:
    from datetime import datetime, timedelta

    from serverless_study.answers import Verdict
    from serverless_study.model import Item, Question
    from serverless_study.session import Outcome, Progress, TopicSummary
    from serverless_study.stats import Stats


def duration_text(delta: "timedelta") -> str:
    """A short human span: "1 min", "10 min", "5 h", "3 days"."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return "now" if seconds == 0 else "<1 min"
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    if seconds < 86400:
        return f"{round(seconds / 3600)} h"
    days = round(seconds / 86400)
    return "1 day" if days == 1 else f"{days} days"


def when_text(moment: "datetime | None", now: "datetime") -> str:
    if moment is None:
        return "-"
    if moment <= now:
        return "now"
    return f"in {duration_text(moment - now)}"


def progress_text(p: "Progress") -> str:
    return f"{p.position} of {p.total} · {p.new} new, {p.learning} learning, {p.review} to review left"


def question_view(q: "Question", p: "Progress", topic_title: str) -> RenderableType:
    return Panel(Text(q.prompt), title=Text(topic_title, style="bold"), subtitle=Text(progress_text(p), style="dim"),
                 title_align="left", subtitle_align="right", box=box.ROUNDED, padding=(0, 1))


def question_text(q: "Question", p: "Progress", topic_title: str) -> str:
    return f"\nQuestion {p.position} of {p.total} ({topic_title}; {p.new} new, {p.learning} learning, " \
           f"{p.review} to review left)\n{q.prompt}"


def feedback_view(verdict: "Verdict", q: "Question") -> RenderableType:
    if verdict.correct:
        head = Text.assemble(("✔ Correct", "bold green"), *(("  ", (verdict.note, "yellow")) if verdict.note else ()))
    else:
        head = Text.assemble(("✘ Not quite. ", "bold red"), "The answer is: ", (verdict.expected, "bold"))
    parts: list[RenderableType] = [head]
    if q.explanation:
        parts.append(Text(q.explanation, style="dim"))
    return Group(*parts)


def feedback_text(verdict: "Verdict", q: "Question") -> str:
    lines = [f"Correct. {verdict.note}".rstrip() if verdict.correct else f"Wrong. The answer is: {verdict.expected}"]
    if q.explanation:
        lines.append(q.explanation)
    return "\n".join(lines)


def reveal_view(q: "Question") -> RenderableType:
    parts: list[RenderableType] = [Text("Answer", style="bold green"), Padding(Text(q.answer), (0, 0, 0, 2))]
    if q.explanation:
        parts.append(Text(q.explanation, style="dim"))
    return Group(*parts)


def reveal_text(q: "Question") -> str:
    return "\n".join(["Answer:", q.answer, *([q.explanation] if q.explanation else [])])


def leech_view(outcome: "Outcome") -> RenderableType:
    head = Text(f"Leech: you have forgotten this card {outcome.after.lapses} times. Read its note again:",
                style="bold yellow")
    body = item_view(outcome.item) if outcome.item is not None else Text("(its content is gone)")
    return Panel(Group(head, Text(""), body), box=box.ROUNDED, border_style="yellow")


def leech_text(outcome: "Outcome") -> str:
    head = f"Leech: you have forgotten this card {outcome.after.lapses} times. Read its note again:"
    return head + "\n" + (item_text(outcome.item) if outcome.item is not None else "(its content is gone)")


def item_view(item: "Item") -> RenderableType:
    if isinstance(item, Concept):
        return _concept(item)
    if isinstance(item, Fact):
        return _fact(item)
    if isinstance(item, Comparison):
        parts: list[RenderableType] = [Text(item.title, style="bold"), comparison_table(item)]
    else:
        parts = [Text(item.title, style="bold"), sequence_view(item)]
    if item.note:
        parts.append(Text(item.note, style="italic"))
    return Group(*parts)


def item_text(item: "Item") -> str:
    if isinstance(item, Concept):
        lines = [item.term, f"    {item.definition}", *(f"    - {p}" for p in item.points)]
        if item.aliases:
            lines.append(f"    Also called: {', '.join(item.aliases)}")
    elif isinstance(item, Fact):
        lines = [f"Q {item.prompt}", f"A {item.answer}", *([f"  {item.explanation}"] if item.explanation else [])]
    elif isinstance(item, Comparison):
        lines = [item.title]
        for row in item.rows:
            if row.label:
                lines.append(f"{row.label}:")
            lines += [f"  {col}: {cell}" for col, cell in zip(item.columns, row.cells) if cell]
        lines += [item.note] if item.note else []
    else:
        lines = [item.title, *(f"{n:>2}. {s.text}" + (f" - {s.detail}" if s.detail else "")
                               for n, s in enumerate(item.steps, 1))]
        lines += [item.note] if item.note else []
    return "\n".join(lines)


def summary_view(rows: "list[TopicSummary]", now: "datetime", *, interrupted: bool = False) -> RenderableType:
    title = "Session interrupted: answers so far" if interrupted else "Session summary"
    table = Table(title=Text(title, style="bold"), box=box.SIMPLE_HEAVY, header_style="bold", pad_edge=False)
    table.add_column("Topic")
    table.add_column("Answered", justify="right")
    table.add_column("Correct", justify="right")
    table.add_column("Next due", justify="right")
    for r in rows:
        table.add_row(Text(r.title), str(r.answered), str(r.correct), when_text(r.next_due, now))
    if len(rows) > 1:
        table.add_row(Text("All", style="bold"), str(sum(r.answered for r in rows)),
                      str(sum(r.correct for r in rows)), "", end_section=True)
    return table


def summary_text(rows: "list[TopicSummary]", now: "datetime", *, interrupted: bool = False) -> str:
    answered, correct = sum(r.answered for r in rows), sum(r.correct for r in rows)
    head = "Session interrupted." if interrupted else "Session over."
    lines = [f"\n{head} {answered} answered, {correct} correct."]
    lines += [f"{r.title}: {r.answered} answered, {r.correct} correct, next due {when_text(r.next_due, now)}."
              for r in rows]
    return "\n".join(lines)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def stats_view(s: "Stats") -> RenderableType:
    table = Table(box=box.SIMPLE_HEAVY, header_style="bold", pad_edge=False)
    for name, justify in (("Topic", "left"), ("Cards", "right"), ("New", "right"), ("Learning", "right"),
                          ("Review", "right"), ("Due today", "right"), ("Mastery", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for t in s.topics:
        table.add_row(Text(t.title), str(t.cards), str(t.new), str(t.learning), str(t.review), str(t.due),
                      _percent(t.mastery))
    parts: list[RenderableType] = [table, *(Text(line) for line in _stats_lines(s))]
    return Group(*parts)


def stats_text(s: "Stats") -> str:
    lines = [f"{t.title} ({t.id}): {t.cards} cards, {t.new} new, {t.learning} learning, {t.review} review, "
             f"{t.due} due today, mastery {_percent(t.mastery)}" for t in s.topics]
    return "\n".join([*lines, "", *_stats_lines(s)]) + "\n"


def _stats_lines(s: "Stats") -> list[str]:
    forecast = ", ".join(f"{d[5:]}: {n}" for d, n in s.forecast)
    lines = [
        f"Due today: {s.due_today}; new cards available: {s.new_available} ({s.new_today} more today).",
        f"Due over the next 7 days: {forecast}.",
        f"Reviews: {s.reviews_today} today, {s.reviews_30d} in the last 30 days ({s.reviews_total} in all); "
        f"retention over 30 days: {_percent(s.retention_30d)}.",
        f"Streak: {s.streak_days} day{'s' if s.streak_days != 1 else ''}.",
    ]
    if s.leeches:
        lines.append(f"Leeches ({len(s.leeches)}): " + ", ".join(f"{x.card_id} ({x.lapses} lapses)"
                                                                 for x in s.leeches))
    else:
        lines.append("Leeches: none.")
    return lines
