"""The answer-judging table: learner-style answers to the shipped facts, each with the verdict it deserves.

Run `python -m tests.marking_table [CSV]` to print the judge's accuracy on it (and every row it gets wrong);
`holdout.csv` holds answers written after the judge, to check it on answers it was not built against.
"""

from __future__ import annotations

import csv
import random
import sys
from dataclasses import dataclass
from pathlib import Path

from serverless_study.answers import Vocabulary, check_answer
from serverless_study.cards import generate_cards, make_question
from serverless_study.loader import load_topics
from serverless_study.model import Topic
from serverless_study.paths import shipped_content_dir

MARKING = Path(__file__).parent / "fixtures" / "marking"
TABLE = MARKING / "answers.csv"
HOLDOUT = MARKING / "holdout.csv"
PACK = MARKING / "pack"  # facts the shipped content lacks: durations, sizes, percentages, SQS/SNS, (a)synchronous


@dataclass(frozen=True)
class Row:
    line: int
    card: str
    given: str
    right: bool
    why: str


@dataclass(frozen=True)
class Result:
    row: Row
    judged_right: bool

    @property
    def ok(self) -> bool:
        return self.row.right == self.judged_right


def table_topics() -> list[Topic]:
    result = load_topics([shipped_content_dir(), PACK])
    assert not result.problems, result.problems
    return result.topics


def read_table(path: Path = TABLE) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as f:
        return [
            Row(n, r["card"], r["given"], {"yes": True, "no": False}[r["right"]], r["why"])
            for n, r in enumerate(csv.DictReader(f), start=2)
        ]


def judge_table(rows: list[Row], topics: list[Topic]) -> list[Result]:
    cards = {c.id: c for c in generate_cards(topics)}
    by_id = {t.id: t for t in topics}
    vocabulary = Vocabulary.from_topics(topics)
    out = []
    for row in rows:
        question = make_question(cards[row.card], by_id, random.Random(0))
        out.append(Result(row, check_answer(question, row.given, vocabulary).correct))
    return out


def main() -> int:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else TABLE
    results = judge_table(read_table(path), table_topics())
    good = sum(r.ok for r in results)
    accepted_wrong = [r for r in results if not r.row.right and r.judged_right]
    rejected_right = [r for r in results if r.row.right and not r.judged_right]
    for r in accepted_wrong + rejected_right:
        verdict = "accepted" if r.judged_right else "rejected"
        print(f"{path.name}:{r.row.line}: {verdict} {r.row.given!r} for {r.row.card} ({r.row.why})")
    print(
        f"{good}/{len(results)} judged right ({good / len(results):.1%}); "
        f"{len(accepted_wrong)} wrong answers accepted, {len(rejected_right)} right answers rejected"
    )
    return 0 if not accepted_wrong and not rejected_right else 1


if __name__ == "__main__":
    sys.exit(main())
