"""Answer checking: what a learner may type and still be right, and what is wrong however close it looks."""

from __future__ import annotations

import pytest

from serverless_study.answers import Reason, Verdict, check_answer, normalise, normalise_all
from serverless_study.model import CardKind, Question


def typed(answer: str, *accept: str) -> Question:
    return Question("t/f/typed", CardKind.TYPED, "?", answer=answer, accept=accept)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Hello   World ", "hello world"),
        ("X-Amzn-Trace-Id", "x amzn trace id"),
        ("`x_amzn_trace_id`", "x amzn trace id"),
        ('"Lambda\'s layer."', "lambdas layer"),
        ("The execution environment", "execution environment"),
        ("An IAM role", "iam role"),
        ("a", "a"),
        ("10,240 MB", "10240 mb"),
        ("ＦＡＲＧＡＴＥ", "fargate"),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


# Texts whose neighbours could change them if the batch's steps read across the separator: digits either side (the
# thousands rule), articles, quotes, combining marks and letters that NFKC or casefold change, spaces at the ends.
NEIGHBOURS = [
    "The API", "the", "a", "An IAM role", "1,", "234", "1,234", "5", ",240", "10_240 MB", "it's", "’quoted’", "",
    "  ", "\u0301x", "e\u0301", "ß", "ſ", "ﬁle", "İstanbul", "ＦＡＲＧＡＴＥ", "Straße", "a\nb", "the\tthe end", "x.",
    "– dash", "K8s", "_", "`x_amzn_trace_id`", "the the", "A", "below",
]  # fmt: skip


def test_normalise_all_is_normalise_of_each_text() -> None:
    texts = [*NEIGHBOURS, *reversed(NEIGHBOURS), *(a + b for a in NEIGHBOURS[:12] for b in NEIGHBOURS[:12])]
    assert normalise_all(texts) == [normalise(t) for t in texts]
    assert normalise_all(["x\x1ey", "The a"]) == ["x y", "a"]  # a text holding the separator: one by one
    assert normalise_all([]) == []


ACCEPTED = [
    # (expected answer, accept list, given, tolerated a typo?)
    ("15 minutes", (), "15 minutes", False),
    ("15 minutes", (), "15 MINUTES", False),
    ("15 minutes", (), "  15   minutes ", False),
    ("15 minutes", (), "15 minutes.", False),
    ("15 minutes", (), "'15 minutes'", False),
    ("X-Amzn-Trace-Id", (), "`X-Amzn-Trace-Id`", False),
    ("X-Amzn-Trace-Id", (), "x amzn trace id", False),
    ("X-Amzn-Trace-Id", (), "X_Amzn_Trace_Id", False),
    ("X-Amzn-Trace-Id", (), "xamzntraceid", False),
    ("An execution environment", (), "execution environment", False),
    ("An execution environment", (), "the execution environment", False),
    ("An execution environment", (), "execution enviroment", True),
    ("An execution environment", (), "exectuion environment", True),
    ("An execution environment", (), "execution envirnoment", True),
    ("Lambda", (), "Lamdba", True),
    ("Lambda", (), "lambada", True),
    ("SQS", ("Simple Queue Service",), "simple queue servce", True),
    ("SQS", ("Simple Queue Service",), "sqs", False),
    ("10,240 MB", ("10 GB",), "10240 MB", False),
    ("10,240 MB", ("10 GB",), "10 gb", False),
    ("10,240 MB", ("10 GB",), "10GB", False),
    ("15 minutes", ("900 seconds",), "900 secodns", False),  # a slip in a unit name: the same quantity
    ("UDP port 2000", ("udp 2000",), "UDP 2000", False),
    ("UDP port 2000", (), "udp prot 2000", True),
]

REJECTED = [
    ("15 minutes", (), ""),
    ("15 minutes", (), "   "),
    ("15 minutes", (), "?!"),
    ("15 minutes", (), "16 minutes"),
    ("15 minutes", (), "15"),
    ("15 minutes", (), "1 5 minutes"),
    ("UDP port 2000", ("udp 2000",), "UDP port 2001"),
    ("UDP port 2000", ("udp 2000",), "port 2000"),
    ("UDP port 2000", (), "UDP port 20000"),
    ("SQS", ("Simple Queue Service",), "SQA"),
    ("SQS", (), "SNS"),
    ("Lambda", (), "Lmabad"),
    ("Lambda", (), "Lambda2"),
    ("Lambda", (), "Fargate"),
    ("An execution environment", (), "execution"),
    ("An execution environment", (), "xecutoin enviroment"),
]


@pytest.mark.parametrize(("answer", "accept", "given", "typo"), ACCEPTED)
def test_accepted_answers(answer: str, accept: tuple[str, ...], given: str, typo: bool) -> None:
    verdict = check_answer(typed(answer, *accept), given)
    assert verdict.correct
    assert verdict.expected == answer
    assert (verdict.reason is Reason.TYPO) == typo


@pytest.mark.parametrize(("answer", "accept", "given"), REJECTED)
def test_rejected_answers(answer: str, accept: tuple[str, ...], given: str) -> None:
    verdict = check_answer(typed(answer, *accept), given)
    assert not verdict.correct and verdict.expected == answer


def test_typo_note_names_the_alternative_it_was_close_to() -> None:
    verdict = check_answer(typed("SQS", "Simple Queue Service"), "simple queue servce")
    assert verdict == Verdict(
        True, "SQS", "accepted with a small typo ('servce' for 'service'): expected Simple Queue Service", Reason.TYPO
    )


def test_an_exact_alternative_beats_a_typo_of_the_answer() -> None:
    # "lambda" is one edit from "lambdas" but exactly an accepted alternative: no typo note.
    assert check_answer(typed("Lambdas", "Lambda"), "lambda") == Verdict(True, "Lambdas")


def order(answer: str, *accept: str) -> Question:
    return Question("t/s/order", CardKind.ORDER, "?", answer=answer, accept=accept)


@pytest.mark.parametrize("given", ["3 1 4 2", "3,1,4,2", "3, 1, 4, 2", " 3  1 4 2 ", "3142"])
def test_order_formats_accepted(given: str) -> None:
    assert check_answer(order("3 1 4 2"), given).correct


@pytest.mark.parametrize(
    "given",
    ["", "1 2 3 4", "3 1 4", "3 1 4 2 5", "3-1-4-2", "3 1 4 2.", "31 4 2", "314", "31420", "three one four two"],
)
def test_order_formats_rejected(given: str) -> None:
    assert not check_answer(order("3 1 4 2"), given).correct


def test_order_with_ten_steps_needs_separators() -> None:
    q = order("2 1 3 4 5 6 7 8 9 10")
    assert check_answer(q, "2 1 3 4 5 6 7 8 9 10").correct
    assert not check_answer(q, "21345678910").correct


def test_order_accepts_listed_alternatives() -> None:
    q = order("2 1 3", "2 3 1")  # steps 1 and 3 are shown with the same text
    assert check_answer(q, "231").correct
    assert not check_answer(q, "1 2 3").correct


def test_choice_compares_the_picked_text() -> None:
    q = Question("t/c/choice", CardKind.CHOICE, "?", choices=("Layer", "Handler", "Cold start"), answer="Handler")
    assert check_answer(q, "Handler").correct
    assert check_answer(q, "handler ").correct
    assert not check_answer(q, "Layer").correct
    assert not check_answer(q, "Handlr").correct  # no typo tolerance for picks
    assert not check_answer(q, "").correct


def test_true_false() -> None:
    q = Question("t/c/truefalse/r", CardKind.TRUE_FALSE, "?", choices=("True", "False"), answer="False")
    assert check_answer(q, "False").correct
    assert not check_answer(q, "True").correct


def test_self_rated_counts_any_attempt() -> None:
    q = Question("t/c/recall", CardKind.RECALL, "What is X?", answer="A thing.", self_rated=True)
    assert check_answer(q, "something else entirely").correct
    assert not check_answer(q, "  ").correct


def test_a_concepts_names_are_known_again_after_another_topic_adds_one() -> None:
    from serverless_study.answers import Vocabulary
    from serverless_study.model import Concept, Topic

    many = [Topic(f"t{n}", "T", concepts=(Concept("yes", "Yes", "Agrees."),)) for n in range(3)]
    vocabulary = Vocabulary.from_topics(many)
    assert vocabulary.names_of_same_concept("yes") == {"yes"}  # asked once, remembered
    vocabulary.add_topic(Topic("u", "U", concepts=(Concept("yes", "Yes", "Agrees.", aliases=("Aye",)),)))
    assert vocabulary.names_of_same_concept("yes") == {"yes", "aye"}
