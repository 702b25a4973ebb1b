"""The answer judge against learner-style answers, content-wide guarantees and properties (hypothesis)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from serverless_study.answers import (
    FILLER,
    Reason,
    Vocabulary,
    _AcceptGuard,
    accept_problems,
    check_answer,
    fact_question,
    split_list,
)
from serverless_study.loader import load_topics, parse_text
from serverless_study.model import Concept, Fact, Location, Topic
from serverless_study.paths import shipped_content_dir

from .marking_table import HOLDOUT, TABLE, judge_table, read_table, table_topics

TOPICS = table_topics()
VOCABULARY = Vocabulary.from_topics(TOPICS)
FACTS = [(t.id, f) for t in TOPICS for f in t.facts]
LIST_FACTS = [(tid, f) for tid, f in FACTS if f.parts]
SEPARATORS = [", ", "; ", " / ", " & ", " and ", " or ", " + ", "\n", ",", " ,  "]
WORD = re.compile(r"[^\W\d_]+")
PROPERTY = settings(deadline=None, max_examples=100, suppress_health_check=[HealthCheck.too_slow])


def judge(topic_id: str, fact: Fact, text: str) -> bool:
    return check_answer(fact_question(topic_id, fact), text, VOCABULARY).correct


# --- the table ----------------------------------------------------------------------------------------------------


def test_table_is_big_and_covers_many_facts_both_ways() -> None:
    rows = read_table()
    assert len(rows) >= 100
    assert sum(r.right for r in rows) >= 50 and sum(not r.right for r in rows) >= 50
    assert len({r.card.split("/")[1] for r in rows}) >= 80


@pytest.mark.parametrize("table", [TABLE, HOLDOUT], ids=["table", "holdout"])
def test_table_judged_right_and_no_wrong_answer_accepted(table: Path) -> None:
    results = judge_table(read_table(table), TOPICS)
    accepted_wrong = [(r.row.line, r.row.given) for r in results if r.judged_right and not r.row.right]
    assert accepted_wrong == []
    right = sum(r.ok for r in results)
    assert right / len(results) >= 0.95, [(r.row.line, r.row.given) for r in results if not r.ok]


# --- the content --------------------------------------------------------------------------------------------------


def test_no_shipped_fact_accepts_another_facts_answer_or_a_concept_term() -> None:
    topics = load_topics([shipped_content_dir()]).topics
    assert [str(p) for p in accept_problems(topics)] == []


def test_every_shipped_list_fact_has_at_least_two_elements_and_its_own_display() -> None:
    for _, f in LIST_FACTS:
        assert len(f.parts) >= 2 and f.answer == ", ".join(f.parts)


PLANTED = """\
id: planted
title: Planted
concepts:
  - id: ecs
    term: Amazon ECS
    definition: The AWS container service.
    aliases: [ECS]
  - id: eks
    term: Amazon EKS
    definition: The AWS-managed Kubernetes service.
    aliases: [EKS]
facts:
  - id: eks-what
    prompt: Which AWS service is an AWS-managed version of Kubernetes?
    answer: Amazon EKS
    accept: [EKS, ECS]
  - id: ecs-what
    prompt: Which AWS service runs containers at scale, proprietary to AWS?
    answer: Amazon ECS
"""


def test_an_accept_entry_naming_another_concept_is_a_problem_at_file_and_line() -> None:
    topic, problems = parse_text(PLANTED, "planted.yaml", Path("."))
    assert problems == [] and topic is not None
    found = [str(p) for p in accept_problems([topic])]
    assert found[0].startswith("planted.yaml:13: facts[0]: accepts 'Amazon ECS', a name of concept planted/ecs")
    assert all(s.startswith("planted.yaml:13: facts[0]:") for s in found)


def test_an_answer_with_the_same_letters_as_another_facts_answer_is_a_problem() -> None:
    # "value 1 10" and "value 11 0" are the same letters once the spaces go: the judge accepts either for both.
    facts = (
        Fact("first", "Which value is written first?", "value 1-10", location=Location("t.yaml", 4)),
        Fact("second", "Which value is written second?", "value 11-0", location=Location("t.yaml", 7)),
    )
    found = [str(p) for p in accept_problems([Topic("t", "T", facts=facts, source="t.yaml")])]
    assert found == [
        "t.yaml:4: facts[0]: accepts 'value 11-0', the answer of fact t/second: make the answer or accept entries "
        "stricter",
        "t.yaml:7: facts[1]: accepts 'value 1-10', the answer of fact t/first: make the answer or accept entries "
        "stricter",
    ]


def test_facts_sharing_an_answer_are_no_problem_but_each_namesake_another_fact_accepts_is() -> None:
    # Rivals of one name are judged once per fact: the problems still name every fact with that answer, in order.
    where = [Location("t.yaml", 3 + n) for n in range(4)]
    facts = [
        Fact(f"watch{n}", f"Which service keeps log group {n}?", "Cloud Watch", location=where[n]) for n in range(3)
    ]
    facts.append(Fact("metrics", "What does a dashboard show?", "Metrics", ("CloudWatch",), location=where[3]))
    topics = [Topic("t", "T", facts=tuple(facts), source="t.yaml")]
    found = [str(p) for p in accept_problems(topics)]
    assert found == [
        f"t.yaml:6: facts[3]: accepts 'Cloud Watch', the answer of fact t/watch{n}: make the answer or accept "
        "entries stricter"
        for n in range(3)
    ]
    assert found == [str(p) for p in _AcceptGuard(topics).problems(every_rival=True)]


# Words that meet in the judge's every rule: spacing ("Cloud Watch"), slips ("premsies", "nod"), plurals, units,
# numbers, acronyms, vendor names, filler, list separators ("and", "or") and the question's own words.
GUARD_WORDS = (  # noqa: SIM905
    "Lambda Cloud Watch CloudWatch EKS ECS Amazon AWS Fargate node nod nodes premises premsies policies policiess "
    "queue queues service Step Functions x-ray X-Ray Yes 3 14 31 4 5 minutes 300 seconds five GB and or the of"
).split()


def _texts(words: list[str]) -> st.SearchStrategy[str]:
    joins = st.sampled_from([" ", "-", "", ", "])
    return st.tuples(st.lists(st.sampled_from(words), min_size=1, max_size=3), joins).map(lambda t: t[1].join(t[0]))


@st.composite
def _fact(draw: st.DrawFn, text: st.SearchStrategy[str], n: int) -> Fact:
    parts = draw(st.lists(text, min_size=2, max_size=3)) if draw(st.booleans()) else []
    answer = ", ".join(parts) if parts else draw(text)
    accept = draw(st.lists(text, max_size=2))
    return Fact(f"f{n}", draw(text) + "?", answer, tuple(accept), parts=tuple(parts))


@st.composite
def _topic(draw: st.DrawFn, text: st.SearchStrategy[str], n: int) -> Topic:
    concepts = tuple(
        Concept(f"c{i}", draw(text), draw(text), aliases=tuple(draw(st.lists(text, max_size=2))))
        for i in range(draw(st.integers(0, 3)))
    )
    facts = tuple(draw(_fact(text, i)) for i in range(draw(st.integers(1, 5))))
    return Topic(f"t{n}", draw(text), concepts=concepts, facts=facts, source=f"t{n}.yaml")


@st.composite
def _pack(draw: st.DrawFn) -> list[Topic]:
    """One to three topics whose texts come from a few of GUARD_WORDS, so that names meet often."""
    text = _texts(draw(st.lists(st.sampled_from(GUARD_WORDS), min_size=2, max_size=8, unique=True)))
    return [draw(_topic(text, i)) for i in range(draw(st.integers(1, 3)))]


@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_pack())
def test_the_accept_guard_finds_what_trying_every_rival_on_every_fact_finds(topics: list[Topic]) -> None:
    """The guard tries on each fact only the rivals its judge could accept; trying them all must find no more."""
    every = [str(p) for p in _AcceptGuard(topics).problems(every_rival=True)]
    assert [str(p) for p in accept_problems(topics)] == every


# --- properties ---------------------------------------------------------------------------------------------------


@PROPERTY
@given(st.sampled_from(LIST_FACTS), st.data())
def test_any_permutation_of_a_list_with_any_separators_is_accepted(fact: tuple[str, Fact], data: st.DataObject) -> None:
    topic_id, f = fact
    order = data.draw(st.permutations(f.parts))
    seps = [data.draw(st.sampled_from(SEPARATORS)) for _ in order[1:]]
    text = order[0] + "".join(s + p for s, p in zip(seps, order[1:], strict=True))
    assert judge(topic_id, f, text), text


def _term_names() -> list[str]:
    return sorted({t.name for terms in VOCABULARY.terms.values() for t in terms})


def _keys(text: str) -> set[str]:
    from serverless_study.answers import _tokens

    return {t.key for t in _tokens(text)}


@PROPERTY
@given(st.sampled_from([(tid, f) for tid, f in FACTS if not f.parts]), st.data())
def test_replacing_a_word_of_a_right_answer_with_another_term_is_rejected(
    fact: tuple[str, Fact], data: st.DataObject
) -> None:
    topic_id, f = fact
    question = fact_question(topic_id, f)
    words = f.answer.split()
    prompt_keys = _keys(f.prompt)
    # a word that carries the answer: not filler, not a word of the question, not the vendor's name
    core = [i for i, w in enumerate(words) if _keys(w) and not _keys(w) & (prompt_keys | FILLER | {"aws", "amazon"})]
    assume(core)
    i = data.draw(st.sampled_from(core))
    term = data.draw(st.sampled_from(_term_names()))
    own = _keys(" ".join((f.answer, *f.accept)))
    new = _keys(term) - FILLER - prompt_keys - {"aws", "amazon"}
    assume(new and not new & own)  # the term brings a word the fact does not have
    assume(not VOCABULARY.names_of_same_concept_any({" ".join(sorted(_keys(f.answer)))}) & {term.casefold()})
    text = " ".join([*words[:i], term, *words[i + 1 :]])
    # Numbers join their units into one token ("3 seconds" is one), so the swap must change the tokens themselves:
    # replacing the "3" of "3 seconds" with the term "3" gives the right answer back.
    assume(_keys(text) - own)
    verdict = check_answer(question, text, VOCABULARY)
    assert not verdict.correct, (text, verdict)


def _long_plain_words(f: Fact) -> list[str]:
    return [
        w
        for w in WORD.findall(f.answer)
        if len(w) >= 6 and not any(c.isupper() for c in w[1:]) and w.casefold() not in FILLER
    ]


@PROPERTY
@given(st.sampled_from([(tid, f) for tid, f in FACTS if _long_plain_words(f)]), st.data())
def test_a_single_transposition_inside_a_long_word_is_accepted(fact: tuple[str, Fact], data: st.DataObject) -> None:
    topic_id, f = fact
    word = data.draw(st.sampled_from(_long_plain_words(f)))
    j = data.draw(st.integers(1, len(word) - 2))  # never the first letter
    assume(word[j] != word[j + 1])
    slip = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    assume(slip.casefold() not in VOCABULARY.words and slip.casefold()[:-1] not in VOCABULARY.words)
    text = f.answer.replace(word, slip, 1)
    assert judge(topic_id, f, text), text


# --- examples of each rule ----------------------------------------------------------------------------------------


def fact_named(item_id: str) -> tuple[str, Fact]:
    return next((tid, f) for tid, f in FACTS if f.id == item_id)


@pytest.mark.parametrize(
    "item, text, reason",
    [
        ("ecs-three-parts", "tasks, clusters and services", Reason.LIST),
        ("daemon-port", "port 2000 UDP", Reason.REWORDED),
        ("timeout", "900 s", Reason.QUANTITY),
        ("memory-sets-cpu", "memroy", Reason.TYPO),
        ("vm-layer", "VMM", Reason.ALIAS),
        ("eks-what", "EKS", Reason.ALTERNATIVE),
        ("eks-what", "Amazon EKS", Reason.EXACT),
    ],
)
def test_right_answers_say_why(item: str, text: str, reason: Reason) -> None:
    verdict = check_answer(fact_question(*fact_named(item)), text, VOCABULARY)
    assert verdict.correct and verdict.reason is reason


def test_a_partly_right_list_names_what_is_missing_and_extra() -> None:
    verdict = check_answer(fact_question(*fact_named("required-software")), "SSM Agent, EKS agent", VOCABULARY)
    assert not verdict.correct and verdict.reason is Reason.PARTIAL_LIST
    assert verdict.note == "1 of 3: missing ECS agent, Docker; not EKS agent"
    assert (verdict.right, verdict.missing, verdict.extra) == (("SSM Agent",), ("ECS agent", "Docker"), ("EKS agent",))
    assert verdict.confused_with is not None and verdict.confused_with.name == "Amazon EKS"


def test_the_mix_up_names_the_term_and_where_it_lives() -> None:
    verdict = check_answer(fact_question(*fact_named("ecs-anywhere-feature-of")), "Amazon EKS", VOCABULARY)
    assert not verdict.correct and verdict.reason is Reason.CONFUSED
    assert verdict.mix_up() == (
        "Amazon EKS is the AWS-managed version of the open-source orchestration platform "
        "(Running containers in ECS and EKS). The answer here is Amazon ECS."
    )


@pytest.mark.parametrize(
    "item, text",
    [
        ("waits", "asynchronous"),  # negating prefix
        ("image-immutable", "mutable"),  # negating prefix, two letters
        ("dockerfile-format", "test"),  # a word of the content is no typo
        ("dlq", "SNS queue"),  # acronyms are never typos
        ("ephemeral-storage", "10 MB"),  # another unit
        ("ephemeral-storage", "10 GiB"),  # sizes match by spelling only
        ("memory-max", "10 TB"),
        ("timeout", "15 seconds"),
        ("lambda-workload", "Fargate and Lambda"),  # both options the question offers
        ("eks-what", "Kubernetes"),  # only a word from the question
    ],
)
def test_near_misses_are_wrong(item: str, text: str) -> None:
    assert not judge(*fact_named(item), text)


@pytest.mark.parametrize("text", ["", "   ", "?!", "...", "—", "\n"])
def test_empty_and_punctuation_only_answers_are_dont_know(text: str) -> None:
    verdict = check_answer(fact_question(*fact_named("eks-what")), text, VOCABULARY)
    assert not verdict.correct and verdict.reason is Reason.EMPTY


def test_split_list_separators() -> None:
    assert split_list("a, b; c / d & e + f and g or h\ni") == list("abcdefghi")
    assert split_list(" , ;a,,b ") == ["a", "b"]


def test_ordered_list_needs_its_order() -> None:
    topic, _ = parse_text(
        "id: o\ntitle: O\nfacts:\n  - {id: f, prompt: p, answer: [Define, Select, Target], ordered: 'true'}\n",
        "o.yaml",
        Path("."),
    )
    assert topic is not None
    f = topic.facts[0]
    ask = fact_question("o", f)
    assert check_answer(ask, "define, select, target").correct
    assert not check_answer(ask, "select, define, target").correct
    assert all(
        check_answer(fact_question("o", Fact("f", "p", "a, b", parts=("a", "b"))), ", ".join(p)).correct
        for p in itertools.permutations("ab")
    )


def test_vocabulary_holds_terms_ids_and_title_words() -> None:
    for word in ("text", "test", "asynchronous", "ecs", "eks", "cluster", "kubernete", "container"):
        assert word in VOCABULARY.words, word
    assert isinstance(VOCABULARY.term("amazon ek"), object)
    topic: Topic = TOPICS[0]
    assert VOCABULARY.term(topic.concepts[0].term.casefold()) is not None


# --- feedback and check -------------------------------------------------------------------------------------------


def test_wrong_feedback_names_the_mix_up_in_plain_and_terminal_views() -> None:
    from serverless_study import render, textview

    from .golden import render as rendered

    question = fact_question(*fact_named("required-software"))
    verdict = check_answer(question, "SSM Agent, EKS agent and Docker", VOCABULARY)
    plain = textview.feedback_text(verdict, question)
    assert plain.splitlines()[:3] == [
        "Wrong. The answer is: SSM Agent, ECS agent, Docker",
        "2 of 3: missing ECS agent; not EKS agent",
        "Amazon EKS is the AWS-managed version of the open-source orchestration platform "
        "(Running containers in ECS and EKS). The answer here is SSM Agent, ECS agent, Docker.",
    ]
    terminal = " ".join(rendered(render.feedback_view(verdict, question)).split())
    assert "2 of 3: missing ECS agent; not EKS agent Amazon EKS is the AWS-managed version" in terminal


def test_check_reports_an_accept_entry_that_names_another_concept(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from serverless_study.cli import app

    (tmp_path / "planted.yaml").write_text(PLANTED, encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 1
    assert f"{tmp_path / 'planted.yaml'}:13: facts[0]: accepts 'Amazon ECS'" in result.stdout


@PROPERTY
@given(st.sampled_from(FACTS), st.text(max_size=40))
def test_the_judge_never_fails_on_any_text(fact: tuple[str, Fact], text: str) -> None:
    verdict = check_answer(fact_question(*fact), text, VOCABULARY)
    assert verdict.reason is not Reason.EMPTY or not verdict.correct
