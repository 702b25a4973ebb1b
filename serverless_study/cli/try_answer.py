"""`try`: judge an answer against one fact, as the quiz would, and say why (for content authors)."""

from __future__ import annotations

from typing import Annotated

import typer

from serverless_study.cli.context import FAILURE, OK, errors_handled, get_env


def try_answer(
    ctx: typer.Context,
    fact_id: Annotated[str, typer.Argument(metavar="TOPIC/ITEM", help="The fact, as topic id / fact id.")],
    answer: Annotated[str, typer.Argument(metavar="ANSWER", help="The answer to judge, as a learner would type it.")],
    cloze: Annotated[bool, typer.Option("--cloze", help="Judge it as the fact's cloze gap, not its question.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of lines.")] = False,
) -> None:
    """Judge ANSWER against a fact and print the verdict and the reason. Exit 0 if right, 1 if wrong."""
    import json

    from serverless_study.answers import Vocabulary, check_answer
    from serverless_study.cards import fact_card_question
    from serverless_study.textview import verdict_text

    env = get_env(ctx)
    with errors_handled(env):
        topics = env.load().topics
        question = fact_card_question(topics, fact_id, cloze=cloze)
        verdict = check_answer(question, answer, Vocabulary.from_topics(topics))
        if as_json:
            print(json.dumps({"card": question.card_id, **verdict.to_dict()}, indent=2), file=env.stdout)
        else:
            print(verdict_text(verdict, question), file=env.stdout)
    raise typer.Exit(OK if verdict.correct else FAILURE)
