"""`quiz` and `undo`: the daily review session, in a terminal or as plain lines."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

from serverless_study.cli.context import FAILURE, INTERRUPTED, OK, Env, PlainOption, errors_handled, get_env
from serverless_study.defaults import DEFAULT_RETENTION, NEW_PER_DAY, REVIEWS_PER_DAY

if TYPE_CHECKING:
    import random
    from datetime import datetime

    from serverless_study.days import Day
    from serverless_study.model import Card, Question, Topic
    from serverless_study.prompts import Prompter
    from serverless_study.scheduler import Scheduler
    from serverless_study.session import Held, Outcome, Session
    from serverless_study.settings import Settings
    from serverless_study.store import HoldKind, Store


def quiz(
    ctx: typer.Context,
    topic: Annotated[
        list[str] | None,
        typer.Option(
            "--topic",
            metavar="ID",
            help="Only this topic (id, alias or part of its title). Repeatable: the topics share today's new cards.",
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            metavar="N",
            min=0,
            help="At most N cards this session (cards being learned come back until learned).",
        ),
    ] = None,
    new: Annotated[
        int | None,
        typer.Option(
            "--new",
            metavar="N",
            min=0,
            help=f"New cards per day (setting new_per_day; {NEW_PER_DAY}). With --cram: also cram up to N new cards.",
        ),
    ] = None,
    reviews: Annotated[
        int | None,
        typer.Option(
            "--reviews", metavar="N", min=0, help=f"Reviews per day (setting reviews_per_day; {REVIEWS_PER_DAY})."
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed", metavar="N", help="Seed for question order, choices and interval fuzz (repeatable runs)."
        ),
    ] = None,
    plain: PlainOption = False,
    retention: Annotated[
        float | None,
        typer.Option(
            "--retention",
            metavar="R",
            help="Desired retention, 0.70-0.99: higher means more reviews "
            f"(setting desired_retention; {DEFAULT_RETENTION}).",
        ),
    ] = None,
    cram: Annotated[
        bool,
        typer.Option(
            "--cram",
            help="Practise the cards you have studied, due or not (weakest first with --limit): schedules and daily "
            "limits are left alone.",
        ),
    ] = False,
    from_exam: Annotated[
        bool,
        typer.Option("--from-exam", help="Cram the questions your last practice exam missed, once."),
    ] = False,
) -> None:
    """Answer what is due today: learning cards when due, reviews due before your day ends, then new cards (FSRS).

    Your day starts at 4 am local time (--day-starts); one card per item a day, across sessions.
    """
    env = get_env(ctx)
    with errors_handled(env):
        settings = env.settings(desired_retention=retention, new_per_day=new, reviews_per_day=reviews)
        plain = plain or not env.interactive
        cramming = Cram(from_exam, new or 0) if cram or from_exam else None
        _check_cram_options(cramming, reviews=reviews, retention=retention, new=new)
        options = QuizOptions(
            topic or [], limit, settings.new_per_day, settings.reviews_per_day, seed, plain, settings, cramming
        )
        code = run_quiz(env, options)
    raise typer.Exit(code)


def undo(ctx: typer.Context) -> None:
    """Take back the last answer: its review is deleted and the card's schedule restored."""
    from serverless_study.store import Store

    env = get_env(ctx)
    with errors_handled(env):
        with Store.in_dir(env.data_dir, warn=env.warn) as store:
            undone = store.undo()
        if undone is None:
            print("Nothing to undo: no answers yet.", file=env.stdout)
            return
        from serverless_study.cards import describe
        from serverless_study.store import Mode

        r, topics = undone.review, env.content(require=False).topics
        cram = "; a cram answer: the schedule was never changed" if undone.mode is Mode.CRAM else ""
        print(
            f"Undid your answer to “{describe(r.card_id, topics)}” "
            f"({r.grade.name.title()}, answered {local_time_text(r.reviewed_at, env.clock())}{cram}).",
            file=env.stdout,
        )


def _check_cram_options(cram: Cram | None, **given: object) -> None:
    """Options that change nothing in a cram are refused rather than silently ignored."""
    from serverless_study.errors import UsageError

    if cram is None:
        return
    why = {"reviews": "a cram has no daily limit", "retention": "a cram changes no schedule"}
    if cram.from_exam:
        why["new"] = "it drills the exam's misses, studied or not"
    useless = [name for name in why if given[name] is not None]
    if useless:
        mode = "--from-exam" if cram.from_exam else "--cram"
        raise UsageError(f"--{useless[0]} has no effect with {mode}: {why[useless[0]]}")


def undone_text(undone: Outcome | Held | None) -> str:
    """What `u` at a question took back: an answer, a suspend or a bury."""
    from serverless_study.session import Held
    from serverless_study.textview import unheld_text

    if undone is None:
        return "Nothing to undo."
    if isinstance(undone, Held):
        return unheld_text(undone)
    return f"Undone: your previous answer ({undone.card.id}) is forgotten; here it is again."


def local_time_text(moment: datetime, now: datetime) -> str:
    """ "today at 16:28" or "on 2026-11-27 at 09:05", in the learner's local time."""
    local, today = moment.astimezone(), now.astimezone()
    day = "today" if local.date() == today.date() else f"on {local:%Y-%m-%d}"
    return f"{day} at {local:%H:%M}"


@dataclass(frozen=True)
class Cram:
    """quiz --cram (with --new N: N new cards too) or --from-exam."""

    from_exam: bool
    new: int


@dataclass(frozen=True)
class QuizOptions:
    topics: list[str]
    limit: int | None
    new_per_day: int
    reviews_per_day: int
    seed: int | None
    plain: bool
    settings: Settings  # retention, steps, maximum interval, leech threshold and FSRS parameters for the scheduler
    cram: Cram | None = None


def run_quiz(env: Env, opts: QuizOptions) -> int:
    import random

    from serverless_study.holds import LeechAction
    from serverless_study.loader import select_topics
    from serverless_study.scheduler import Scheduler
    from serverless_study.session import Limits, Session, waiting
    from serverless_study.store import Store
    from serverless_study.textview import nothing_to_ask_text

    content = env.content()
    topic_ids = [t.id for t in select_topics(content.heads, opts.topics)] if opts.topics else None
    rng = random.Random(opts.seed)
    scheduler = Scheduler.configured(opts.settings, fuzz_rng=random.Random(rng.getrandbits(64)))
    now = env.clock()
    limits = Limits(opts.new_per_day, opts.reviews_per_day, opts.limit)
    cards, day = content.deck, env.today(now)  # cards by id: only those the session asks are built
    with Store.in_dir(env.data_dir, warn=env.warn) as store:
        if opts.cram is not None:  # a cram may ask any studied card: every topic is loaded
            from serverless_study.cards import generate_cards

            topics = content.load_all()
            study = Study(generate_cards(topics), {t.id: t for t in topics}, scheduler, rng, now, day, topic_ids)
            return run_cram(env, opts, store, study)
        session = Session.start(
            store,
            cards,
            content.topics,
            scheduler,
            rng,
            now=now,
            day=day,
            limits=limits,
            topic_ids=topic_ids,
            vocabulary=content.vocabulary,
            leech_action=LeechAction(opts.settings.leech_action),
        )
        shell = QuizShell(env, session, env.prompter(opts.plain), opts.plain)
        if session.next_question(now) is None and not session.held_back:  # say which limit left nothing to ask
            held = waiting(store, cards, now=now, day=day, limits=limits, topic_ids=topic_ids)
            shell.say(nothing_to_ask_text(held))
            return OK
        return shell.run()


@dataclass(frozen=True)
class Study:
    """What a session is built from: the cards and topics, the scheduler, the seeded generator, the time."""

    cards: list[Card]
    topics: dict[str, Topic]
    scheduler: Scheduler
    rng: random.Random
    now: datetime
    day: Day
    topic_ids: list[str] | None


def run_cram(env: Env, opts: QuizOptions, store: Store, study: Study) -> int:
    """quiz --cram / --from-exam: the cards asked whether due or not; schedules are left as they are."""
    from serverless_study.session import CramSession
    from serverless_study.textview import cram_text

    assert opts.cram is not None
    only = None
    if opts.cram.from_exam:
        if store.last_exam_started() is None:
            env.error("no practice exam has been scored yet: take one with `serverless-study exam`")
            return FAILURE
        only = store.last_exam_misses()
    session = CramSession.cram(
        store,
        study.cards,
        study.topics,
        study.scheduler,
        study.rng,
        now=study.now,
        day=study.day,
        topic_ids=study.topic_ids,
        new=opts.cram.new,
        limit=opts.limit,
        only=only,
    )
    shell = QuizShell(env, session, env.prompter(opts.plain), opts.plain)
    cards = session.progress().total
    shell.say(cram_text(cards, opts.cram.from_exam, missed=None if only is None else len(only)))
    return shell.run() if cards else OK


class QuizShell:
    """The interactive loop: show, ask, mark, rate, save; Ctrl-C ends with the summary and exit 130."""

    def __init__(self, env: Env, session: Session, prompter: Prompter, plain: bool) -> None:
        self.env, self.session, self.prompter, self.plain = env, session, prompter, plain
        self.unrated = 0  # right answers left without a rating when the session ended: not saved
        self._console: Any = None

    @property
    def console(self) -> Any:
        if self._console is None:  # created on first use, so line mode never imports Rich
            from serverless_study.render import make_console

            self._console = make_console(self.env.stdout, terminal=self.env.stdout_isatty, no_color=self.env.no_color)
        return self._console

    def run(self) -> int:
        if self.session.held_back:
            n = self.session.held_back
            self.say(f"{n} {'card' if n == 1 else 'cards'} held back until tomorrow: already practised today.")
        if self.session.share_used:
            from serverless_study.textview import share_used_text

            for topic_id, share in self.session.share_used.items():
                topic = self.session.topics.get(topic_id)
                self.say(share_used_text(topic.title if topic else topic_id, share))
        if self.session.next_question(self.env.clock()) is None:
            self.say("Nothing is due right now. Come back later, or see `serverless-study stats` for what is next.")
            return OK
        try:
            while self.step():
                pass
        except KeyboardInterrupt:
            self.show_summary(interrupted=True)
            return INTERRUPTED
        self.show_summary()
        return OK

    def step(self) -> bool:
        """Ask one question; False when the session is over or the learner quit."""
        from serverless_study.prompts import UNDO

        session, clock = self.session, self.env.clock
        question = session.next_question(clock())
        if question is None:
            return False
        title = session.title(question)
        if not self.plain and session.answered:
            self.console.print()
        self.show("question", question, session.progress(), title)
        started = time.monotonic()
        given = self._ask(question)
        if given is None:
            return False
        if given is UNDO:
            from serverless_study.errors import StoreError

            try:
                undone = session.undo()
            except StoreError as exc:  # another terminal answered that card since: its answer stands
                self.say(f"{str(exc).capitalize()}; your answer stays.")
                return True
            self.say(undone_text(undone))
            return True
        duration_ms = int((time.monotonic() - started) * 1000)
        outcome, go_on = self._grade(question, given, duration_ms)
        if outcome is not None and outcome.leech:
            self.show("leech", outcome)
        return go_on

    def _ask(self, question: Question) -> Any:
        can_undo = self.session.can_undo
        if question.self_rated:
            return self.prompter.text("Your answer (optional), then Enter to see the answer", undo=can_undo)
        if question.choices:
            index = self.prompter.choose("Your answer", question.choices, undo=can_undo)
            return question.choices[index] if isinstance(index, int) else index
        return self.prompter.text("Your answer (Enter if you don't know)", undo=can_undo)

    def _grade(self, question: Question, given: str, duration_ms: int) -> tuple[Outcome | None, bool]:
        """Show the verdict, then one prompt (rate, continue, undo, quit) and save the answer it settles.

        A wrong answer is saved as Again whatever follows; a right one left unrated (q, Ctrl-C, end of input) is not
        saved at all: no rating is invented, and the card stays due.
        """
        from serverless_study.model import Grade
        from serverless_study.prompts import BURY_ACTION, QUIT_ACTION, SUSPEND_ACTION, UNDO, UNDO_ACTION, rating
        from serverless_study.store import HoldKind
        from serverless_study.textview import comes_back_text

        session, clock = self.session, self.env.clock
        back = {g: comes_back_text(d) for g, d in session.comes_back(question.card_id, clock()).items()}
        if question.self_rated:
            self.show("reveal", question)
            message, actions = "How well did you recall it", [rating(g, back.get(g, "")) for g in Grade]
        else:
            verdict = session.check(question, given)
            wrong = not verdict.correct
            self.show("feedback", verdict, question, given=given, back=back[Grade.AGAIN] if wrong else "")
            if wrong:  # a miss is saved at once (as Again); the prompt after it can take it back or override it
                return self._after_miss(session.answer(question, clock(), given=given, duration_ms=duration_ms))
            rated = (Grade.HARD, Grade.GOOD, Grade.EASY)
            message, actions = "How hard was it", [rating(g, back.get(g, "")) for g in rated]
        default = next(a for a in actions if a.value is Grade.GOOD)
        self.prompter.discard_typeahead()  # an Enter typed before the feedback appeared must not pass it by
        others = [SUSPEND_ACTION, BURY_ACTION, UNDO_ACTION, QUIT_ACTION]
        try:
            choice = self.prompter.act(message, [*actions, *others], default=default)
        except KeyboardInterrupt:
            self.unrated += 1  # a right answer left unrated is not saved: no rating is invented
            raise
        if isinstance(choice, HoldKind):  # the answer is not saved: no rating is invented
            self._hold(question, choice)
            return None, True
        if choice is UNDO:
            self.say("Taken back: here is the question again.")
            return None, True
        if choice is None:
            self.unrated += 1
            return None, False
        grade = choice if isinstance(choice, Grade) else None
        return session.answer(question, clock(), given=given, grade=grade, duration_ms=duration_ms), True

    def _after_miss(self, outcome: Outcome) -> tuple[Outcome | None, bool]:
        """The prompt after a wrong answer (already saved as Again): Enter goes on, `o` says "I was right" (typed
        answers only) and rates it, `u` takes the answer back and asks again, `q` quits."""
        from serverless_study.prompts import (
            BURY_ACTION,
            CONTINUE,
            OVERRIDE,
            OVERRIDE_ACTION,
            QUIT_ACTION,
            SUSPEND_ACTION,
            UNDO,
            UNDO_ACTION,
            Action,
        )
        from serverless_study.store import HoldKind

        session = self.session
        actions = [Action((), "Continue", CONTINUE), *([OVERRIDE_ACTION] if session.can_override() else [])]
        self.prompter.discard_typeahead()  # an Enter typed before the feedback appeared must not pass it by
        others = [SUSPEND_ACTION, BURY_ACTION, UNDO_ACTION, QUIT_ACTION]
        choice = self.prompter.act("Next", [*actions, *others], default=actions[0])
        if isinstance(choice, HoldKind):  # the miss stays saved
            self._hold(outcome.question, choice)
            return outcome, True
        if choice is UNDO:
            session.undo()
            self.say("Taken back: here is the question again.")
            return None, True
        if choice is not OVERRIDE:
            return outcome, choice is not None
        return self._override(outcome)

    def _hold(self, question: Question, kind: HoldKind) -> None:
        from serverless_study.textview import held_text

        self.say(held_text(self.session.hold(question.card_id, kind, self.env.clock())))

    def _override(self, outcome: Outcome) -> tuple[Outcome, bool]:
        """Rate an answer the learner says was right; quitting here keeps the miss (no rating is invented)."""
        from serverless_study.model import Grade
        from serverless_study.prompts import QUIT_ACTION, rating
        from serverless_study.textview import duration_text

        intervals = self.session.override_intervals(outcome, self.env.clock())
        notes = {g: f"in {duration_text(d)}" for g, d in intervals.items()}
        ratings = [rating(g, notes.get(g, "")) for g in (Grade.HARD, Grade.GOOD, Grade.EASY)]
        grade = self.prompter.act("How hard was it", [*ratings, QUIT_ACTION], default=ratings[1])
        if not isinstance(grade, Grade):
            return outcome, False
        overridden = self.session.override(self.env.clock(), grade)
        self.say(f"Overridden: counted as right ({overridden.grade.name.title()}); `stats --json` lists overrides.")
        return overridden, True

    def show_summary(self, *, interrupted: bool = False) -> None:
        rows, now = self.session.summary(), self.env.clock()
        if self.plain or rows:
            self.show("summary", rows, now, interrupted=interrupted, unrated=self.unrated)
        else:
            self.say("No answers this time." if not interrupted else "Interrupted before any answer.")
            if self.unrated:
                from serverless_study.textview import unrated_text

                self.say(unrated_text(self.unrated))

    def show(self, view: str, *args: Any, **kwargs: Any) -> None:
        """textview's `<view>_text` in line mode, render's `<view>_view` in a terminal (Rich loads only there)."""
        if self.plain:
            from serverless_study import textview

            self.say(getattr(textview, f"{view}_text")(*args, **kwargs))
        else:
            from serverless_study import render

            self.console.print(getattr(render, f"{view}_view")(*args, **kwargs))

    def say(self, text: str) -> None:
        from serverless_study.sanitize import clean

        print(clean(text), file=self.env.stdout, flush=True)
