"""Cards from content: stable ids, the kinds each item yields, and questions drawn with a seeded RNG."""

from __future__ import annotations

import ast
import random
import re
from pathlib import Path

import pytest

from serverless_study.answers import check_answer, normalise
from serverless_study.cards import generate_cards, item_for, make_question
from serverless_study.loader import load_topics, parse_text
from serverless_study.model import Card, CardKind, Concept, Question, Topic
from serverless_study.paths import shipped_content_dir

QUIZ = Path(__file__).parent / "fixtures" / "quiz"
PACKAGE = Path(__file__).resolve().parent.parent / "serverless_study"

GOLDEN = [
    ("functions/handler/choice", "choice"),
    ("functions/handler/recall", "recall"),
    ("functions/layer/choice", "choice"),
    ("functions/layer/recall", "recall"),
    ("functions/cold-start/choice", "choice"),
    ("functions/cold-start/recall", "recall"),
    ("functions/compute/column/servers.ec2", "column"),
    ("functions/compute/column/servers.fargate", "column"),
    ("functions/compute/column/servers.lambda", "column"),
    ("functions/compute/truefalse/servers", "truefalse"),
    ("functions/compute/column/billing.ec2", "column"),
    ("functions/compute/column/billing.lambda", "column"),
    ("functions/compute/truefalse/billing", "truefalse"),
    ("functions/compute/column/limit.lambda", "column"),
    ("functions/invoke/order", "order"),
    ("functions/invoke/next/1", "next"),
    ("functions/invoke/next/2", "next"),
    ("functions/invoke/next/3", "next"),
    ("functions/invoke/next/4", "next"),
    ("functions/timeout/typed", "typed"),
    ("functions/timeout/cloze", "cloze"),
    ("functions/memory/typed", "typed"),
    ("functions/environment/typed", "typed"),
    ("functions/queue/typed", "typed"),
    ("tracing/x-ray/choice", "choice"),
    ("tracing/x-ray/recall", "recall"),
    ("tracing/segment/choice", "choice"),
    ("tracing/segment/recall", "recall"),
    ("tracing/subsegment/choice", "choice"),
    ("tracing/subsegment/recall", "recall"),
    ("tracing/daemon-port/typed", "typed"),
    ("tracing/daemon-port/cloze", "cloze"),
    ("tracing/trace-header/typed", "typed"),
]


def load(path: Path = QUIZ) -> list[Topic]:
    result = load_topics([path])
    assert not result.problems
    return result.topics


def by_id(topics: list[Topic]) -> dict[str, Topic]:
    return {t.id: t for t in topics}


def parse(text: str) -> Topic:
    topic, problems = parse_text(text, "edited.yaml", QUIZ)
    assert not problems and topic is not None
    return topic


def fixture_text() -> str:
    return (QUIZ / "01-functions.yaml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def topics() -> dict[str, Topic]:
    return by_id(load())


@pytest.fixture(scope="module")
def cards(topics: dict[str, Topic]) -> dict[str, Card]:
    return {c.id: c for c in generate_cards(list(topics.values()))}


def ask(cards: dict[str, Card], topics: dict[str, Topic], card_id: str, seed: int = 1) -> Question:
    return make_question(cards[card_id], topics, random.Random(seed))


def test_golden_ids_and_kinds(topics: dict[str, Topic]) -> None:
    generated = generate_cards(list(topics.values()))
    assert [(c.id, c.kind.value) for c in generated] == GOLDEN
    for c in generated:
        assert c.id.startswith(f"{c.topic_id}/{c.item_id}/{c.kind.value}")
        assert re.fullmatch(r"[0-9a-f]{12}", c.content_hash)


def test_same_seed_same_question(topics: dict[str, Topic], cards: dict[str, Card]) -> None:
    first = [make_question(c, topics, random.Random(1)) for c in cards.values()]
    again = [make_question(c, topics, random.Random(1)) for c in cards.values()]
    other = [make_question(c, topics, random.Random(2)) for c in cards.values()]
    assert first == again
    assert first != other
    assert [q.card_id for q in first] == list(cards)


def test_every_question_is_answered_by_its_own_answer(topics: dict[str, Topic], cards: dict[str, Card]) -> None:
    for seed in range(5):
        for card in cards.values():
            q = make_question(card, topics, random.Random(seed))
            assert q.kind is card.kind
            assert check_answer(q, q.answer).correct, q
            for alt in q.accept:
                assert check_answer(q, alt).correct, (q, alt)


def test_concept_choice_prefers_siblings_then_related(topics: dict[str, Topic], cards: dict[str, Card]) -> None:
    siblings = {"Layer", "Cold start"}
    related = {"AWS X-Ray", "Segment", "Subsegment"}
    seen_related = set()
    for seed in range(20):
        q = ask(cards, topics, "functions/handler/choice", seed)
        assert q.answer == "Handler"
        assert len(q.choices) == 4 and q.choices.count("Handler") == 1
        assert siblings < set(q.choices)  # both siblings are used before any related term
        (extra,) = set(q.choices) - siblings - {"Handler"}
        assert extra in related
        seen_related.add(extra)
    assert len(seen_related) > 1  # the related term is drawn at random
    assert "Which term matches this definition?" in q.prompt and "process an event" in q.prompt


def test_choice_hides_the_term_in_its_definition() -> None:
    text = fixture_text().replace(
        "definition: The method in your code that Lambda calls to process an event.",
        "definition: The handler is the method Lambda calls to process an event.",
    )
    topic = parse(text)
    card = next(c for c in generate_cards([topic]) if c.id == "functions/handler/choice")
    q = make_question(card, {topic.id: topic}, random.Random(1))
    assert "handler" not in q.prompt.lower()
    assert "The _____ is the method" in q.prompt


def concept_topic(tid: str, *terms: str, related: tuple[str, ...] = ()) -> Topic:
    concepts = tuple(Concept(f"c{i}", term, f"Definition {i} of {tid}.") for i, term in enumerate(terms))
    return Topic(tid, tid.title(), concepts=concepts, related=related)


def choice_for(topic: Topic, topics: list[Topic], seed: int = 0) -> Question:
    card = next(c for c in generate_cards([topic]) if c.kind is CardKind.CHOICE)
    return make_question(card, by_id(topics), random.Random(seed))


def test_choice_falls_back_to_any_topic_and_to_fewer_options() -> None:
    lone = concept_topic("lone", "Queue")
    other = concept_topic("other", "Topic")
    q = choice_for(lone, [lone, other])
    assert sorted(q.choices) == ["Queue", "Topic"]  # only one distractor exists: two options, never fewer
    unrelated = concept_topic("far", "Stream", "Table", "Bucket", "Key")
    q = choice_for(lone, [lone, unrelated])
    assert len(q.choices) == 4 and "Queue" in q.choices


def test_choice_with_no_distractor_anywhere_is_typed() -> None:
    lone = concept_topic("lone", "Queue")
    q = choice_for(lone, [lone])
    assert q.choices == ()
    assert (
        check_answer(q, "queue").correct and check_answer(q, "queu").correct and not check_answer(q, "Stream").correct
    )


def test_choice_options_are_distinct_after_normalising() -> None:
    topic = concept_topic("dup", "Event bus", "event-bus", "Event Bus!", "Rule", "Target")
    for seed in range(10):
        q = choice_for(topic, [topic], seed)
        assert q.answer == "Event bus"
        assert len({normalise(c) for c in q.choices}) == len(q.choices) == 3
        assert set(q.choices) == {"Event bus", "Rule", "Target"}


def test_recall_is_self_rated(topics: dict[str, Topic], cards: dict[str, Card]) -> None:
    q = ask(cards, topics, "functions/handler/recall")
    assert q.self_rated and q.choices == ()
    assert q.prompt == "What is Handler?"
    assert (
        q.answer == "The method in your code that Lambda calls to process an event.\n"
        "- It receives the event and a context object."
    )


def test_column_question(topics: dict[str, Topic], cards: dict[str, Card]) -> None:
    q = ask(cards, topics, "functions/compute/column/billing.lambda")
    assert q.choices == ("EC2", "Fargate", "Lambda")  # table order, not shuffled
    assert q.answer == "Lambda"
    assert q.prompt.endswith("Billing: Per request and duration")
    assert "functions/compute/column/billing.fargate" not in cards  # the empty cell makes no card
    assert "functions/compute/truefalse/limit" not in cards  # a single statement cannot be swapped


def test_true_false_swaps_within_the_row(topics: dict[str, Topic], cards: dict[str, Card]) -> None:
    row = {
        "EC2": "You patch the operating system",
        "Fargate": "AWS runs the hosts for your tasks",
        "Lambda": "You upload only code",
    }
    answers = set()
    for seed in range(30):
        q = ask(cards, topics, "functions/compute/truefalse/servers", seed)
        assert q.choices == ("True", "False")
        column, statement = q.prompt.splitlines()[-1].split(": ", 1)
        assert statement in row.values()
        assert q.answer == ("True" if row[column] == statement else "False")
        answers.add(q.answer)
    assert answers == {"True", "False"}


def test_true_false_never_states_an_empty_cell(topics: dict[str, Topic], cards: dict[str, Card]) -> None:
    for seed in range(30):
        q = ask(cards, topics, "functions/compute/truefalse/billing", seed)
        assert not q.prompt.splitlines()[-1].startswith("Fargate:")


def shown_steps(q: Question) -> list[str]:
    return [line.split(". ", 1)[1] for line in q.prompt.splitlines()[1:]]


def test_order_question(topics: dict[str, Topic], cards: dict[str, Card]) -> None:
    steps = ["Event arrives", "Environment starts", "Init code runs", "Handler runs", "Result returned"]
    answers = set()
    for seed in range(30):
        q = ask(cards, topics, "functions/invoke/order", seed)
        shown = shown_steps(q)
        assert sorted(shown) == sorted(steps) and shown != steps
        assert [shown[int(n) - 1] for n in q.answer.split()] == steps
        assert check_answer(q, q.answer.replace(" ", "")).correct
        answers.add(q.answer)
    assert len(answers) > 5


def test_two_steps_are_always_swapped() -> None:
    text = fixture_text().replace("      - Init code runs\n      - Handler runs\n      - Result returned\n", "")
    text = text.replace(
        "      - text: Environment starts\n        detail: Only on a cold start.\n", "      - Environment starts\n"
    )
    topic = parse(text)
    card = next(c for c in generate_cards([topic]) if c.kind is CardKind.ORDER)
    for seed in range(10):
        q = make_question(card, {topic.id: topic}, random.Random(seed))
        assert q.answer == "2 1"
    nexts = [c for c in generate_cards([topic]) if c.kind is CardKind.NEXT]
    q = make_question(nexts[0], {topic.id: topic}, random.Random(0))
    assert sorted(q.choices) == ["Environment starts", "Event arrives"]  # the step itself is the only distractor


def test_order_with_repeated_steps_accepts_either_copy() -> None:
    text = fixture_text().replace("      - Result returned\n", "      - Init code runs\n")
    topic = parse(text)
    card = next(c for c in generate_cards([topic]) if c.kind is CardKind.ORDER)
    q = make_question(card, {topic.id: topic}, random.Random(3))
    assert len(q.accept) == 1
    for answer in (q.answer, *q.accept):
        assert [shown_steps(q)[int(n) - 1] for n in answer.split()][2:] == [
            "Init code runs",
            "Handler runs",
            "Init code runs",
        ]
    # "What comes after Init code runs?" has two right answers, so that card is not made.
    assert [c.id for c in generate_cards([topic]) if c.kind is CardKind.NEXT] == [
        "functions/invoke/next/1",
        "functions/invoke/next/2",
        "functions/invoke/next/4",
    ]


def test_next_question(topics: dict[str, Topic], cards: dict[str, Card]) -> None:
    for seed in range(10):
        q = ask(cards, topics, "functions/invoke/next/2", seed)
        assert q.answer == "Init code runs"
        assert "“Environment starts”" in q.prompt
        assert len(q.choices) == 4 and q.choices.count(q.answer) == 1
        assert set(q.choices) == {"Event arrives", "Init code runs", "Handler runs", "Result returned"}
    assert "Only on a cold start" not in q.explanation
    assert "Only on a cold start" in ask(cards, topics, "functions/invoke/next/1").explanation


def test_typed_and_cloze(topics: dict[str, Topic], cards: dict[str, Card]) -> None:
    q = ask(cards, topics, "functions/timeout/typed")
    assert (q.prompt, q.answer, q.accept) == (
        "What is the maximum timeout of a Lambda function?",
        "15 minutes",
        ("900 seconds", "15 min"),
    )
    q = ask(cards, topics, "tracing/daemon-port/cloze")
    assert q.prompt == "The X-Ray daemon listens on _____."
    assert q.answer == "UDP port 2000" and q.accept == ("udp 2000",)
    assert not check_answer(q, "UDP port 2001").correct
    assert "functions/memory/cloze" not in cards  # no cloze in the content, no cloze card


def test_rewording_keeps_ids_but_changes_hashes(topics: dict[str, Topic], cards: dict[str, Card]) -> None:
    edits = [
        ("process an event.", "handle an event."),  # handler definition
        ("maximum timeout", "longest timeout"),  # timeout prompt
        ("You upload only code", "You upload just your code"),  # a comparison cell
        ("Handler runs", "Your handler runs"),  # a step
    ]
    text = fixture_text()
    for old, new in edits:
        assert text.count(old) == 1
        text = text.replace(old, new)
    edited = {c.id: c for c in generate_cards([parse(text), topics["tracing"]])}
    assert list(edited) == list(cards)
    changed = {cid for cid in cards if cards[cid].content_hash != edited[cid].content_hash}
    assert changed == {
        "functions/handler/choice",
        "functions/handler/recall",
        "functions/timeout/typed",
        "functions/compute/column/servers.lambda",
        "functions/compute/truefalse/servers",
        "functions/invoke/order",
        "functions/invoke/next/3",
        "functions/invoke/next/4",
    }


def test_removed_content_has_no_item(topics: dict[str, Topic], cards: dict[str, Card]) -> None:
    assert item_for(cards["functions/timeout/cloze"], topics) == topics["functions"].facts[0]
    assert item_for(cards["functions/compute/column/billing.ec2"], topics) == topics["functions"].comparisons[0]
    text = fixture_text()
    text = text.replace(text[text.index("  - id: memory") : text.index("  - id: environment")], "")
    text = text.replace("          - Per second of instance time\n", '          - ""\n')
    text = text.replace("      - Result returned\n", "")
    text = text.replace('    cloze: "A Lambda function can run for at most {{15 minutes}}."\n', "")
    edited = {"functions": parse(text), "tracing": topics["tracing"]}
    gone = [
        "functions/memory/typed",
        "functions/compute/column/billing.ec2",
        "functions/compute/truefalse/billing",
        "functions/invoke/next/4",
        "functions/timeout/cloze",
    ]
    for cid in gone:
        assert item_for(cards[cid], edited) is None
        with pytest.raises(KeyError):
            make_question(cards[cid], edited, random.Random(1))
    assert item_for(cards["functions/timeout/typed"], edited) is not None
    assert item_for(cards["functions/compute/column/billing.lambda"], edited) is not None
    assert not set(gone) & {c.id for c in generate_cards(list(edited.values()))}
    assert item_for(cards["tracing/x-ray/choice"], {"functions": edited["functions"]}) is None


def test_steps_that_all_read_the_same_make_no_sequence_cards(cards: dict[str, Card]) -> None:
    text = fixture_text()
    for step in ("Environment starts", "Init code runs", "Handler runs", "Result returned"):
        text = text.replace(f"- {step}\n", "- Event arrives\n").replace(f"text: {step}\n", "text: Event arrives\n")
    topic = parse(text)
    assert not [c for c in generate_cards([topic]) if c.kind in (CardKind.ORDER, CardKind.NEXT)]
    assert item_for(cards["functions/invoke/order"], {topic.id: topic}) is None


def test_generation_is_pure_and_repeatable(topics: dict[str, Topic]) -> None:
    assert generate_cards(list(topics.values())) == generate_cards(list(topics.values()))
    assert generate_cards([]) == []


def test_core_modules_import_only_the_model_layer() -> None:
    for name in ("cards", "answers"):
        tree = ast.parse((PACKAGE / f"{name}.py").read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        ours = {m for m in imported if m.startswith("serverless_study")}
        assert ours <= {"serverless_study.model", "serverless_study.errors"}, name
        assert not {m.split(".")[0] for m in imported} & {"yaml", "typer", "rich", "questionary", "fsrs"}


def test_shipped_content_makes_answerable_cards() -> None:
    result = load_topics([shipped_content_dir()])
    assert result.problems == [] and len(result.topics) >= 2  # a missing or empty content folder fails here
    topics = by_id(result.topics)
    generated = generate_cards(result.topics)
    assert len({c.id for c in generated}) == len(generated)
    assert {c.topic_id for c in generated} == set(topics)
    rng = random.Random(0)
    for card in generated:
        q = make_question(card, topics, rng)
        assert check_answer(q, q.answer).correct, card.id
        if q.choices:
            assert q.answer in q.choices and len(q.choices) >= 2, card.id
            assert len(q.choices) <= 4 or card.kind is CardKind.COLUMN, card.id
            assert len({normalise(c) for c in q.choices}) == len(q.choices), card.id
