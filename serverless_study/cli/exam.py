"""`exam`: a timed practice exam, in a terminal or as plain lines; results only at the end."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Annotated, Protocol

import typer

from serverless_study.cli.context import INTERRUPTED, OK, Env, PlainOption, errors_handled, get_env
from serverless_study.defaults import EXAM_PASS_MARK

if TYPE_CHECKING:
    from datetime import timedelta

    from serverless_study.exam import Ending, Exam, ExamPlan, ExamQuestion, ExamResult, ExamSettings
    from serverless_study.model import Topic
    from serverless_study.prompts import Prompter
    from serverless_study.settings import Settings

QUESTIONS, MINUTES = 30, 45  # the defaults of serverless_study.exam, written out so --help does not import it


def exam(
    ctx: typer.Context,
    questions: Annotated[int, typer.Option("--questions", metavar="N", help="Number of questions.")] = QUESTIONS,
    minutes: Annotated[
        int, typer.Option("--minutes", metavar="M", help="Time limit in minutes; 0 for none.")
    ] = MINUTES,
    pass_mark: Annotated[
        int | None,
        typer.Option("--pass", metavar="P", help=f"Pass mark in percent (setting exam_pass_mark; {EXAM_PASS_MARK})."),
    ] = None,
    topic: Annotated[
        list[str] | None,
        typer.Option("--topic", metavar="ID", help="Only this topic (id, alias or part of its title). Repeatable."),
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", metavar="N", help="Seed for the questions drawn.")] = None,
    plain: PlainOption = False,
) -> None:
    """Sit a practice exam: auto-marked questions spread over the topics, no feedback until the end, then your score
    per topic beside the score predicted from your reviews. Exam answers never change your review schedule.
    """
    env = get_env(ctx)
    with errors_handled(env):
        import dataclasses

        from serverless_study.exam import ExamSettings
        from serverless_study.loader import select_topics

        settings = env.settings(exam_pass_mark=pass_mark)
        options = ExamSettings(questions, minutes, settings.exam_pass_mark, (), seed)  # checked before loading
        topics = env.load().topics
        if topic:
            options = dataclasses.replace(options, topics=tuple(t.id for t in select_topics(topics, topic)))
        code = run_exam(env, topics, options, settings, plain=plain or not env.interactive)
    raise typer.Exit(code)


def run_exam(env: Env, topics: list[Topic], options: ExamSettings, settings: Settings, *, plain: bool) -> int:
    import random

    from serverless_study.cards import generate_cards
    from serverless_study.exam import Exam
    from serverless_study.scheduler import Scheduler
    from serverless_study.store import Store

    with Store.in_dir(env.data_dir, warn=env.warn) as store:
        sitting = Exam.start(
            store,
            generate_cards(topics),
            {t.id: t for t in topics},
            Scheduler.configured(settings),
            random.Random(options.seed),
            settings=options,
            now=env.clock(),
        )
        views: Views = LineViews(env.stdout) if plain else RichViews(env)
        return ExamShell(env, sitting, env.prompter(plain), views).run()


class Views(Protocol):
    """What the exam shows: plain lines (pipes, screen readers) or Rich panels (a terminal)."""

    def intro(self, plan: ExamPlan) -> None: ...
    def question(self, q: ExamQuestion, total: int, topic_title: str, left: timedelta | None) -> None: ...
    def result(self, result: ExamResult) -> None: ...
    def say(self, text: str) -> None: ...


class LineViews:
    def __init__(self, out: IO[str]) -> None:
        self.out = out

    def intro(self, plan: ExamPlan) -> None:
        from serverless_study.textview import exam_intro_text

        self.say(exam_intro_text(plan))

    def question(self, q: ExamQuestion, total: int, topic_title: str, left: timedelta | None) -> None:
        from serverless_study.textview import exam_question_text

        self.say(exam_question_text(q, total, topic_title, left))

    def result(self, result: ExamResult) -> None:
        from serverless_study.textview import exam_result_text

        self.say(exam_result_text(result))

    def say(self, text: str) -> None:
        from serverless_study.sanitize import clean

        print(clean(text), file=self.out, flush=True)


class RichViews(LineViews):
    """Panels and colour in a terminal; Rich is imported only here."""

    def __init__(self, env: Env) -> None:
        from serverless_study.render import make_console

        super().__init__(env.stdout)
        self.console = make_console(env.stdout, terminal=env.stdout_isatty, no_color=env.no_color)

    def intro(self, plan: ExamPlan) -> None:
        from serverless_study.render import exam_intro_view

        self.console.print(exam_intro_view(plan))

    def question(self, q: ExamQuestion, total: int, topic_title: str, left: timedelta | None) -> None:
        from serverless_study.render import exam_question_view

        self.console.print()
        self.console.print(exam_question_view(q, total, topic_title, left))

    def result(self, result: ExamResult) -> None:
        from serverless_study.render import exam_result_view

        self.console.print(exam_result_view(result))


class ExamShell:
    """Asks every question once, then the flagged and unanswered ones until the learner submits or time is up.

    Ctrl-C saves the exam as incomplete (not scored) and exits 130.
    """

    def __init__(self, env: Env, exam: Exam, prompter: Prompter, views: Views) -> None:
        self.env, self.exam, self.prompter, self.views = env, exam, prompter, views
        self.say = views.say

    def run(self) -> int:
        from serverless_study.exam import Ending

        self.views.intro(self.exam.plan())
        try:
            ending = self._sit()
        except KeyboardInterrupt:
            self.exam.finish(self.env.clock(), Ending.INCOMPLETE)
            n = len(self.exam.questions)
            self.say(f"\nExam interrupted: saved as incomplete ({self.exam.answered} of {n} answered), not scored.")
            return INTERRUPTED
        self.views.result(self.exam.finish(self.env.clock(), ending))
        return OK

    def _sit(self) -> Ending:
        """Each question in turn, then rounds over the flagged and unanswered ones; how the exam ended."""
        from serverless_study.exam import Ending
        from serverless_study.prompts import REVIEW, TIMEOUT

        for q in self.exam.questions:
            if (stop := self._ask(q)) is not None:
                return stop
        rounds = 0
        while to_review := self.exam.to_review():
            if self.exam.expired(self.env.clock()):
                return self._time_up()
            choice = self._review_first(to_review, again=rounds > 0)
            if choice is TIMEOUT:
                return self._time_up()
            if choice is not REVIEW:
                return Ending.SUBMITTED
            rounds += 1
            for q in to_review:
                if (stop := self._ask(q)) is not None:
                    return stop
        return Ending.SUBMITTED

    def _review_first(self, to_review: list[ExamQuestion], *, again: bool) -> object:
        """Before submitting: go back to the flagged and unanswered questions (REVIEW), or submit.

        Enter reviews them the first time, and submits once they have been gone over (flags stay until unflagged).
        """
        from serverless_study.prompts import REVIEW, SUBMIT, Action

        flagged = sum(q.flagged for q in to_review)
        unanswered = sum(not q.answered for q in to_review)
        from serverless_study.textview import clock_text

        left = self.exam.time_left(self.env.clock())
        self.say(
            f"\nYou have answered {self.exam.answered} of {len(self.exam.questions)}: "
            f"{flagged} flagged, {unanswered} unanswered" + (f"; {clock_text(left)}." if left is not None else ".")
        )
        review = Action(("r",), f"Review the {len(to_review)} flagged or unanswered", REVIEW, primary=False)
        submit = Action(("q",), "Submit the exam", SUBMIT, primary=False)
        self.prompter.discard_typeahead()
        default = submit if again else review
        return self.prompter.act("Next", [review, submit], default=default, timeout=self._seconds_left())

    def _ask(self, q: ExamQuestion) -> Ending | None:
        """Ask one question until it is answered or skipped; the Ending when the exam stops here."""
        from serverless_study.exam import Ending
        from serverless_study.prompts import FLAG, SKIP, SUBMIT, TIMEOUT

        exam, clock = self.exam, self.env.clock
        while True:
            if exam.expired(clock()):
                return self._time_up()
            self.views.question(q, len(exam.questions), exam.title_of(q), exam.time_left(clock()))
            given = self._prompt(q)
            if given is TIMEOUT:  # a terminal prompt ran out of time unanswered
                return self._time_up()
            if given is None or given is SUBMIT:
                return Ending.SUBMITTED
            if given is FLAG:
                self.say(
                    "Flagged: you can come back to it before you submit." if exam.flag(q.position) else "Unflagged."
                )
                continue
            if given is SKIP or given == "":
                return None
            if exam.expired(clock()):  # the limit is checked after each answer: one given too late does not count
                return self._time_up(late=True)
            exam.answer(q.position, str(given))
            return None

    def _prompt(self, q: ExamQuestion) -> object:
        from serverless_study.prompts import FLAG_ACTION, SKIP_ACTION, SUBMIT_ACTION

        extra, timeout = (FLAG_ACTION, SKIP_ACTION, SUBMIT_ACTION), self._seconds_left()
        if q.question.choices:
            index = self.prompter.choose("Your answer", q.question.choices, extra=extra, timeout=timeout)
            return q.question.choices[index] if isinstance(index, int) else index
        return self.prompter.text("Your answer", extra=extra, timeout=timeout)

    def _seconds_left(self) -> float | None:
        """Until the exam submits itself: a terminal prompt ends then; None when untimed."""
        left = self.exam.time_left(self.env.clock())
        return None if left is None else left.total_seconds()

    def _time_up(self, *, late: bool = False) -> Ending:
        from serverless_study.exam import Ending

        self.say("\nTime is up." + (" That last answer came too late and does not count." if late else ""))
        return Ending.TIMED_OUT
