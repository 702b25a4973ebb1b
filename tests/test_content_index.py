"""The content index: commands load only the topics they need, and the index is never stale."""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from serverless_study import loader
from serverless_study.answers import ShardedVocabulary, Vocabulary, check_answer
from serverless_study.cache import ContentCache, Stamp, content_hash
from serverless_study.cards import generate_cards, make_question
from serverless_study.content import INDEX_FINGERPRINTED, Content
from serverless_study.days import Calendar
from serverless_study.loader import code_fingerprint, load_topics
from serverless_study.model import Grade
from serverless_study.scheduler import Scheduler
from serverless_study.session import Limits, Session
from serverless_study.store import HoldKind, Store

from .conftest import FIXTURES

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CALENDAR = Calendar(UTC)


def write_pack(folder: Path, topics: int, facts: int = 3) -> Path:
    """Topics with concepts (choice and recall cards, related topics for distractors) and facts."""
    folder.mkdir(parents=True)
    for i in range(topics):
        related = f"related: [t{(i + 1) % topics}]\n" if topics > 1 else ""
        lines = [f"id: t{i}", f"title: Topic number {i}", related + "concepts:"]
        for c in range(3):
            lines += [f"  - id: c{c}", f"    term: Term{i}x{c}", f"    definition: Definition {c} of topic {i}."]
        lines.append("facts:")
        for f in range(facts):
            lines += [f"  - id: f{f}", f"    prompt: What is value {f} of topic {i}?", f"    answer: value{i}v{f}"]
        (folder / f"{i:03d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every file the loader parses in this test."""
    seen: list[Path] = []
    real = loader.parse_file

    def counting(path: Path) -> Any:
        seen.append(path)
        return real(path)

    monkeypatch.setattr(loader, "parse_file", counting)
    return seen


def index_file(cache: Path) -> Path:
    (found,) = cache.glob("*.index")
    return found


def doctor_index(cache: Path, payload: Any = None, header: Any = None) -> None:
    """Rewrite the index as its writer would (a valid checksum), with a changed payload or header."""
    path = index_file(cache)
    head, _, raw = path.read_bytes().partition(b"\n")
    new_payload = json.dumps(payload(json.loads(raw)) if payload else json.loads(raw)).encode()
    new_header = header(json.loads(head)) if header else json.loads(head)
    new_header["sum"] = content_hash(new_payload)
    path.write_bytes(json.dumps(new_header).encode() + b"\n" + new_payload)


# --- loading only what is needed ----------------------------------------------------------------------------------


def test_a_warm_index_lists_every_topic_and_loads_none(tmp_path: Path, parses: list[Path]) -> None:
    pack = write_pack(tmp_path / "pack", 30)
    cache = tmp_path / "cache"
    cold = Content.open([pack], cache)
    assert len(parses) == 30 and len(cold.loaded) == 30
    warm = Content.open([pack], cache)
    assert len(parses) == 30 and warm.loaded == []
    assert [h.id for h in warm.heads] == [f"t{i}" for i in range(30)]
    assert warm.heads[4].counts() == {"concepts": 3, "comparisons": 0, "sequences": 0, "facts": 3}
    assert warm.heads == cold.heads
    assert warm.topics["t7"] == cold.topics["t7"]
    assert warm.loaded == ["t7"]


def test_the_index_knows_every_card_without_loading_a_topic(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "pack", 12)
    cache = tmp_path / "cache"
    Content.open([pack], cache)
    warm = Content.open([pack], cache)
    every = generate_cards(load_topics([pack]).topics)
    assert list(warm.deck) == [c.id for c in every]  # content order
    assert "t3/f1/typed" in warm.deck and "t3/f9/typed" not in warm.deck and "gone/f1/typed" not in warm.deck
    assert warm.loaded == []
    assert warm.deck.cards(["t3/f1/typed"]) == {"t3/f1/typed": next(c for c in every if c.id == "t3/f1/typed")}
    assert warm.loaded == ["t3"]


def start(content: Content | None, pack: Path, store: Store, limits: Limits, topic_ids: Any = None) -> Session:
    """A session over the pack, from the content index (`content`), or from every card built up front (None)."""
    rng = random.Random(3)
    if content is None:
        topics = load_topics([pack]).topics
        cards: Any = generate_cards(topics)
        by_id: Any = {t.id: t for t in topics}
        vocabulary = None
    else:
        cards, by_id, vocabulary = content.deck, content.topics, content.vocabulary
    day = CALENDAR.day_of(NOW)
    return Session.start(
        store, cards, by_id, Scheduler(), rng, now=NOW, day=day, limits=limits, topic_ids=topic_ids,
        vocabulary=vocabulary,
    )  # fmt: skip


def play(session: Session, answers: int) -> list[tuple[str, str, tuple[str, ...]]]:
    """Answer `answers` questions (the first choice, or a wrong word), returning what was asked."""
    asked = []
    for _ in range(answers):
        q = session.next_question(NOW)
        if q is None:
            break
        asked.append((q.card_id, q.prompt, q.choices))
        session.answer(q, NOW, given=q.choices[0] if q.choices else "wrong", grade=Grade.GOOD)
    return asked


def test_a_quiz_builds_only_the_cards_of_the_topics_it_asks(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "pack", 200)
    cache = tmp_path / "cache"
    Content.open([pack], cache).vocabulary()  # a cold run: everything loaded, the vocabulary stored on first use
    content = Content.open([pack], cache)
    with Store.in_dir(tmp_path / "data") as store:
        session = start(content, pack, store, Limits(session=2))
        asked = play(session, 2)
    asked_topics = {cid.split("/")[0] for cid, _, _ in asked}
    related = {f"t{(int(t[1:]) + 1) % 200}" for t in asked_topics}  # distractors come from related topics
    assert asked and set(content.loaded) <= asked_topics | related
    assert len(content.loaded) <= 4


def test_a_quiz_from_the_index_asks_what_a_quiz_over_every_card_asks(tmp_path: Path) -> None:
    """Same order, interleaving, distractors and progress counts, over several sessions with history."""
    pack = write_pack(tmp_path / "pack", 9)
    cache = tmp_path / "cache"
    Content.open([pack], cache)
    transcripts: dict[str, list[Any]] = {}
    for how in ("index", "whole"):
        with Store.in_dir(tmp_path / how) as store:
            seen = []
            for limits, topics in ((Limits(new_per_day=7), None), (Limits(session=5), ["t2", "t4"]), (Limits(), None)):
                content = Content.open([pack], cache) if how == "index" else None
                session = start(content, pack, store, limits, topics)
                seen.append((session.progress(), session.new_total, play(session, 40), session.summary()))
            transcripts[how] = seen
    assert transcripts["index"] == transcripts["whole"]
    assert len(transcripts["index"][0][2]) > 7  # new cards, and repeats of those missed


def test_a_suspended_card_is_not_asked_from_the_index(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "pack", 3)
    cache = tmp_path / "cache"
    Content.open([pack], cache)
    with Store.in_dir(tmp_path / "data") as store:
        first = start(Content.open([pack], cache), pack, store, Limits(session=1)).next_question(NOW)
        assert first is not None
        store.hold([first.card_id], HoldKind.SUSPENDED, now=NOW)
        content = Content.open([pack], cache)
        session = start(content, pack, store, Limits())
        assert first.card_id not in session.main and first.card_id not in session.cards
        assert first.card_id in content.deck and first.card_id not in content.deck.without(store.held_ids(NOW))
        assert start(None, pack, store, Limits()).main == session.main


def test_marking_from_the_index_names_a_mix_up_with_a_topic_never_loaded(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "pack", 40)
    cache = tmp_path / "cache"
    whole = Content.open([pack], cache)
    question = make_question(whole.deck.cards(["t1/f0/typed"])["t1/f0/typed"], whole.topics, random.Random(0))
    expected = check_answer(question, "value33v2", whole.vocabulary())  # the answer of a fact in topic t33
    assert expected.confused_with is not None and expected.confused_with.topic_id == "t33"
    warm = Content.open([pack], cache)
    vocabulary = warm.vocabulary()
    assert isinstance(vocabulary, ShardedVocabulary)
    assert check_answer(question, "value33v2", vocabulary) == expected
    assert check_answer(question, "value1v0", vocabulary) == check_answer(question, "value1v0", whole.vocabulary())
    assert warm.loaded == []


def test_a_sharded_vocabulary_answers_as_the_whole_one() -> None:
    topics = load_topics([FIXTURES / "quiz"]).topics + load_topics([FIXTURES / "pack"]).topics
    whole = Vocabulary.from_topics(topics)
    shards = whole.to_shards(5)
    sharded = ShardedVocabulary(5, lambda i: shards[i], lambda: pytest.fail("every shard is readable"))
    for key in [*whole.terms, "no such term"]:
        for topic_id in ("", topics[0].id):
            assert sharded.term(key, topic_id) == whole.term(key, topic_id)
        assert sharded.names_of_same_concept(key) == whole.names_of_same_concept(key)
    for word in [*whole.words, "nosuchword"]:
        assert sharded.is_word(word) == whole.is_word(word)


def test_a_damaged_vocabulary_shard_falls_back_to_the_whole_vocabulary() -> None:
    topics = load_topics([FIXTURES / "quiz"]).topics
    whole = Vocabulary.from_topics(topics)
    shards = [*whole.to_shards(3)]
    shards[1] = b"{not json"
    fallback: list[int] = []

    def rebuild() -> Vocabulary:
        fallback.append(1)
        return whole

    sharded = ShardedVocabulary(3, lambda i: shards[i], rebuild)
    answers = [k for k in whole.terms]
    assert [sharded.term(k) for k in answers] == [whole.term(k) for k in answers]
    assert fallback == [1]


# --- never stale --------------------------------------------------------------------------------------------------


def test_a_same_size_same_mtime_edit_is_noticed(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "pack", 3)
    cache = tmp_path / "cache"
    Content.open([pack], cache)
    target = pack / "001.yaml"
    before = target.stat()
    target.write_text(target.read_text().replace("Topic number 1", "Topic numbex 1"))
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (target.stat().st_size, target.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert Content.open([pack], cache).heads[1].title == "Topic numbex 1"


def test_a_change_within_the_same_timestamp_tick_is_found_by_content(tmp_path: Path) -> None:
    """A file changed just before the index was written is compared by content, even when stat cannot tell."""
    pack = write_pack(tmp_path / "pack", 2)
    index = ContentCache(tmp_path / "cache", "code")
    files = sorted(pack.iterdir())
    stamps = [s for s in map(Stamp.of, files) if s is not None]
    index.put_index("set", stamps, [content_hash(f.read_bytes()) for f in files], {"any": 1})
    assert index.get_index("set", stamps) is not None
    files[0].write_text(files[0].read_text().replace("Topic number 0", "Topic numbex 0"))
    assert index.get_index("set", stamps) is None  # stamps as stat gave them before the change: same tick


def test_an_index_settles_once_its_racy_files_match(tmp_path: Path) -> None:
    """Files changed just before the index was written are hashed until the index is written again, not forever."""
    pack = write_pack(tmp_path / "pack", 2)
    index = ContentCache(tmp_path / "cache", "code")
    files = sorted(pack.iterdir())
    stamps = [s for s in map(Stamp.of, files) if s is not None]
    version = index.put_index("set", stamps, [content_hash(f.read_bytes()) for f in files], {"any": 1})
    (entry,) = (tmp_path / "cache").glob("*.index")
    head = json.loads(entry.read_bytes().partition(b"\n")[0])
    assert head["written"] >= max(s.ctime_ns for s in stamps)  # so both files are racy
    head["written"] -= 10**9  # as if the index had been written a second after the files changed
    entry.write_bytes(json.dumps(head).encode() + b"\n" + entry.read_bytes().partition(b"\n")[2])
    found = index.get_index("set", stamps)
    assert found is not None and found[1] == version  # the same version: data stored for it stays valid
    settled = json.loads(entry.read_bytes().partition(b"\n")[0])["written"]
    assert settled > head["written"]


def test_an_index_of_other_code_is_ignored_and_rewritten(tmp_path: Path, parses: list[Path]) -> None:
    pack = write_pack(tmp_path / "pack", 3)
    cache = tmp_path / "cache"
    Content.open([pack], cache)

    def titled(payload: Any) -> Any:
        for row in payload["topics"]:
            row[1] = "Built by other code"
        return payload

    doctor_index(cache, payload=titled)  # same code: what the index says is what is shown (this test can fail)
    assert {h.title for h in Content.open([pack], cache).heads} == {"Built by other code"}
    doctor_index(cache, header=lambda h: {**h, "code": "other"})
    assert [h.title for h in Content.open([pack], cache).heads] == [f"Topic number {i}" for i in range(3)]
    head = json.loads(index_file(cache).read_bytes().partition(b"\n")[0])
    assert head["code"] == code_fingerprint(modules=INDEX_FINGERPRINTED)
    assert len(parses) == 3  # the topics' own entries were still good: nothing parsed again


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: raw[: len(raw) // 2],  # cut short
        lambda raw: b"garbage\n" + raw,
        lambda raw: raw.replace(b'"topics"', b'"topicz"'),  # checksum no longer matches
    ],
)
def test_a_damaged_index_is_rebuilt(tmp_path: Path, damage: Any) -> None:
    pack = write_pack(tmp_path / "pack", 3)
    cache = tmp_path / "cache"
    first = Content.open([pack], cache).heads
    path = index_file(cache)
    path.write_bytes(damage(path.read_bytes()))
    assert Content.open([pack], cache).heads == first
    assert Content.open([pack], cache).loaded == []  # rewritten whole


def test_an_index_with_wrong_shapes_is_ignored(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "pack", 3)
    cache = tmp_path / "cache"
    first = Content.open([pack], cache).heads
    doctor_index(cache, payload=lambda p: {**p, "topics": [[1, 2, 3]]})
    assert Content.open([pack], cache).heads == first
    doctor_index(cache, payload=lambda p: {**p, "topics": [[*row[:5], 99] for row in p["topics"]]})  # no such file
    assert Content.open([pack], cache).heads == first
    doctor_index(cache, payload=lambda p: {**p, "cards": p["cards"].replace("\n", " ")})  # a line per topic
    every = generate_cards(load_topics([pack]).topics)
    assert list(Content.open([pack], cache).deck) == [c.id for c in every]
    t1 = {c.id: c.content_hash for c in every if c.topic_id == "t1"}
    doctor_index(cache, payload=lambda p: {**p, "hashes": p["hashes"].replace("\n", "")})  # a line per topic
    rebuilt = Content.open([pack], cache)
    assert rebuilt.loaded == ["t0", "t1", "t2"] and rebuilt.card_hashes("t1") == t1
    doctor_index(cache, payload=lambda p: {**p, "hashes": "\n".join(x[1:] for x in p["hashes"].split("\n"))})
    short = Content.open([pack], cache)  # a line of the wrong width: the topic's own cards say
    assert short.card_hashes("t1") == t1 and short.loaded == ["t1"]


def test_an_index_unused_for_30_days_is_dropped(tmp_path: Path) -> None:
    day, t0 = 86400.0, 1_800_000_000.0
    a, b = write_pack(tmp_path / "a", 1), write_pack(tmp_path / "b", 1)
    cache = tmp_path / "cache"
    Content.open([a], cache, now=t0).vocabulary()
    Content.open([b], cache, now=t0)
    Content.open([b], cache, now=t0 + 20 * day)  # b in use
    assert len(list(cache.glob("*.index"))) == 2 and len(list(cache.glob("*.vocab"))) == 1
    Content.open([b], cache, now=t0 + 31 * day)
    (left,) = cache.glob("*.index")
    assert json.loads(left.read_bytes().partition(b"\n")[0])["name"] == str(b.resolve())
    assert list(cache.glob("*.vocab")) == []


def test_adding_or_removing_a_file_rebuilds_the_index(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "pack", 3)
    cache = tmp_path / "cache"
    Content.open([pack], cache)
    (pack / "001.yaml").unlink()
    assert [h.id for h in Content.open([pack], cache).heads] == ["t0", "t2"]


def test_problems_are_reported_on_every_run_naming_the_files_as_given(
    tmp_path: Path, parses: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    pack = write_pack(tmp_path / "pack", 2)
    (pack / "009.yaml").write_text("id: broken\ntitle: [not text\n")
    cache = tmp_path / "cache"
    cold = Content.open([pack, tmp_path / "missing"], cache)
    warm = Content.open([pack, tmp_path / "missing"], cache)
    assert len(parses) == 3  # the broken file is not parsed again
    assert [str(p) for p in warm.problems] == [str(p) for p in cold.problems]
    assert len(warm.problems) == 2  # the missing folder, the broken file
    assert str(pack / "009.yaml") in str(warm.problems[1])
    monkeypatch.chdir(tmp_path)  # the same folder named another way: the same index, the file named as given now
    relative = Content.open([Path("pack"), Path("missing")], cache)
    assert str(relative.problems[1]).startswith(str(Path("pack") / "009.yaml") + ":") and len(parses) == 3


def test_images_are_checked_on_every_run(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    image = pack / "d.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    (pack / "a.yaml").write_text(
        "id: a\ntitle: A\nimages: [{path: d.png}]\nfacts: [{id: f, prompt: p, answer: x}]\n", encoding="utf-8"
    )
    cache = tmp_path / "cache"
    assert Content.open([pack], cache).problems == []
    image.write_bytes(b"not an image at all")
    warm = Content.open([pack], cache)
    assert len(warm.problems) == 1 and "d.png" in str(warm.problems[0])
    assert warm.topics["a"].images == ()


BUILD = """
import sys
from pathlib import Path
from serverless_study.content import Content
content = Content.open([Path(sys.argv[1])], Path(sys.argv[2]))
print(len(content.heads), len(list(content.deck)), len(content.problems))
"""


@pytest.mark.slow  # real interpreters
def test_two_processes_building_the_index_at_once_both_succeed(tmp_path: Path, parses: list[Path]) -> None:
    pack = write_pack(tmp_path / "pack", 60)
    cache = tmp_path / "cache"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", BUILD, str(pack), str(cache)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()[-2000:]
        assert out.decode().split() == ["60", str(60 * 9), "0"]
    assert not list(cache.glob(".*.tmp"))
    warm = Content.open([pack], cache)
    assert warm.loaded == [] and len(warm.heads) == 60 and parses == []  # the index either left is whole


def test_stats_over_a_warm_index_loads_no_topic_and_says_what_every_card_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Titles, card ids and content hashes come from the index: not even the started cards' topics are loaded, and
    the figures (edited cards included) are those of the whole content."""
    from serverless_study.cli import app
    from serverless_study.cli.context import Env
    from serverless_study.model import CardState, Phase, Review
    from serverless_study.paths import shipped_content_dir
    from serverless_study.stats import Catalogue, compute

    pack, data = write_pack(tmp_path / "pack", 60), tmp_path / "data"

    def stats_json() -> Any:
        out = io.StringIO()
        env = Env(data_dir=Path(), stdout=out, clock=lambda: NOW, environ={"TZ": "UTC"})
        argv = ["--data-dir", str(data), "--content", str(pack), "--day-starts", "0", "stats", "--json"]
        assert CliRunner().invoke(app, argv, obj=env, catch_exceptions=False).exit_code == 0
        return json.loads(out.getvalue())

    stats_json()  # a cold run writes the index
    started = {"t5/c1/choice": "", "t5/f2/typed": "000000000000", "t41/c0/recall": ""}  # id → an old stored hash
    every = generate_cards(load_topics([shipped_content_dir(), pack]).topics)
    current = {c.id: c.content_hash for c in every}
    with Store.in_dir(data) as store:
        for n, (cid, kept) in enumerate(started.items()):
            state = CardState(cid, Phase.REVIEW, None, 3.0 + n, 5.0, NOW, NOW, lapses=9)
            review = Review(cid, NOW, Grade.GOOD, "", True, 0)
            store.record(review, state, previous=None, topic_id=cid.split("/")[0], content_hash=kept or current[cid])
    built: list[str] = []
    real = loader.topic_from_dict, loader.parse_file
    monkeypatch.setattr(loader, "topic_from_dict", lambda d: built.append(d["id"]) or real[0](d))
    monkeypatch.setattr(loader, "parse_file", lambda p: built.append(p.stem) or real[1](p))
    figures = stats_json()
    assert not set(built) & {f"t{i}" for i in range(60)}  # no topic of the pack was built, started or not
    monkeypatch.undo()
    topics = load_topics([shipped_content_dir(), pack]).topics
    with Store.in_dir(data) as store:
        whole = compute(
            store,
            Catalogue.of(every, {t.id: t for t in topics}),
            Scheduler(),
            now=NOW,
            calendar=Calendar(UTC, day_starts=0),
            new_per_day=20,
        )
    assert {k: v for k, v in figures.items() if k != "exams"} == json.loads(json.dumps(whole.to_dict()))
    assert figures["changed"] == ["t5/f2/typed"] and len(figures["leeches"]) == 3
    assert next(t for t in figures["topics"] if t["id"] == "t41")["title"] == "Topic number 41"
