"""How long a cram takes to build beside the daily queue, over a synthetic pack with a review history.

Usage: python benchmarks/cram.py [FILES]   (FILES x 100 facts, 1,000 reviews per file; one card in ten suspended)

In-process medians of three builds each: the daily `Session.start`, `quiz --cram --limit 50` (which ranks every
studied card by predicted recall), a one-topic cram and a cram of every card (ordered run by run as it is asked).
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from run import write_history, write_pack

from serverless_study.cards import generate_cards
from serverless_study.days import Calendar
from serverless_study.loader import load_topics
from serverless_study.scheduler import Scheduler
from serverless_study.session import CramSession, Session
from serverless_study.store import HoldKind, Store


def median_ms(build: Callable[[], object]) -> float:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        build()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    files = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    scratch = Path(tempfile.mkdtemp())
    now = datetime(2026, 11, 28, 12, tzinfo=UTC)
    pack = write_pack(scratch / "pack", files)
    write_history(scratch / "data", pack, files * 1000, now)
    topics = load_topics([pack]).topics
    cards, by_id = generate_cards(topics), {t.id: t for t in topics}
    day, scheduler = Calendar(UTC).day_of(now), Scheduler()
    with Store.in_dir(scratch / "data") as store:
        store.hold([c.id for c in cards[::10]], HoldKind.SUSPENDED, now=now)

        def cram(**options: object) -> CramSession:
            return CramSession.cram(store, cards, by_id, scheduler, random.Random(1), now=now, day=day, **options)  # type: ignore[arg-type]

        figures = {
            "daily quiz (Session.start)": lambda: Session.start(
                store, cards, by_id, scheduler, random.Random(1), now=now, day=day
            ),
            "quiz --cram --limit 50": lambda: cram(limit=50),
            "quiz --cram --topic ONE": lambda: cram(topic_ids=[topics[0].id]),
            "quiz --cram (every card)": cram,
        }
        for name, build in figures.items():
            print(f"{len(cards)} cards: {name}: {median_ms(build):.0f} ms")


if __name__ == "__main__":
    main()
