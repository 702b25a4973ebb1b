"""`try`: authors judge an answer against a fact through the real CLI; exit 0 right, 1 wrong, 2 bad usage."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from serverless_study.cli import app

from .marking_table import PACK


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--content", str(PACK), "try", *args], catch_exceptions=False)


def test_a_mix_up_is_wrong_and_named() -> None:
    result = run("ecs-eks/eks-what", "Amazon ECS")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "Wrong (another term of the content): ecs-eks/eks-what/typed"
    assert lines[-1].startswith("Confused with Amazon ECS: Amazon ECS is ")
    assert lines[-1].endswith("(Running containers in ECS and EKS). The answer here is Amazon EKS.")


def test_a_typo_is_right_and_names_the_word() -> None:
    result = run("lambda/memory-sets-cpu", "memroy")
    assert result.exit_code == 0
    assert "Right (small typo)" in result.stdout and "'memroy' for 'memory'" in result.stdout


def test_json_verdict_for_a_partly_right_list() -> None:
    result = run("eks-ecs-anywhere/required-software", "SSM Agent, Docker", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["correct"] is False and data["reason"] == "partly right list"
    assert data["expected"] == "SSM Agent, ECS agent, Docker" and data["confused_with"] is None
    assert (data["right"], data["missing"], data["extra"]) == (["SSM Agent", "Docker"], ["ECS agent"], [])
    assert data["note"] == "2 of 3: missing ECS agent"


def test_cloze_form_and_the_global_content_option() -> None:
    right = run("lambda-limits/timeout", "900 s", "--json")  # a fact only the --content pack has
    assert right.exit_code == 0 and json.loads(right.stdout)["reason"] == "same quantity"
    cloze = run("x-ray/daemon-port", "udp port 2000", "--cloze", "--json")
    assert cloze.exit_code == 0 and json.loads(cloze.stdout)["card"] == "x-ray/daemon-port/cloze"


@pytest.mark.parametrize(
    "args, message",
    [
        (("nope/x", "a"), "error: no topic 'nope'; topics: history,"),
        (("x-ray/nope", "a"), "error: no fact 'nope' in x-ray; facts: daemon-port,"),
        (("x-ray", "a"), "error: no fact '' in x-ray"),
        (("x-ray/integration-options", "a", "--cloze"), "error: x-ray/integration-options has no cloze"),
    ],
)
def test_unknown_ids_are_usage_errors(args: tuple[str, ...], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2 and result.stderr.startswith(message) and "Traceback" not in result.output


def test_missing_answer_is_a_usage_error() -> None:
    assert run("x-ray/daemon-port").exit_code == 2


def test_an_empty_answer_is_dont_know() -> None:
    result = run("x-ray/daemon-port", "", "--json")
    assert result.exit_code == 1 and json.loads(result.stdout)["reason"] == "no answer"
