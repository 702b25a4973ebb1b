"""Content lints: each code fires on a card that has the flaw and stays quiet on its fixed twin; check wires them up."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from serverless_study.cli import app
from serverless_study.lint import LINTS, lint_topics
from serverless_study.loader import parse_text

from .conftest import FIXTURES

TODAY = date(2026, 11, 28)
SOURCES = "sources: [{url: 'https://docs.aws.amazon.com/x', checked: 2026-11}]\n"

# code: (a topic body that breaks the lint, the same topic with the flaw fixed)
CASES: dict[str, tuple[str, str]] = {
    "SS101": (
        "concepts:\n  - {id: s, term: Segments, definition: The segment data one resource records.}\n",
        "concepts:\n  - {id: s, term: Segments, definition: Data about the work one resource did.}\n",
    ),
    "SS102": (
        "comparisons:\n  - id: t\n    title: Compute\n    columns: [EC2, Fargate]\n    rows:\n"
        "      - {id: r, cells: [You patch EC2 instances, AWS patches the hosts]}\n",
        "comparisons:\n  - id: t\n    title: Compute\n    columns: [EC2, Fargate]\n    rows:\n"
        "      - {id: r, cells: [You patch the instances, AWS patches the hosts]}\n",
    ),
    "SS103": (
        "facts:\n  - {id: f, prompt: Which port?, answer: UDP port 2000, accept: ['udp port 2000']}\n",
        "facts:\n  - {id: f, prompt: Which port?, answer: UDP port 2000, accept: ['2000']}\n",
    ),
    "SS104": (
        "facts:\n  - {id: short, prompt: What is the short name of EKS Distro?, answer: EKS-D}\n"
        "  - {id: where, prompt: Where does EKS-D run?, answer: Anywhere}\n",
        "facts:\n  - {id: short, prompt: What is the short name of EKS Distro?, answer: EKS-D}\n"
        "  - {id: where, prompt: Where does EKS Distro run?, answer: Anywhere}\n",
    ),
    "SS105": (
        "facts:\n  - {id: f, prompt: What does X-Ray do?,\n"
        "     answer: It traces requests across every service they touch}\n",
        "facts:\n  - {id: f, prompt: What does X-Ray do?, answer: Traces requests}\n",
    ),
    "SS106": (
        "facts:\n  - {id: f, prompt: Which service do the notes compare with EC2?, answer: Fargate}\n",
        "facts:\n  - {id: f, prompt: Which compute engine runs containers without servers?, answer: Fargate}\n",
    ),
    "SS107": (
        "sequences:\n  - {id: s, title: From Lambda to Fargate to EC2, steps: [Lambda, Fargate, EC2]}\n",
        "sequences:\n  - {id: s, title: Compute by workload length, steps: [Lambda, Fargate, EC2]}\n",
    ),
    "SS108": (
        "concepts:\n  - {id: a, term: Task, definition: A running copy of a blueprint on a cluster.}\n"
        "  - {id: b, term: Pod, definition: A running copy of a template on a cluster.}\n",
        "concepts:\n  - {id: a, term: Task, definition: A running copy of a blueprint on a cluster.}\n"
        "  - {id: b, term: Pod, definition: The smallest deployable unit Kubernetes schedules.}\n",
    ),
    "SS109": (
        "comparisons:\n  - id: t\n    title: Compute\n    columns: [EC2, Fargate]\n    rows:\n"
        "      - {id: r, cells: [Suits long-running containers, Suits short-running tasks]}\n",
        "comparisons:\n  - id: t\n    title: Compute\n    columns: [EC2, Fargate]\n    rows:\n"
        "      - {id: r, cells: [You choose instance types, You choose vCPU and memory per task]}\n",
    ),
}


def lint(body: str, today: date = TODAY, sources: str = SOURCES) -> list[str]:
    topic, problems = parse_text(f"id: t\ntitle: Topic\n{sources}{body}", "t.yaml", Path("."))
    assert problems == [] and topic is not None, problems
    return [f.code for f in lint_topics([topic], today)]


@pytest.mark.parametrize("code", sorted(CASES))
def test_lint_fires_on_the_flaw(code: str) -> None:
    assert code in lint(CASES[code][0])


@pytest.mark.parametrize("code", sorted(CASES))
def test_lint_is_quiet_on_the_fixed_twin(code: str) -> None:
    assert lint(CASES[code][1]) == []


def test_every_lint_code_is_tested() -> None:
    assert set(LINTS) == {*CASES, "SS100", "SS110", "SS111"}


def test_finding_names_file_line_and_code() -> None:
    topic, _ = parse_text(f"id: t\ntitle: T\n{SOURCES}{CASES['SS103'][0]}", "t.yaml", Path("."))
    assert topic is not None
    (finding,) = lint_topics([topic], TODAY)
    assert str(finding) == "t.yaml:5: SS103 accept entry 'udp port 2000' repeats the answer"


def test_mirrored_cells_with_negation() -> None:
    body = (
        "comparisons:\n  - id: t\n    title: Compute\n    columns: [EC2, Fargate]\n    rows:\n"
        "      - {id: r, cells: [You manage the operating system, You do not manage the operating system]}\n"
    )
    assert lint(body) == ["SS109"]


def test_related_topics_definitions_are_compared() -> None:
    a, _ = parse_text(
        "id: a\ntitle: A\nrelated: [b]\n" + SOURCES + "concepts:\n"
        "  - {id: x, term: Task, definition: A running copy of a blueprint on a cluster.}\n",
        "a.yaml",
        Path("."),
    )
    b, _ = parse_text(
        "id: b\ntitle: B\n" + SOURCES + "concepts:\n"
        "  - {id: y, term: Pod, definition: A running copy of a template on a cluster.}\n",
        "b.yaml",
        Path("."),
    )
    assert a is not None and b is not None
    assert [f.code for f in lint_topics([a, b], TODAY)] == ["SS108"]
    assert lint_topics([b], TODAY) == []


def test_list_answers_are_not_long_answers() -> None:
    topic, _ = parse_text(f"id: t\ntitle: T\n{SOURCES}{CASES['SS105'][0]}", "t.yaml", Path("."))
    assert topic is not None
    fact = topic.facts[0]
    # A fact with parts (the marking branch's list answers) is marked part by part, so its length is fine.
    object.__setattr__(fact, "parts", ("It traces requests", "across every service"))
    assert lint_topics([topic], TODAY) == []


def test_sources_freshness_uses_the_newest_check() -> None:
    old = "sources: [{url: 'https://x.example', checked: 2025-05}]\n"
    fact = "facts:\n  - {id: f, prompt: Which port?, answer: '2000'}\n"
    assert lint(fact, date(2026, 11, 28), old) == []  # 18 months: not yet older than 18
    assert lint(fact, date(2026, 12, 1), old) == ["SS110"]
    newer = (
        "facts:\n  - {id: f, prompt: Which port?, answer: '2000', sources: [{url: 'https://y', checked: 2026-10}]}\n"
    )
    assert lint(newer, date(2026, 12, 1), old) == []
    assert lint(fact, TODAY, "") == ["SS111"]


def test_lint_ignore_silences_one_code_on_one_item_and_must_be_used() -> None:
    ignore = "    lint-ignore: [{code: SS105, reason: a sentence on purpose}]\n"
    bad = "facts:\n  - id: f\n    prompt: What does X-Ray do?\n"
    bad += "    answer: It traces requests across every service they touch\n"
    assert lint(bad + ignore) == []
    good = "facts:\n  - id: f\n    prompt: What does X-Ray do?\n    answer: Traces requests\n"
    assert lint(good + ignore) == ["SS100"]
    assert lint(good + ignore.replace("SS105", "SS999")) == ["SS100"]


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    (tmp_path / "t.yaml").write_text(f"id: t\ntitle: Topic\n{SOURCES}{CASES['SS106'][0]}", encoding="utf-8")
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_check_prints_warnings_and_passes_unless_strict(pack: Path) -> None:
    code, out, _ = run("check", str(pack), "--today", "2026-11-28")
    assert code == 0
    assert out.splitlines()[0] == f"{pack}/t.yaml:5: SS106 the prompt mentions 'the notes'"
    assert out.splitlines()[1] == "1 topics, 1 items, 0 problems, 1 warnings"
    code, _, err = run("check", "--strict", str(pack), "--today", "2026-11-28")
    assert code == 1 and "1 warnings" in err


def test_check_json_lists_findings(pack: Path) -> None:
    code, out, _ = run("check", "--format", "json", str(pack), "--today", "2026-11-28")
    data = json.loads(out)
    assert code == 0 and data["errors"] == []
    assert [(w["code"], w["line"], w["item"]) for w in data["warnings"]] == [("SS106", 5, "f")]


def test_check_today_is_validated(pack: Path) -> None:
    code, _, err = run("check", str(pack), "--today", "28/11/2026")
    assert code == 2 and "--today" in err and "Traceback" not in err


def test_check_today_moves_the_freshness_window(pack: Path) -> None:
    code, _, _ = run("check", "--strict", str(pack), "--today", "2030-01-01")
    assert code == 1


def test_shipped_content_passes_check_strict() -> None:
    """What CI runs: the shipped content has no problems and no lint warnings (fixed date: sources do not age here)."""
    code, out, err = run("check", "--strict", "--today", "2026-11-28")
    assert code == 0, out + err
    assert out.rstrip().endswith(", 0 problems, 0 warnings")


def test_an_alias_in_other_prompts_gives_a_short_name_away_but_a_term_does_not() -> None:
    concept = "concepts:\n  - {id: d, term: EKS Distro, definition: AWS's build of Kubernetes., aliases: [EKS-D]}\n"
    short = "  - {id: short, prompt: What is the short name of EKS Distro?, answer: EKS-D}\n"
    assert lint(concept + "facts:\n" + short + "  - {id: w, prompt: Where does EKS-D run?, answer: Anywhere}\n") == [
        "SS104"
    ]
    term = "  - {id: t, prompt: What is EKS Distro built from?, answer: EKS Distro}\n"
    assert (
        lint(concept + "facts:\n" + term + "  - {id: w, prompt: Where does EKS Distro run?, answer: Anywhere}\n") == []
    )


def test_a_column_name_answer_is_vocabulary() -> None:
    table = (
        "comparisons:\n  - id: t\n    title: Compute\n    columns: [EC2, Fargate]\n    rows:\n"
        "      - {id: r, cells: [You patch the instances, AWS patches the hosts]}\n"
    )
    facts = (
        "facts:\n  - {id: a, prompt: Which runs apps 24/7 on your instances?, answer: EC2}\n"
        "  - {id: b, prompt: Is Fargate dearer than EC2?, answer: 'Yes'}\n"
    )
    assert lint(table + facts) == []


@pytest.mark.parametrize(
    "definition, flagged",
    [
        ("What a server is registered as with Systems Manager activation keys.", True),
        ("A registry run by Elastic Container Service staff.", True),
        ("What a server is registered as with the activation key from the script.", False),
    ],
)
def test_a_definition_that_spells_out_an_acronym_of_its_term(definition: str, flagged: bool) -> None:
    body = f"concepts:\n  - {{id: m, term: SSM managed instance, definition: {definition}, aliases: [ECS box]}}\n"
    assert lint(body) == (["SS101"] if flagged else [])


def test_check_json_on_a_topic_with_every_flaw() -> None:
    code, out, _ = run("check", "--format", "json", str(FIXTURES / "lint"), "--today", "2026-11-28")
    warnings = json.loads(out)["warnings"]
    assert code == 0
    assert sorted({w["code"] for w in warnings}) == sorted(set(LINTS) - {"SS111"})
    assert {(w["code"], w["line"], w["item"]) for w in warnings if w["code"] in ("SS104", "SS106")} == {
        ("SS104", 34, "where"),
        ("SS106", 34, "where"),
    }
    code, _, _ = run("check", "--strict", str(FIXTURES / "lint"), "--today", "2026-11-28")
    assert code == 1
