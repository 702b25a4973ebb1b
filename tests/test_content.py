"""The shipped content: loads clean, ids unique, every topic of the notes present, the hard facts exact."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from serverless_study.answers import normalise
from serverless_study.loader import content_files, load_topics
from serverless_study.model import Comparison, Concept, Fact, Sequence, Topic
from serverless_study.paths import shipped_content_dir, shipped_images_dir

TOPICS = [
    "history",
    "lambda",
    "serverless-application-repository",
    "containers",
    "ecs-eks",
    "fargate",
    "eventbridge",
    "ecr",
    "eks-distro",
    "eks-ecs-anywhere",
    "aurora-serverless",
    "x-ray",
    "appsync",
]


@pytest.fixture(scope="module")
def topics() -> list[Topic]:
    result = load_topics([shipped_content_dir()])  # images are checked too
    assert [str(p) for p in result.problems] == []
    return result.topics


def all_text(topic: Topic) -> str:
    parts = [topic.title, topic.summary]
    for item in topic.items:
        if isinstance(item, Concept):
            parts += [item.term, item.definition, *item.points, *item.aliases]
        elif isinstance(item, Fact):
            parts += [item.prompt, item.answer, *item.accept, item.explanation, item.cloze]
        elif isinstance(item, Comparison):
            parts += [item.title, item.note, *item.columns, *(c for r in item.rows for c in (r.label, *r.cells))]
        elif isinstance(item, Sequence):
            parts += [item.title, item.note, *(x for s in item.steps for x in (s.text, s.detail))]
    return "\n".join(parts)


def test_every_section_of_the_notes_is_a_topic_in_order(topics: list[Topic]) -> None:
    assert [t.id for t in topics] == TOPICS
    assert len(content_files([shipped_content_dir()])) == len(TOPICS)


def test_ids_are_unique(topics: list[Topic]) -> None:
    item_ids = [f"{t.id}/{i.id}" for t in topics for i in t.items]
    assert len(item_ids) == len(set(item_ids))


def test_every_topic_has_something_to_quiz(topics: list[Topic]) -> None:
    for t in topics:
        assert t.facts, t.id
        assert len(t.items) >= 5, t.id


@pytest.mark.parametrize(
    "topic_id, needles",
    [
        (
            "x-ray",
            [
                "UDP port 2000",
                "X-Amzn-Trace-Id",
                "Segments",
                "Subsegments",
                "Service graph",
                "Elastic Beanstalk",
                "API Gateway",
                "SNS",
                "SQS",
            ],
        ),
        ("aurora-serverless", ["6 copies", "3 A", "2 GiB", "per-second", "ACU", "zero", "warm pool"]),
        ("eks-ecs-anywhere", ["EXTERNAL", "SSM Agent", "ECS agent", "Docker", "activation key", "bare-metal"]),
        ("ecr", ["OCI", "scan on push", "Cross-region", "Cross-account", "Tag mutability", "Lifecycle polic", "IAM"]),
        ("fargate", ["EC2", "Lambda", "24/7", "Time-constrained", "consistent workloads", "0.25 vCPU", "120 GB"]),
        ("serverless-application-repository", ["SAM", "private by default", "without needing an AWS account"]),
        ("eventbridge", ["CloudWatch Events", "event bus", "Tag", "SQS"]),
        ("ecs-eks", ["clusters", "services", "tasks", "JSON", "proprietary", "open-source", "load balancer"]),
        ("eks-distro", ["EKS-D", "on-premises"]),
        ("containers", ["Dockerfile", "Image", "Registry", "Immutable"]),
        (
            "lambda",
            ["Runtime", "Permissions", "VPC", "memory", "Trigger", "add features to AWS", "15 minutes", "10,240 MB"],
        ),
        ("history", ["data centre", "virtualis", "cloud", "serverless"]),
        ("appsync", ["GraphQL", "React Native", "iOS", "Android", "DynamoDB"]),
    ],
)
def test_hard_facts_are_exact(topics: list[Topic], topic_id: str, needles: list[str]) -> None:
    text = all_text(next(t for t in topics if t.id == topic_id)).lower()
    missing = [n for n in needles if n.lower() not in text]
    assert not missing, f"{topic_id} lacks {missing}"


def test_the_notes_typos_are_fixed(topics: list[Topic]) -> None:
    text = "\n".join(all_text(t) for t in topics)
    for typo in [
        "Greate",
        "contraint",
        "formly",
        "neededl",
        "propriety",
        "EKD-D",
        "vulnerabilites",
        "scana ",
        "Kubernets",
        "Developement",
        "You responsibility",
        "identity software",
    ]:
        assert typo not in text, typo


def test_containers_topic_shows_the_diagram(topics: list[Topic]) -> None:
    containers = next(t for t in topics if t.id == "containers")
    (image,) = containers.images
    assert image.path == (shipped_images_dir() / "vm-vs-containers.svg").resolve()
    root = ET.parse(image.path).getroot()
    assert root.tag.endswith("svg")
    labels = " ".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))
    for layer in ["Hardware", "Host OS", "Hypervisor", "Guest OS", "Container runtime"]:
        assert layer in labels
    assert any(
        c.columns[:2] == ("Virtual machines", "Containers") or "container" in c.title.lower()
        for c in containers.comparisons
    )


def test_cloze_gaps_are_answers(topics: list[Topic]) -> None:
    for t in topics:
        for f in t.facts:
            if f.cloze:
                (gap,) = re.findall(r"\{\{(.*?)\}\}", f.cloze)
                if f.parts:  # a list answer's gap names its elements, in any order, with any separators
                    elements = {e.casefold() for e in re.split(r"\s*(?:,|\band\b|\bor\b)\s*", gap) if e}
                    assert elements == {p.casefold() for p in f.parts}, f"{t.id}/{f.id}"
                    continue
                assert normalise(gap) in {normalise(a) for a in (f.answer, *f.accept)}, f"{t.id}/{f.id}"
