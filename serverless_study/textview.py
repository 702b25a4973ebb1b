"""Plain-text views for pipes, files and screen readers: no colour, no boxes, no wrapping, no Rich import.

Every view is @sanitized: what it is given passes through sanitize.clean, so no control character is printed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from serverless_study.model import Comparison, Concept, Fact, Image, Item, Layer, Sequence, Topic
from serverless_study.sanitize import sanitized

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime, timedelta, tzinfo

    from serverless_study.answers import Verdict
    from serverless_study.exam import ExamPlan, ExamQuestion, ExamResult, Missed
    from serverless_study.holds import Named
    from serverless_study.model import Question, TopicHead
    from serverless_study.scores import ExamSummary
    from serverless_study.session import Held, Outcome, Progress, TopicSummary, Waiting
    from serverless_study.stats import Bucket, Recall, Stats


@sanitized
def topic_text(topic: Topic) -> str:
    """The whole topic as plain lines: headings underlined, tables as labelled row blocks."""
    title = f"{topic.title} ({topic.id})"
    out = [title, "=" * len(title), ""]
    if topic.summary:
        out += [topic.summary, ""]
    for image in topic.images:  # right after the summary, as in the terminal view (render.topic_view says why)
        out += [*image_lines(image), ""]

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
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"


@sanitized
def image_lines(image: Image, width: int = 80) -> list[str]:
    """A diagram as plain lines: its layers as boxes (side by side when they fit `width`), caption, then its path
    alone on a line (never wrapped: plain text is not)."""
    return [*diagram_lines(image.layers, width), f"Diagram: {image.caption or image.src}", str(image.path)]


@sanitized
def diagram_lines(layers: tuple[Layer, ...], width: int = 80) -> list[str]:
    """Stacks of boxes, top to bottom, each under its title; the stacks side by side when they fit in `width`."""
    blocks = [_stack_lines(layer) for layer in layers]
    if not blocks:
        return []
    gap = "  "
    if sum(len(b[0]) for b in blocks) + len(gap) * (len(blocks) - 1) > width:
        return [line for n, b in enumerate(blocks) for line in ([""] if n else []) + b]
    height = max(len(b) for b in blocks)
    padded = [b + [" " * len(b[0])] * (height - len(b)) for b in blocks]
    return [gap.join(row).rstrip() for row in zip(*padded, strict=True)]


def _stack_lines(layer: Layer) -> list[str]:
    inner = max(len(text) for text in (layer.title, *layer.stack))
    rule = "─" * (inner + 2)
    lines = [f" {layer.title:<{inner}}  ", f"┌{rule}┐"]
    for n, text in enumerate(layer.stack):
        lines += ([f"├{rule}┤"] if n else []) + [f"│ {text:<{inner}} │"]
    return [*lines, f"└{rule}┘"]


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
def topics_text(topics: Iterable[Topic | TopicHead]) -> str:
    """One aligned line per topic: id, title and item counts."""
    header = ("id", "title", "concepts", "tables", "sequences", "facts")
    rows = [header] + [(t.id, t.title, *(str(n) for n in t.counts().values())) for t in topics]
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
    """What is left, with totals that do not move: "12 of 20 new · 5 learning · 30 reviews left"."""
    new = f"{p.new} of {p.new_total} new" if p.new_total else f"{p.new} new"
    return f"{new} · {p.learning} learning · {p.review} review{'s' if p.review != 1 else ''} left"


@sanitized
def share_used_text(title: str, share: int) -> str:
    """Why a chosen topic gives no new cards in a `--topic` quiz: its share of the day's new cards is used."""
    cards = "card" if share == 1 else "cards"
    return f"{title}: its share of today's new cards ({share} {cards}) is used; the other chosen topics get the rest."


@sanitized
def nothing_to_ask_text(held: Waiting) -> str:
    """Why a quiz asks nothing, naming the limit and the option that raises it."""
    if held.session_limit:
        return "Nothing to ask: --limit 0 asks no questions."
    reasons = []
    if held.new and held.new_per_day:  # --new 0 asked for none: that is no limit to explain
        cards = "new card is" if held.new_per_day == 1 else "new cards are"
        reasons.append(
            f"today's {held.new_per_day} {cards} used ({held.new} more wait); "
            f"`--new {held.new_per_day * 2 or 10}` to see more"
        )
    if held.reviews:
        reasons.append(
            f"today's {held.reviews_per_day} reviews are done ({held.reviews} more are due); "
            f"`--reviews {held.reviews_per_day + held.reviews}` to do them"
        )
    if reasons:
        return "Nothing to ask: " + "; and ".join(reasons) + "."
    return "Nothing is due right now. Come back later, or see `serverless-study stats` for what is next."


@sanitized
def question_text(q: Question, p: Progress, topic_title: str) -> str:
    return f"\nQuestion {p.position} ({topic_title}; {progress_text(p)})\n{q.prompt}"


@sanitized
def comes_back_text(delta: timedelta | None) -> str:
    """When a card is asked again: "again this session" (the learn-ahead) or "in 3 days"."""
    return "again this session" if delta is None else f"in {duration_text(delta)}"


@sanitized
def pick_text(q: Question, given: str) -> str:
    """What a wrong pick means ("Task: a running copy of …"), or "" when it is not a choice or has no gloss."""
    if given not in q.choices or given == q.answer:
        return ""
    gloss = q.glosses[q.choices.index(given)] if len(q.glosses) == len(q.choices) else ""
    return f"You picked {given}: {gloss}" if gloss else ""


@sanitized
def feedback_text(verdict: Verdict, q: Question, given: str = "", back: str = "") -> str:
    lines = [f"Correct. {verdict.note}".rstrip() if verdict.correct else f"Wrong. The answer is: {verdict.expected}"]
    if not verdict.correct:
        lines += [line for line in (verdict.note, verdict.mix_up()) if line]
        if not verdict.mix_up() and pick_text(q, given):  # a wrong choice: what the pick means
            lines.append(pick_text(q, given))
    if q.explanation:
        lines.append(q.explanation)
    if back:
        lines.append(f"This card comes back {back}.")
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
    head = f"Leech: you have forgotten this card {outcome.lapses} times. Read its note again:"
    body = item_text(outcome.item) if outcome.item is not None else "(its content is gone)"
    return "\n".join([head, body, *([leech_suspended_text(outcome.card.id)] if outcome.suspended else [])])


@sanitized
def leech_suspended_text(card_id: str) -> str:
    """Said once, when `leech_action = "suspend"` suspends a card that has just become a leech."""
    return f"Suspended: it will not be asked again until `serverless-study unsuspend {card_id}`."


@sanitized
def held_text(held: Held) -> str:
    """What `s` or `b` just did to the card answered."""
    from serverless_study.store import HoldKind  # here, not at the top: piped `learn` never loads sqlite3

    cid = held.card.id
    if held.kind is HoldKind.SUSPENDED:
        text = f"Suspended {cid}: it is not asked again until `serverless-study unsuspend {cid}`"
    else:
        text = f"Buried {cid} until your next study day"
    return text + ("; this answer was not rated, not saved" if held.unsaved else "") + " (u undoes)."


@sanitized
def unheld_text(held: Held) -> str:
    """What `u` said after taking back a suspend or bury."""
    again = "; here is its question again" if held.unsaved else ""
    return f"Undone: {held.card.id} is no longer {held.kind.value}{again}."


@sanitized
def named_cards_text(named: list[Named]) -> str:
    """ "tracing/x-ray/choice", or "3 cards (item tracing/x-ray; topic lambda)": what a suspend or bury named."""
    count = len({cid for n in named for cid in n.card_ids})
    if len(named) == 1 and named[0].one_card:
        return named[0].id
    parts = "; ".join(n.id if n.one_card else f"{n.what.value} {n.id}" for n in named)
    return f"{count} card{'s' if count != 1 else ''} ({parts})"


@sanitized
def cram_text(cards: int, from_exam: bool, *, missed: int | None = None) -> str:
    """The line a cram starts with (or the only one, when there is nothing to cram)."""
    if from_exam and missed == 0:
        return "Your last exam had no misses: nothing to drill."
    what = "your last exam's misses" if from_exam else "cards you have studied"
    if not cards:
        none = "none of your last exam's misses" if from_exam else "no cards you have studied"
        hint = "" if from_exam else "; `--new N` adds new cards"
        return f"Nothing to cram: {none} can be asked (suspended and buried cards are left out){hint}."
    count = f"{cards} card{'s' if cards != 1 else ''}"
    return f"Cram: {count} ({what}), due or not; your schedule and daily limits are left as they are."


@sanitized
def item_text(item: Item) -> str:
    return "\n".join(item_lines(item))


@sanitized
def unrated_text(count: int) -> str:
    """The right answers the learner left without a rating: they were not saved, so those cards come back."""
    return f"{count} answer{'s' if count != 1 else ''} not rated, not saved."


@sanitized
def summary_text(rows: list[TopicSummary], now: datetime, *, interrupted: bool = False, unrated: int = 0) -> str:
    answered, correct = sum(r.answered for r in rows), sum(r.correct for r in rows)
    head = "Session interrupted." if interrupted else "Session over."
    lines = [f"\n{head} {answered} answered, {correct} correct."]
    lines += [
        f"{r.title}: {r.answered} answered, {r.correct} correct, next due {when_text(r.next_due, now)}." for r in rows
    ]
    lines += [unrated_text(unrated)] if unrated else []
    return "\n".join(lines)


# --- practice exams ----------------------------------------------------------------------------------------------


@sanitized
def clock_text(left: timedelta | None) -> str:
    """Time left on an exam: "44:59 left", "1:05:00 left", or "untimed"."""
    if left is None:
        return "untimed"
    seconds = int(left.total_seconds())
    hours, rest = divmod(seconds, 3600)
    return (f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}") + " left"


@sanitized
def exam_intro_text(plan: ExamPlan) -> str:
    """Before the first question: what the exam is, the predicted score, and the keys."""
    spread = (
        ", ".join(f"{title} {n}" for title, n in plan.topics) if len(plan.topics) <= 4 else f"{len(plan.topics)} topics"
    )
    timing = f"{plan.minutes} minutes" if plan.minutes else "untimed"
    lines = [
        f"Practice exam: {plan.questions} questions ({spread}), {timing}, pass mark {plan.pass_mark}%.",
        *(
            [f"Only {plan.questions} questions can be drawn from these topics (one per item), not {plan.asked_for}."]
            if plan.questions < plan.asked_for
            else []
        ),
        f"Predicted score: {_percent(plan.predicted)} (from your reviews of these cards; one you have never "
        "reviewed counts at the chance of a guess).",
        "No feedback until the end. f flags a question, s (or Enter, for a typed answer) skips it; before you "
        "submit you can go back to flagged and unanswered questions. q submits.",
    ]
    return "\n".join(lines)


def _exam_status(q: ExamQuestion, total: int, left: timedelta | None) -> str:
    marks = [f"Question {q.position} of {total}", clock_text(left)]
    marks += ["flagged"] if q.flagged else []
    return " · ".join(marks)


@sanitized
def exam_question_text(q: ExamQuestion, total: int, topic_title: str, left: timedelta | None) -> str:
    """One exam question with the time left; when coming back to it, the answer given so far."""
    given = [f"Your answer so far: {q.answer}"] if q.answer is not None else []
    return "\n".join([f"\n{_exam_status(q, total, left)} ({topic_title})", q.question.prompt, *given])


def _score_line(result: ExamResult) -> str:
    head = "Time is up: the exam was submitted." if result.ending.value == "timed_out" else "Exam submitted."
    verdict = "Passed" if result.passed else "Not passed"
    points = round(result.score * 100) - round(result.predicted * 100)
    beside = f"{abs(points)} points {'above' if points > 0 else 'below'} it" if points else "as predicted"
    return (
        f"{head} {result.correct} of {result.questions} right: {_percent(result.score)}. "
        f"{verdict} (pass mark {result.pass_mark}%). Predicted {_percent(result.predicted)}: {beside}."
    )


@sanitized
def missed_text(m: Missed) -> str:
    """A missed question in the results: the question, the learner's answer, the right one and why."""
    head = [f"{m.position}. {m.topic_title}: {m.question.prompt}"]
    if m.given is None:
        rest = [
            f"Not answered. The answer is: {m.verdict.expected}",
            *([m.question.explanation] * bool(m.question.explanation)),
        ]
    else:
        rest = [f"Your answer: {m.given or '(empty)'}", feedback_text(m.verdict, m.question, m.given)]
    return "\n".join([*head, *rest])


@sanitized
def exam_result_text(result: ExamResult) -> str:
    """The score overall and per topic, pass or fail beside the prediction, then every missed question."""
    lines = ["", _score_line(result)]
    lines += [f"{t.title}: {t.correct} of {t.questions} ({_percent(t.score)})" for t in result.topics]
    if result.missed:
        lines += ["", f"Missed ({len(result.missed)}):"]
        for m in result.missed:
            lines += ["", missed_text(m)]
        lines += ["", drill_text(len(result.missed))]
    return "\n".join(lines)


@sanitized
def drill_text(missed: int) -> str:
    """After an exam's misses: how to drill them."""
    these = "this question" if missed == 1 else f"these {missed} questions"
    return f"`serverless-study quiz --from-exam` drills {these} now, without changing your schedule."


@sanitized
def exams_text(exams: list[ExamSummary], zone: tzinfo | None = None) -> str:
    """The last practice exams for `stats`, oldest first, and the trend: one line each."""
    if not exams:
        return "Practice exams: none yet (`serverless-study exam`).\n"
    lines = [f"Practice exams (last {len(exams)}):"]
    for e in exams:
        when = e.started_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        predicted = f", predicted {_percent(e.predicted)}" if e.predicted is not None else ""
        lines.append(
            f"  {when}: {e.correct} of {e.questions} ({_percent(e.score)}), "
            f"{'passed' if e.passed else 'not passed'} at {e.pass_mark}%{predicted}"
            + (" (time ran out)" if e.outcome == "timed_out" else "")
        )
    if len(exams) > 1:
        lines.append(_trend_line(exams))
    return "\n".join(lines) + "\n"


def _trend_line(exams: list[ExamSummary]) -> str:
    points = round((exams[-1].score - exams[0].score) * 100)
    return f"Trend: {' → '.join(_percent(e.score) for e in exams)} ({points:+d} points)."


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


@sanitized
def stats_text(s: Stats) -> str:
    """Every figure of the terminal's stats screen, as lines of text: one block per section."""
    by_topic = s.true_retention.by_topic
    lines = [
        f"{t.title} ({t.id}): {t.cards} cards, {t.new} new, {t.learning} learning, {t.review} review, "
        f"{t.due} due today, mastery {_percent(t.mastery)}, "
        f"retention {_recall_text(by_topic[t.id]) if t.id in by_topic else '-'}"
        for t in s.topics
    ]
    blocks = [
        lines,
        _heatmap_lines(s),
        _forecast_lines(s),
        _retention_lines(s),
        _calibration_lines(s),
        _confusion_lines(s),
        _stats_lines(s),
    ]
    return "\n\n".join("\n".join(block) for block in blocks if block) + "\n"


def _weeks_of(heatmap: list[tuple[str, int]]) -> list[list[tuple[str, int]]]:
    """The heatmap's days in weeks from Monday (it starts on one); the last week ends today."""
    return [heatmap[i : i + 7] for i in range(0, len(heatmap), 7)]


def _heatmap_lines(s: Stats) -> list[str]:
    weeks = _weeks_of(s.heatmap)
    total = sum(n for _, n in s.heatmap)
    studied = sum(n > 0 for _, n in s.heatmap)
    width = len(str(max((n for _, n in s.heatmap), default=0)))
    head = f"Answers per study day, last {len(weeks)} weeks, Monday to Sunday ({total} on {studied} days):"
    return [head, *(f"  {week[0][0]}: " + " ".join(f"{n:>{width}}" for _, n in week) for week in weeks)]


def _forecast_summary(s: Stats) -> str:
    """Today's load, the week's and the month's, and the busiest day: the figures the bar chart draws."""
    counts = [n for _, n in s.forecast]
    busiest = max(s.forecast, key=lambda d: d[1], default=("", 0))
    today = counts[0] if counts else 0
    line = f"Today {today} with overdue; next 7 days {sum(counts[:7])}; {len(counts)} days {sum(counts)}"
    return line + (f"; busiest {busiest[0][5:]} ({busiest[1]})." if busiest[1] else ".")


def _forecast_lines(s: Stats) -> list[str]:
    days = [f"{d[5:]}: {n}" for d, n in s.forecast]
    rows = [", ".join(days[i : i + 7]) for i in range(0, len(days), 7)]
    return [f"Due over the next {len(days)} days:", *(f"  {row}" for row in rows), _forecast_summary(s)]


KIND_NAMES = {  # card kinds as the learner knows them from the quiz
    "typed": "typed answer",
    "cloze": "cloze gap",
    "choice": "multiple choice",
    "recall": "recall",
    "column": "which column",
    "truefalse": "true/false",
    "order": "ordering",
    "next": "what comes next",
}


def _recall_text(r: Recall) -> str:
    return f"{_percent(r.share)} ({r.recalled} of {r.answers})" if r.answers else "-"


def _retention_lines(s: Stats) -> list[str]:
    """Overall and per kind of card; each topic's figure is on its line of the topic list."""
    tr = s.true_retention
    if not tr.overall.answers:
        return [f"True retention over {tr.days} days: no review answers yet; desired {_percent(tr.desired)}."]
    return [
        f"True retention over {tr.days} days: {_recall_text(tr.overall)} review answers recalled; "
        f"desired {_percent(tr.desired)}.",
        "  By kind of card: "
        + "; ".join(f"{KIND_NAMES.get(kind, kind)} {_recall_text(r)}" for kind, r in tr.by_kind.items()),
    ]


def _bucket_label(b: Bucket) -> str:
    return f"{b.low}-{b.high}%"


def _calibration_lines(s: Stats) -> list[str]:
    if not s.calibration:
        return ["Calibration: no review answers with a predicted recall yet."]
    return [
        "Calibration: predicted recall when answered vs the share recalled (review answers):",
        *(
            f"  {_bucket_label(b)}: predicted {_percent(b.predicted)}, recalled {_percent(b.actual)} of {b.n}"
            for b in s.calibration
        ),
    ]


def _stats_lines(s: Stats) -> list[str]:
    lines = [
        f"Due today: {s.due_today}; new cards available: {s.new_available} ({s.new_today} more today).",
        f"Reviews: {s.reviews_today} today, {s.reviews_30d} in the last 30 days ({s.reviews_total} in all).",
        f"Streak: {s.streak_days} day{'s' if s.streak_days != 1 else ''}.",
    ]
    if s.leeches:
        lines.append(f"Leeches ({len(s.leeches)}): " + ", ".join(f"{x.card_id} ({x.lapses} lapses)" for x in s.leeches))
    else:
        lines.append("Leeches: none.")
    if s.changed:
        lines.append(f"Changed since you last reviewed them ({len(s.changed)}): " + ", ".join(s.changed))
    if s.overrides:
        lines.append(f"Overridden verdicts: {', '.join(f'{cid} ({n})' for cid, n in s.overrides.items())}.")
    return lines + _held_lines(s)


def _held_lines(s: Stats) -> list[str]:
    """Suspended cards (with how to bring them back) and those buried for today."""
    lines = []
    if s.suspended:
        again = "`serverless-study unsuspend ID` asks one again"
        lines.append(f"Suspended ({len(s.suspended)}): {_some(s.suspended)} ({again}).")
    if s.buried:
        lines.append(f"Buried until tomorrow ({len(s.buried)}): {_some(s.buried)}.")
    return lines


HELD_LISTED = 20  # stats --json lists them all


def _some(card_ids: list[str]) -> str:
    more = len(card_ids) - HELD_LISTED
    return ", ".join(card_ids[:HELD_LISTED]) + (f" and {more} more (`stats --json` lists all)" if more > 0 else "")


def _times_text(n: int) -> str:
    return f"{n} time{'s' if n != 1 else ''}"


def _confusion_lines(s: Stats) -> list[str]:
    if not s.confusions:
        return []
    pairs = ", ".join(f"{c.confused_with} for {c.expected} ({_times_text(c.times)})" for c in s.confusions)
    return [f"Most confused: {pairs}."]
