"""Score an older answer judge (from git history) and the current one on the marking tables, side by side.

    python benchmarks/marking_compare.py [REV]     # REV: a commit whose answers.py is the old judge (default abf7a71)

The old judge never knew list answers, so it is given each list question in its joined text form.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from serverless_study.cards import generate_cards, make_question  # noqa: E402
from tests.marking_table import HOLDOUT, TABLE, judge_table, read_table, table_topics  # noqa: E402


def old_judge(rev: str):  # type: ignore[no-untyped-def]
    source = subprocess.run(
        ["git", "show", f"{rev}:serverless_study/answers.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    path = Path(tempfile.mkdtemp()) / "old_answers.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("old_answers", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["old_answers"] = module
    spec.loader.exec_module(module)
    return module.check_answer


def main() -> None:
    rev = sys.argv[1] if len(sys.argv) > 1 else "abf7a71"
    check_old = old_judge(rev)
    topics = table_topics()
    cards = {c.id: c for c in generate_cards(topics)}
    by_id = {t.id: t for t in topics}
    for table in (TABLE, HOLDOUT):
        rows = read_table(table)
        old_ok = old_accepted_wrong = 0
        for row in rows:
            question = dataclasses.replace(make_question(cards[row.card], by_id, random.Random(0)), parts=())
            judged = check_old(question, row.given).correct
            old_ok += judged == row.right
            old_accepted_wrong += judged and not row.right
        new = judge_table(rows, topics)
        new_ok = sum(r.ok for r in new)
        new_accepted_wrong = sum(r.judged_right and not r.row.right for r in new)
        n = len(rows)
        print(
            f"{table.name}: old judge ({rev}) {old_ok}/{n} ({old_ok / n:.1%}), {old_accepted_wrong} wrong answers "
            f"accepted; current judge {new_ok}/{n} ({new_ok / n:.1%}), {new_accepted_wrong} wrong answers accepted"
        )


if __name__ == "__main__":
    main()
