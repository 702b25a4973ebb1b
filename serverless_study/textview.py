"""Plain-text views for pipes, files and screen readers: no colour, no boxes, no wrapping, no Rich import.

Every view is @sanitized: what it is given passes through sanitize.clean, so no control character is printed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from serverless_study.model import Comparison, Concept, Fact, Item, Sequence, Topic
from serverless_study.sanitize import sanitized

if TYPE_CHECKING:
    from datetime import datetime, timedelta

    from serverless_study.answers import Verdict
    from serverless_study.model import Question
    from serverless_study.session import Outcome, Progress, TopicSummary
    from serverless_study.stats import Stats


@sanitized
def topic_text(topic: Topic) -> str:
    """The whole topic as plain lines: headings underlined, tables as labelled row blocks."""
    title = f"{topic.title} ({topic.id})"
    out = [title, "=" * len(title), ""]
    if topic.summary:
        out += [topic.summary, ""]

    def heading(text: str) -> None:
        out.extend([text, "-" * len(text)])

    if topic.concepts:
        heading("Concepts")
        for c in topic.concepts:
            out += item_lines(c)
        out.append("")
    titled: list[Comparison | Sequence] = [*topic.comparisons, *topic.sequences]
    for item in titled:
        heading(item.title)
        out += [*item_lines(item)[1:], ""]
    if topic.facts:
        heading("Key facts")
        for f in topic.facts:
            out += [*item_lines(f), ""]
    for image in topic.images:
        out.append(f"Diagram: {image.caption or image.src} ({image.path})")
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"


@sanitized
def item_lines(item: Item) -> list[str]:
    """One content item as plain lines (tables and sequences start with their title)."""
    if isinstance(item, Concept):
        lines = [item.term, f"    {item.definition}", *(f"    - {p}" for p in item.points)]
        if item.aliases:
            lines.append(f"    Also called: {', '.join(item.aliases)}")
        return lines + ([f"    Note: {item.note}"] if item.note else [])
    if isinstance(item, Fact):
        lines = [f"Q {item.prompt}", f"A {item.answer}", *([f"  {item.explanation}"] if item.explanation else [])]
        return lines + ([f"  Note: {item.note}"] if item.note else [])
    lines = [item.title]
    if isinstance(item, Comparison):
        for row in item.rows:
            if row.label:
                lines.append(f"{row.label}:")
            lines += [f"  {col}: {cell}" for col, cell in zip(item.columns, row.cells, strict=False) if cell]
    else:
        lines += [f"{n:>2}. {s.text}" + (f" - {s.detail}" if s.detail else "") for n, s in enumerate(item.steps, 1)]
    return lines + ([item.note] if item.note else [])


@sanitized
def topics_text(topics: list[Topic]) -> str:
    """One aligned line per topic: id, title and item counts."""
    header = ("id", "title", "concepts", "tables", "sequences", "facts")
    rows = [header] + [
        (t.id, t.title, *(str(n) for n in (len(t.concepts), len(t.comparisons), len(t.sequences), len(t.facts))))
        for t in topics
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = []
    for r in rows:
        numbers = [c.rjust(w) for c, w in zip(r[2:], widths[2:], strict=True)]
        cells = [r[0].ljust(widths[0]), r[1].ljust(widths[1]), *numbers]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


# --- quiz and stats: the line-mode twins of render.py's views ----------------------------------------------------


@sanitized
def duration_text(delta: timedelta) -> str:
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


@sanitized
def when_text(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "-"
    if moment <= now:
        return "now"
    return f"in {duration_text(moment - now)}"


@sanitized
def progress_text(p: Progress) -> str:
    return f"{p.position} of {p.total} · {p.new} new, {p.learning} learning, {p.review} to review left"


@sanitized
def question_text(q: Question, p: Progress, topic_title: str) -> str:
    return (
        f"\nQuestion {p.position} of {p.total} ({topic_title}; {p.new} new, {p.learning} learning, "
        f"{p.review} to review left)\n{q.prompt}"
    )


@sanitized
def feedback_text(verdict: Verdict, q: Question) -> str:
    lines = [f"Correct. {verdict.note}".rstrip() if verdict.correct else f"Wrong. The answer is: {verdict.expected}"]
    if not verdict.correct:
        lines += [line for line in (verdict.note, verdict.mix_up()) if line]
    if q.explanation:
        lines.append(q.explanation)
    return "\n".join(lines)


@sanitized
def verdict_text(verdict: Verdict, q: Question) -> str:
    """A verdict spelled out for content authors (`try`): right or wrong, why, and against what."""
    lines = [
        f"{'Right' if verdict.correct else 'Wrong'} ({verdict.reason.value}): {q.card_id}",
        f"Expected: {verdict.expected}" + (f" (also accepted: {'; '.join(q.accept)})" if q.accept else ""),
    ]
    if verdict.note:
        lines.append(verdict.note)
    if verdict.right or verdict.missing or verdict.extra:
        lines.append(
            f"List: right {', '.join(verdict.right) or '-'}; missing {', '.join(verdict.missing) or '-'}; "
            f"extra {', '.join(verdict.extra) or '-'}"
        )
    if verdict.mix_up():
        lines.append(f"Confused with {verdict.confused_with.name if verdict.confused_with else ''}: {verdict.mix_up()}")
    return "\n".join(lines)


@sanitized
def reveal_text(q: Question) -> str:
    return "\n".join(["Answer:", q.answer, *([q.explanation] if q.explanation else [])])


@sanitized
def leech_text(outcome: Outcome) -> str:
    head = f"Leech: you have forgotten this card {outcome.after.lapses} times. Read its note again:"
    return head + "\n" + (item_text(outcome.item) if outcome.item is not None else "(its content is gone)")


@sanitized
def item_text(item: Item) -> str:
    return "\n".join(item_lines(item))


@sanitized
def summary_text(rows: list[TopicSummary], now: datetime, *, interrupted: bool = False) -> str:
    answered, correct = sum(r.answered for r in rows), sum(r.correct for r in rows)
    head = "Session interrupted." if interrupted else "Session over."
    lines = [f"\n{head} {answered} answered, {correct} correct."]
    lines += [
        f"{r.title}: {r.answered} answered, {r.correct} correct, next due {when_text(r.next_due, now)}." for r in rows
    ]
    return "\n".join(lines)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


@sanitized
def stats_text(s: Stats) -> str:
    lines = [
        f"{t.title} ({t.id}): {t.cards} cards, {t.new} new, {t.learning} learning, {t.review} review, "
        f"{t.due} due today, mastery {_percent(t.mastery)}"
        for t in s.topics
    ]
    return "\n".join([*lines, "", *_stats_lines(s)]) + "\n"


def _stats_lines(s: Stats) -> list[str]:
    forecast = ", ".join(f"{d[5:]}: {n}" for d, n in s.forecast)
    lines = [
        f"Due today: {s.due_today}; new cards available: {s.new_available} ({s.new_today} more today).",
        f"Due over the next 7 days: {forecast}.",
        f"Reviews: {s.reviews_today} today, {s.reviews_30d} in the last 30 days ({s.reviews_total} in all); "
        f"retention over 30 days: {_percent(s.retention_30d)}.",
        f"Streak: {s.streak_days} day{'s' if s.streak_days != 1 else ''}.",
    ]
    if s.leeches:
        lines.append(f"Leeches ({len(s.leeches)}): " + ", ".join(f"{x.card_id} ({x.lapses} lapses)" for x in s.leeches))
    else:
        lines.append("Leeches: none.")
    if s.changed:
        lines.append(f"Changed since you last reviewed them ({len(s.changed)}): " + ", ".join(s.changed))
    if s.confusions:
        pairs = ", ".join(f"{c.confused_with} for {c.expected} ({c.times} times)" for c in s.confusions)
        lines.append(f"Most confused: {pairs}.")
    if s.overrides:
        lines.append(f"Overridden verdicts: {', '.join(f'{cid} ({n})' for cid, n in s.overrides.items())}.")
    return lines
