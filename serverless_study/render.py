"""Rich renderables built from model values. Builds, never prints; all content text goes in as Text, never markup.

Every view is @sanitized: what it is given passes through sanitize.clean, so no control character reaches Rich.
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.padding import Padding
from rich.panel import Panel
from rich.rule import Rule
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from serverless_study.model import Comparison, Concept, Fact, Image, Sequence, Topic
from serverless_study.sanitize import sanitized

if TYPE_CHECKING:
    from collections.abc import Iterable

    from serverless_study.model import TopicHead


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


@sanitized
def topic_view(topic: Topic) -> RenderableType:
    """The whole topic for reading in a terminal; `textview.topic_text` is the piped form."""
    parts: list[RenderableType] = []
    if topic.summary:
        parts += [Text(topic.summary), Text("")]
    # Diagrams right after the summary: it is the text that contrasts what they draw, and the concepts below use
    # the layers' names, so the picture is seen before the terms that refer to it.
    for image in topic.images:
        parts += [diagram_view(image), Text("")]
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
    while parts and isinstance(parts[-1], Text) and not parts[-1].plain:
        parts.pop()
    panel = Panel(
        Group(*parts),
        title=Text(topic.title, style="bold", overflow="ellipsis"),  # a cut title ends with "…"
        subtitle=Text(topic.id),
        title_align="left",
        subtitle_align="right",
        box=box.ROUNDED,
        padding=(1, 2),
    )
    if not topic.images:
        return panel
    # The files' paths go below the panel, each on a line of its own that is never wrapped or cut (a panel would cut
    # it at its border), so it can be copied whole; print with crop=False.
    return Group(panel, *(Unbroken(str(image.path), "cyan") for image in topic.images))


@sanitized
def diagram_view(image: Image) -> RenderableType:
    """An image as the terminal can show it: its layers drawn as stacked boxes (if the content gives them), its caption
    and where the picture is; the file's path itself is an `Unbroken` line below the topic."""
    caption = Text.assemble(("Diagram: ", "bold"), image.caption or image.src, (" (its file is named below)", "dim"))
    if not image.layers:
        return caption
    stacks = []
    for layer in image.layers:
        table = Table(box=box.SQUARE, show_lines=True, header_style="bold", expand=False)
        table.add_column(Text(layer.title), overflow="fold")
        for item in layer.stack:
            table.add_row(Text(item))
        stacks.append(table)
    return Group(_SideBySide(stacks), caption)


class _SideBySide:
    """Renderables in a row when they fit the width without wrapping, else one under another (narrow terminals)."""

    def __init__(self, items: list[Table]) -> None:
        self.items = items

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        gap = 2
        unbounded = options.update(width=10_000)  # Measurement.get clamps to the width it is given
        wanted = sum(Measurement.get(console, unbounded, t).maximum for t in self.items) + gap * (len(self.items) - 1)
        if wanted > options.max_width:
            yield Group(*self.items)
            return
        row = Table.grid(padding=(0, gap))
        for _ in self.items:
            row.add_column(no_wrap=True)
        row.add_row(*self.items)
        yield row


class Unbroken:
    """One line of text that is never wrapped or cut, whatever the width (a path to copy); the terminal may fold it."""

    def __init__(self, text: str, style: str = "") -> None:
        self.text = text
        self.style = style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Segment(self.text, console.get_style(self.style) if self.style else None)
        yield Segment.line()


def _heading(title: str) -> RenderableType:
    return Rule(Text(title, style="bold magenta"), align="left", style="magenta")


def _concept(c: Concept) -> RenderableType:
    body: list[RenderableType] = [Text(c.definition)]
    if c.points:
        body.append(_hanging([(Text("•"), Text(p)) for p in c.points]))
    if c.aliases:
        body.append(Text("Also called: " + ", ".join(c.aliases), style="dim"))
    if c.note:
        body.append(_note(c.note))
    return Group(Text(c.term, style="bold cyan"), Padding(Group(*body), (0, 0, 1, 4)))


@sanitized
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


@sanitized
def sequence_view(s: Sequence) -> RenderableType:
    rows = []
    for n, step in enumerate(s.steps, 1):
        line = Text(step.text, style="bold")
        if step.detail:
            line.append(f" — {step.detail}", style="not bold")
        rows.append((Text(f"{n:>2}.", style="bold"), line))
    return _hanging(rows)


def _hanging(rows: list[tuple[Text, Text]]) -> Table:
    """Marked lines ("•", " 3.") whose wrapped lines stay indented under their text, not under the mark."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    for mark, text in rows:
        grid.add_row(mark, text)
    return grid


def _fact(f: Fact) -> RenderableType:
    line = Text.assemble(("Q ", "bold yellow"), f.prompt, "\n", ("A ", "bold green"), (f.answer, "bold green"))
    extra = [Text(f.explanation, style="dim")] if f.explanation else []
    if f.note:
        extra.append(_note(f.note))
    return Group(line, Padding(Group(*extra), (0, 0, 0, 2))) if extra else line


def _note(note: str) -> Text:
    """A content note (e.g. what changed in AWS since older material said otherwise)."""
    return Text.assemble(("Note: ", "bold italic"), (note, "italic"))


@sanitized
def topics_table(topics: Iterable[Topic | TopicHead]) -> Table:
    """Title with the id to type beneath it, so the title gets the room a long id column used to take."""
    table = Table(box=box.SIMPLE_HEAVY, header_style="bold", pad_edge=False)
    table.add_column("topic (id)", ratio=1)
    for name in ("concepts", "tables", "sequences", "facts"):
        table.add_column(name, justify="right", no_wrap=True)
    for t in topics:
        c = t.counts()
        table.add_row(
            Text.assemble(t.title, "\n", (t.id, "cyan")),
            str(c["concepts"]),
            str(c["comparisons"]),
            str(c["sequences"]),
            str(c["facts"]),
        )
    return table


# --- quiz and stats -----------------------------------------------------------------------------------------------
# Rich forms for terminals; their plain-text twins for line mode are in textview.py.

from serverless_study.textview import (  # noqa: E402
    KIND_NAMES,
    _bucket_label,
    _forecast_summary,
    _percent,
    _stats_lines,
    _weeks_of,
    drill_text,
    leech_suspended_text,
    pick_text,
    progress_text,
    unrated_text,
    when_text,
)

if TYPE_CHECKING:
    from datetime import datetime

    from serverless_study.answers import Verdict
    from serverless_study.model import Item, Question
    from serverless_study.session import Outcome, Progress, TopicSummary
    from serverless_study.stats import Recall, Stats


@sanitized
def question_view(q: Question, p: Progress, topic_title: str) -> RenderableType:
    return Panel(
        Text(q.prompt),
        title=Text(topic_title, style="bold"),
        subtitle=Text(progress_text(p), style="dim"),
        title_align="left",
        subtitle_align="right",
        box=box.ROUNDED,
        padding=(0, 1),
    )


@sanitized
def feedback_view(verdict: Verdict, q: Question, given: str = "", back: str = "") -> RenderableType:
    if verdict.correct:
        head = Text.assemble(("✔ Correct", "bold green"), *(("  ", (verdict.note, "yellow")) if verdict.note else ()))
    else:
        head = Text.assemble(("✘ Not quite. ", "bold red"), "The answer is: ", (verdict.expected, "bold"))
    parts: list[RenderableType] = [head]
    if not verdict.correct:
        parts += [Text(line, style="yellow") for line in (verdict.note, verdict.mix_up()) if line]
        if not verdict.mix_up() and pick_text(q, given):  # a wrong choice: what the pick means
            parts.append(Text(pick_text(q, given), style="yellow"))
    if q.explanation:
        parts.append(Text(q.explanation, style="dim"))
    if back:
        parts.append(Text(f"This card comes back {back}."))
    return Group(*parts)


@sanitized
def reveal_view(q: Question) -> RenderableType:
    parts: list[RenderableType] = [Text("Answer", style="bold green"), Padding(Text(q.answer), (0, 0, 0, 2))]
    if q.explanation:
        parts.append(Text(q.explanation, style="dim"))
    return Group(*parts)


@sanitized
def leech_view(outcome: Outcome) -> RenderableType:
    head = Text(
        f"Leech: you have forgotten this card {outcome.lapses} times. Read its note again:", style="bold yellow"
    )
    body = item_view(outcome.item) if outcome.item is not None else Text("(its content is gone)")
    parts = [head, Text(""), body]
    if outcome.suspended:
        parts += [Text(""), Text(leech_suspended_text(outcome.card.id), style="bold")]
    return Panel(Group(*parts), box=box.ROUNDED, border_style="yellow")


@sanitized
def item_view(item: Item) -> RenderableType:
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


@sanitized
def summary_view(
    rows: list[TopicSummary], now: datetime, *, interrupted: bool = False, unrated: int = 0
) -> RenderableType:
    title = "Session interrupted: answers so far" if interrupted else "Session summary"
    table = Table(title=Text(title, style="bold"), box=box.SIMPLE_HEAVY, header_style="bold", pad_edge=False)
    table.add_column("Topic")
    table.add_column("Answered", justify="right")
    table.add_column("Correct", justify="right")
    table.add_column("Next due", justify="right")
    for r in rows:
        table.add_row(Text(r.title), str(r.answered), str(r.correct), when_text(r.next_due, now))
    if len(rows) > 1:
        table.add_row(
            Text("All", style="bold"),
            str(sum(r.answered for r in rows)),
            str(sum(r.correct for r in rows)),
            "",
            end_section=True,
        )
    return Group(table, Text(unrated_text(unrated), style="yellow")) if unrated else table


@sanitized
def stats_view(s: Stats) -> RenderableType:
    """The stats screen, one section per figure; every shade and bar comes with its numbers (NO_COLOR readable).

    The sections are private: they are only drawn from here, on figures this has already sanitised.
    """
    parts: list[RenderableType | None] = [
        _topics_table(s),
        _heatmap_view(s),
        _forecast_view(s),
        _retention_view(s),
        _calibration_view(s),
        _confusions_view(s),
        Group(*(Text(line) for line in _stats_lines(s))),
    ]
    spaced: list[RenderableType] = []
    for part in parts:
        if part is not None:
            spaced += [part, Text("")]
    return Group(*spaced[:-1])


def _topics_table(s: Stats) -> RenderableType:
    by_topic = s.true_retention.by_topic
    rows: list[tuple[str, tuple[str, ...]]] = [
        (
            t.title,
            (
                str(t.cards),
                str(t.new),
                str(t.learning),
                str(t.review),
                str(t.due),
                _percent(t.mastery),
                _percent(by_topic[t.id].share if t.id in by_topic else None),
            ),
        )
        for t in s.topics
    ]
    # Retention: true retention over 30 days, as in the retention section.
    return _TitledNumbers(("Topic", "Cards", "New", "Learning", "Review", "Due\ntoday", "Mastery", "Retention"), rows)


class _TitledNumbers:
    """A column of titles (wrapped to the width left) and right-aligned columns of numbers, drawn line by line.

    It looks like Rich's SIMPLE_HEAVY table, which measures and wraps every cell: with a hundred topics that was
    most of the time `stats` took in a terminal.
    """

    def __init__(self, headers: tuple[str, ...], rows: list[tuple[str, tuple[str, ...]]]) -> None:
        self.headers = headers
        self.rows = rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        import textwrap

        from rich.cells import cell_len
        from rich.style import Style

        heads = [h.split("\n") for h in self.headers]
        height = max(len(h) for h in heads)
        heads = [[""] * (height - len(h)) + h for h in heads]  # headers sit on the rule
        widths = [max(len(x) for x in col) for col in heads[1:]]
        for _title, cells in self.rows:
            widths = [max(w, len(c)) for w, c in zip(widths, cells, strict=True)]
        fixed = sum(widths) + 2 * len(widths) + 2  # two spaces before each number, one space at each edge
        longest = max(cell_len(x) for x in [*heads[0], *(title for title, _ in self.rows)])
        title_width = max(8, min(longest, options.max_width - fixed))
        total = title_width + fixed
        bold = Style(bold=True)

        def line(title: str, cells: list[str], style: Style | None = None) -> list[Segment]:
            numbers = "".join(f"  {c:>{w}}" for c, w in zip(cells, widths, strict=True))
            return [Segment(f" {title}{' ' * (title_width - cell_len(title))}{numbers} ", style), Segment.line()]

        yield from [Segment(" " * total), Segment.line()]
        for k in range(height):
            yield from line(heads[0][k], [h[k] for h in heads[1:]], bold)
        yield from [Segment(f" {'━' * (total - 2)} "), Segment.line()]
        blank = [""] * len(widths)
        for title, cells in self.rows:
            wrapped = textwrap.wrap(title, title_width) or [""]
            yield from line(wrapped[0], list(cells))
            for more in wrapped[1:]:
                yield from line(more, blank)
        yield from [Segment(" " * total), Segment.line()]


SHADES = "·░▒▓█"  # no answers, then four levels of activity: readable without colour
_SHADE_STYLES = ("dim", "green", "green", "bold green", "bold bright_green")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _shade_level(n: int, most: int) -> int:
    """0 for no answers; else 1 to 4, each a quarter of the busiest day's answers."""
    return 0 if n <= 0 or most <= 0 else min(4, -(-4 * n // most))


def _shade_legend(most: int) -> Text:
    """Each shade with the answers a day it stands for ("· 0  ░ 1-3  ▒ 4-6"); levels no count reaches are left out."""
    legend = Text.assemble((SHADES[0], _SHADE_STYLES[0]), " 0")
    for level in range(1, 5):
        low, high = (level - 1) * most // 4 + 1, level * most // 4
        if most and low <= high:
            legend.append("  ")
            legend.append(SHADES[level], _SHADE_STYLES[level])
            legend.append(f" {low}" if low == high else f" {low}-{high}")
    return legend


def _month_labels(weeks: list[list[tuple[str, int]]]) -> Text:
    """Each month's name over the week its first day falls in; the first week is named too when there is room."""
    from datetime import date

    labels = [(col, date.fromisoformat(d).month) for col, week in enumerate(weeks) for d, _ in week if d[8:] == "01"]
    if weeks and (not labels or labels[0][0] >= 2):
        labels.insert(0, (0, date.fromisoformat(weeks[0][0][0]).month))
    line = Text("    ")
    for col, month in labels:
        line.append(" " * (4 + 2 * col - len(line)) + _MONTHS[month - 1])
    return line


def _heatmap_view(s: Stats) -> RenderableType:
    """A cell a study day, weekday rows, a column a week (Monday first), month names over the weeks they begin in."""
    weeks = _weeks_of(s.heatmap)
    most = max((n for _, n in s.heatmap), default=0)
    rows = [_month_labels(weeks)]
    for weekday in range(7):
        row = Text(f"{_WEEKDAYS[weekday]} ")
        for week in weeks:
            if weekday < len(week):
                level = _shade_level(week[weekday][1], most)
                row.append(SHADES[level], _SHADE_STYLES[level])
                row.append(" ")
        rows.append(row)
    total = sum(n for _, n in s.heatmap)
    studied = sum(n > 0 for _, n in s.heatmap)
    head = Text.assemble(
        ("Answers per study day", "bold"), f", last {len(weeks)} weeks: {total} answers on {studied} days"
    )
    return Group(head, *rows, Text.assemble("    ", _shade_legend(most), "  answers a day"))


_BAR_HEIGHT = 6  # rows; each row is eight steps of ▁▂▃▄▅▆▇█
_EIGHTHS = " ▁▂▃▄▅▆▇█"


def _forecast_view(s: Stats) -> RenderableType:
    """Cards due on each of the next 30 study days as vertical bars, with the scale and a date every week."""
    counts = [n for _, n in s.forecast]
    most = max(counts, default=0)
    head = Text.assemble(("Due reviews", "bold"), f", next {len(counts)} study days (today first)")
    if most == 0:
        return Group(head, Text("Nothing is due."))
    steps = [0 if n == 0 else max(1, round(n * _BAR_HEIGHT * 8 / most)) for n in counts]
    width = len(str(most))
    rows = []
    for level in range(_BAR_HEIGHT - 1, -1, -1):
        label = str(most) if level == _BAR_HEIGHT - 1 else ""
        row = Text(f"{label:>{width}} ┤" if label else f"{'':>{width}} │")
        for step in steps:
            part = max(0, min(8, step - 8 * level))
            row.append(_EIGHTHS[part], "cyan" if part else "")
            row.append(" ")
        rows.append(row)
    rows.append(Text(f"{'0':>{width}} └" + "─" * (2 * len(counts))))
    dates = Text(" " * (width + 2))
    for k in range(0, len(s.forecast), 7):
        dates.append(" " * (width + 2 + 2 * k - len(dates)) + s.forecast[k][0][5:])
    return Group(head, *rows, dates, Text(_forecast_summary(s)))


def _retention_view(s: Stats) -> RenderableType:
    """True retention overall and per kind of card, beside the desired retention (per topic: the topic table)."""
    tr = s.true_retention
    head = Text.assemble(
        ("True retention", "bold"), f", last {tr.days} days: review answers recalled (desired {_percent(tr.desired)})"
    )
    if not tr.overall.answers:
        return Group(head, Text("No review answers yet."))
    table = Table(box=box.SIMPLE, header_style="bold", pad_edge=False, show_edge=False)
    table.add_column("")
    table.add_column("Retention", justify="right")
    table.add_column("Recalled", justify="right")
    table.add_column("Answers", justify="right")

    def row(label: Text, r: Recall, *, end: bool = False) -> None:
        table.add_row(label, _percent(r.share), str(r.recalled), str(r.answers), end_section=end)

    row(Text("All review answers", style="bold"), tr.overall, end=True)
    for kind, r in tr.by_kind.items():  # each topic's figure is in the topic table
        row(Text(KIND_NAMES.get(kind, kind), style="italic"), r)
    return Group(head, table)


def _calibration_view(s: Stats) -> RenderableType:
    """Predicted recall when answered, in buckets, against the share of those answers recalled, with counts."""
    head = Text.assemble(("Calibration", "bold"), ": predicted recall when answered vs recalled (review answers)")
    if not s.calibration:
        return Group(head, Text("No review answers with a predicted recall yet."))
    table = Table(box=box.SIMPLE, header_style="bold", pad_edge=False, show_edge=False)
    for name in ("Predicted", "Mean predicted", "Recalled", "Answers"):
        table.add_column(name, justify="right")
    for b in s.calibration:
        table.add_row(_bucket_label(b), _percent(b.predicted), _percent(b.actual), str(b.n))
    return Group(head, table)


def _confusions_view(s: Stats) -> RenderableType | None:
    """The pairs of terms the learner mixes up most: what a card wanted and what they gave instead."""
    if not s.confusions:
        return None
    table = Table(box=box.SIMPLE, header_style="bold", pad_edge=False, show_edge=False)
    table.add_column("You answered")
    table.add_column("for")
    table.add_column("Times", justify="right")
    for c in s.confusions:
        table.add_row(Text(c.confused_with), Text(c.expected), str(c.times))
    return Group(Text("Most confused", style="bold"), table)


# --- practice exams -------------------------------------------------------------------------------------------------

from serverless_study.textview import _exam_status, _score_line, _trend_line, exam_intro_text  # noqa: E402

if TYPE_CHECKING:
    from datetime import timedelta, tzinfo

    from serverless_study.exam import ExamPlan, ExamQuestion, ExamResult, Missed
    from serverless_study.scores import ExamSummary


@sanitized
def exam_intro_view(plan: ExamPlan) -> RenderableType:
    return Panel(Text(exam_intro_text(plan)), box=box.ROUNDED, padding=(0, 1))


@sanitized
def exam_question_view(q: ExamQuestion, total: int, topic_title: str, left: timedelta | None) -> RenderableType:
    body = Text(q.question.prompt)
    if q.answer is not None:
        body.append(f"\nYour answer so far: {q.answer}", style="dim")
    return Panel(
        body,
        title=Text(topic_title, style="bold"),
        subtitle=Text(_exam_status(q, total, left), style="yellow" if q.flagged else "dim"),
        title_align="left",
        subtitle_align="right",
        box=box.ROUNDED,
        padding=(0, 1),
    )


@sanitized
def exam_result_view(result: ExamResult) -> RenderableType:
    head = Text(_score_line(result), style="bold green" if result.passed else "bold red")
    table = Table(box=box.SIMPLE_HEAVY, header_style="bold", pad_edge=False)
    table.add_column("Topic")
    table.add_column("Right", justify="right")
    table.add_column("Questions", justify="right")
    table.add_column("Score", justify="right")
    for t in result.topics:
        table.add_row(Text(t.title), str(t.correct), str(t.questions), _percent(t.score))
    parts: list[RenderableType] = [Text(""), head, table]
    if result.missed:
        parts.append(Text(f"Missed ({len(result.missed)})", style="bold"))
        parts += [_missed(m) for m in result.missed]
        parts.append(Text(drill_text(len(result.missed))))
    return Group(*parts)


def _missed(m: Missed) -> RenderableType:
    if m.given is None:
        lines: list[RenderableType] = [
            Text.assemble(("Not answered. ", "bold red"), "The answer is: ", (m.verdict.expected, "bold"))
        ]
        lines += [Text(m.question.explanation, style="dim")] if m.question.explanation else []
    else:
        lines = [Text(f"Your answer: {m.given or '(empty)'}"), feedback_view(m.verdict, m.question, m.given)]
    return Panel(
        Group(Text(m.question.prompt), Text(""), *lines),
        title=Text(f"{m.position}. {m.topic_title}", style="bold"),
        title_align="left",
        box=box.ROUNDED,
        padding=(0, 1),
    )


@sanitized
def exams_view(exams: list[ExamSummary], zone: tzinfo | None = None) -> RenderableType:
    """The last practice exams for `stats`, oldest first, and the trend."""
    if not exams:
        return Text("Practice exams: none yet (`serverless-study exam`).")
    table = Table(title=Text("Practice exams", style="bold"), box=box.SIMPLE_HEAVY, header_style="bold", pad_edge=False)
    for name in ("Started", "Right", "Score", "Pass mark", "Result", "Predicted"):
        table.add_column(name, justify="left" if name in ("Started", "Result") else "right")
    for e in exams:
        table.add_row(
            e.started_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            f"{e.correct}/{e.questions}",
            _percent(e.score),
            f"{e.pass_mark}%",
            Text("passed", style="green") if e.passed else Text("not passed", style="red"),
            _percent(e.predicted),
        )
    return Group(table, Text(_trend_line(exams))) if len(exams) > 1 else table
