"""The Anki package core: note types, notes, escaping, the ledger of times, stable bytes, files on disk."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import shutil
import sqlite3
import zipfile
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from serverless_study import apkg, fsutil
from serverless_study.anki import build_export, note_guid
from serverless_study.apkg import (
    BASIC,
    CLOZE,
    NOTE_TYPES,
    STYLESHEET,
    TYPED,
    Ledger,
    Package,
    build_package,
    deck_id,
    is_type_in,
    package_bytes,
    read_ledger,
    stamp,
    write_package,
)
from serverless_study.errors import ExportError, UsageError
from serverless_study.loader import load_topics
from serverless_study.model import Fact, Topic

from .conftest import FIXTURES
from .golden import assert_golden

PACKS = [FIXTURES / "anki", FIXTURES / "apkg"]
T1 = datetime(2020, 1, 1, 12, 0, tzinfo=UTC)


def fixture_topics(folders: list[Path] = PACKS) -> list[Topic]:
    result = load_topics(folders)
    assert result.problems == []
    return result.topics


def by_key(package: Package) -> dict[str, apkg.PackageNote]:
    return {n.key: n for n in package.notes}


# --- note types -------------------------------------------------------------------------------


def test_golden_note_types_and_stylesheet() -> None:
    parts = []
    for nt in NOTE_TYPES:
        parts.append(f"== {nt.name} (id {nt.id}, {'cloze' if nt.cloze else 'front/back'})")
        parts.append("fields: " + ", ".join(nt.fields))
        parts.append(f"-- front\n{nt.front}\n-- back\n{nt.back}\n")
    parts.append(f"== stylesheet\n{STYLESHEET}")
    assert_golden("apkg-note-types.txt", "\n".join(parts))


def test_note_types_have_distinct_ids_and_the_fields_their_templates_use() -> None:
    assert len({nt.id for nt in NOTE_TYPES}) == 3
    assert all((1 << 30) <= nt.id < (1 << 31) for nt in NOTE_TYPES)
    for nt in NOTE_TYPES:
        used = {f for f in nt.fields if f"{{{{{f}}}}}" in nt.front + nt.back or f":{f}}}}}" in nt.front + nt.back}
        assert used == set(nt.fields), nt.name
    assert "{{type:Answer}}" in TYPED.front and "{{type:Answer}}" in TYPED.back
    assert "{{cloze:Text}}" in CLOZE.front and CLOZE.cloze and not BASIC.cloze


def css_rules(css: str) -> dict[str, str]:
    return {sel.strip(): body for sel, body in re.findall(r"([^{}]+)\{([^}]*)\}", css)}


def test_stylesheet_leaves_text_and_background_to_anki_and_colours_accents_per_mode() -> None:
    rules = css_rules(STYLESHEET)
    night = rules[".card.nightMode, .nightMode .card, .night_mode .card"]
    # Anki's light and dark themes set the text and background colours; ours would fight them
    assert not re.search(r"(^|[;\s])(color|background(-color)?):", rules[".card"])
    light_vars = set(re.findall(r"(--ss-[a-z]+):", rules[".card"]))
    assert set(re.findall(r"(--ss-[a-z]+):", night)) == light_vars - {"--ss-head"}  # translucent: fits both
    for selector, body in rules.items():
        for value in re.findall(r"(?:^|[;\s])(?:color|background):\s*([^;]+)", body):
            assert value.startswith("var(--ss-") or "night" in selector.lower(), (selector, value)
    for selector in ("table", "th, td", "th", "ol, ul", ".cloze", "input#typeans", "img"):
        assert selector in rules


# --- notes ------------------------------------------------------------------------------------


def test_every_csv_note_is_in_the_package_with_its_guid_and_tags() -> None:
    topics = fixture_topics()
    csv_notes = {n.key: n for n in build_export(topics).notes}
    package = build_package(topics)
    typed = {n.key for n in package.notes if n.note_type is TYPED}
    assert typed == {"fx-typed/runtime/typed", "fx-typed/evil-typed/typed"}
    # same notes, same order; a typed fact is the CSV's basic note under its own key
    assert [n.key.replace("/typed", "/basic") for n in package.notes] == list(csv_notes)
    for note in package.notes:
        csv_note = csv_notes[note.key.replace("/typed", "/basic")]
        assert note.tags == csv_note.tags
        assert note.guid == note_guid(note.key)
        assert (note.note_type is CLOZE) == (csv_note.notetype == "Cloze")
        assert note.fields[0] == csv_note.fields[0]
        assert len(note.fields) == len(note.note_type.fields)
    assert len({n.guid for n in package.notes}) == len(package.notes)


def test_fields_by_note_type() -> None:
    notes = by_key(build_package(fixture_topics()))
    runtime = notes["fx-typed/runtime/typed"]
    assert runtime.fields[0] == "Which AWS service runs your code without servers?"
    _, answer, back, topic, source = runtime.fields
    assert answer == "Lambda"
    assert back.startswith('You upload code; AWS runs it on demand.<br><br><img src="typed-diagram.svg"')
    assert topic == "&lt;i&gt;Typed&lt;/i&gt; &amp; &lt;script&gt;alert('title')&lt;/script&gt;"
    assert source == ""
    table = notes["fx-containers/vm-vs-container/table"]
    assert table.note_type is BASIC and table.fields[1].startswith("<table><tr><th></th><th>Virtual machine</th>")
    steps = notes["fx-containers/run-container/steps"].fields[1]
    assert steps.startswith("<ol><li>Build the image<br><small>From a Dockerfile.</small></li>")
    cloze = notes["fx-x-ray/what-is-x-ray/cloze"]
    assert cloze.fields[:3] == (
        "{{c1::AWS X-Ray}} traces requests through a distributed application.",
        "X-Ray collects traces.<br>It draws a service map.",
        "AWS X-Ray::Tracing",
    )
    # the topic line is a field of its own, not part of the back
    assert all("Topic:" not in n.fields[1] for n in notes.values())


def test_which_facts_become_type_in_notes() -> None:
    def fact(answer: str, **kw: object) -> Fact:
        return Fact("f", "Q?", answer, **kw)  # type: ignore[arg-type]

    assert is_type_in(fact("Lambda"))
    assert is_type_in(fact("Open Container Initiative"))
    assert not is_type_in(fact("Lambda", accept=("AWS Lambda",)))  # Anki would mark the alternative wrong
    assert not is_type_in(fact("Lambda", cloze="{{Lambda}} runs code"))  # a cloze note instead
    assert not is_type_in(fact("Clusters, services and tasks"))
    assert not is_type_in(fact("ECS or EKS"))
    assert not is_type_in(fact("Auto scaling and per-second billing"))
    assert not is_type_in(fact("Add tracing headers and send trace data to X-Ray"))
    assert not is_type_in(fact("x" * 41))


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html_text: str) -> _Tags:
    parser = _Tags()
    parser.feed(html_text)
    parser.close()
    return parser


def test_markup_in_a_content_pack_is_text_in_every_field() -> None:
    package = build_package([t for t in fixture_topics() if t.id == "fx-typed"])
    allowed = {"b", "br", "small", "ul", "ol", "li", "table", "tr", "th", "td", "img"}
    seen_text = []
    for note in package.notes:
        for value in note.fields:
            parsed = parse(value)
            assert {tag for tag, _ in parsed.tags} <= allowed, (note.key, value)
            for tag, attrs in parsed.tags:
                assert tag == "img" or attrs == [], (note.key, value)
                assert all(name in ("src", "alt") for name, _ in attrs)
                assert dict(attrs).get("src") in (None, "typed-diagram.svg")
            seen_text.append("".join(parsed.text))
    text = "\n".join(seen_text)
    for original in (
        "<script>alert('term')</script>",
        "<iframe src=javascript:alert('definition')>",
        "<b onmouseover=alert('point')>point</b>",
        "<u>alias</u>",
        "<script>alert('table')</script>",
        "<th>col</th>",
        "<td>cell</td>",
        "<tr>label</tr>",
        "<style>body{display:none}</style>",
        "<ol>steps</ol>",
        "<li>first</li>",
        "<script>alert('detail')</script>",
        "<a href=javascript:alert('note')>note</a>",
        "<script>alert('prompt')</script> which tag?",
        "<blink>",
        "<script>alert('explanation')</script>",
        "<script>alert('cloze')</script>",
        "<img src=x onerror=alert('caption')>",
        "<i>Typed</i> & <script>alert('title')</script>",
    ):
        assert original in text, original  # shown as written, never run
    # deck descriptions are HTML in Anki too
    assert (
        package.topic_decks[0].description
        == "A &lt;b&gt;summary&lt;/b&gt; with &lt;script&gt;alert('summary')&lt;/script&gt;"
    )


def test_decks_one_per_topic_with_ids_from_the_topic_id() -> None:
    topics = fixture_topics()
    package = build_package(topics, deck="AWS :: Study")
    assert [d.name for d in package.decks] == [
        "AWS::Study",
        "AWS::Study::Containers & VMs (fixture)",
        "AWS::Study::AWS X-Ray: Tracing",
        "AWS::Study::<i>Typed</i> & <script>alert('title')</script>",
    ]
    assert [d.id for d in package.topic_decks] == [deck_id(t.id) for t in topics]
    assert len({d.id for d in package.decks}) == 4
    renamed = [dataclasses.replace(t, title=f"Renamed {t.title}") for t in topics]
    assert [d.id for d in build_package(renamed).topic_decks] == [d.id for d in package.topic_decks]
    assert all(n.deck_id == deck_id(n.key.split("/")[0]) for n in package.notes)
    with pytest.raises(UsageError, match="--deck"):
        build_package(topics, deck="::")


def test_images_are_media_named_by_file_name() -> None:
    package = build_package(fixture_topics())
    assert [m.name for m in package.media] == ["vm-vs-containers.svg", "typed-diagram.svg"]
    for note in package.notes:
        srcs = {dict(attrs)["src"] for tag, attrs in parse("".join(note.fields)).tags if tag == "img"}
        expected = {"fx-containers": {"vm-vs-containers.svg"}, "fx-typed": {"typed-diagram.svg"}}
        assert srcs == expected.get(note.key.split("/")[0], set()), note.key


# --- the ledger -------------------------------------------------------------------------------


def test_ledger_keeps_times_of_unchanged_notes_and_moves_changed_ones_forward() -> None:
    topics = fixture_topics()
    package = build_package(topics)
    first = stamp(package, Ledger(), T1)
    assert first.changed == len(package.notes)
    assert set(first.notes.values()) == {int(T1.timestamp())}
    assert set(first.note_types) == {nt.id for nt in NOTE_TYPES}

    later = T1 + timedelta(days=1)
    again = stamp(package, first.ledger, later)
    assert again.changed == 0 and again.notes == first.notes and again.ledger == first.ledger

    x_ray = next(t for t in topics if t.id == "fx-x-ray")
    reworded = dataclasses.replace(x_ray.facts[1], explanation="Reworded.")
    edited = [
        dataclasses.replace(x_ray, facts=(x_ray.facts[0], reworded, x_ray.facts[2])) if t is x_ray else t
        for t in topics
    ]
    third = stamp(build_package(edited), again.ledger, later)
    guid = note_guid("fx-x-ray/script/basic")
    assert third.changed == 1
    assert third.notes[guid] == int(later.timestamp())
    assert {g: s for g, s in third.notes.items() if g != guid} == {g: s for g, s in first.notes.items() if g != guid}

    # an edit within the same second, or with a clock that went back, still looks newer
    back_again = stamp(package, third.ledger, T1)
    assert back_again.notes[guid] == int(later.timestamp()) + 1


def test_ledger_round_trips_and_a_broken_one_is_a_clear_error(tmp_path: Path) -> None:
    ledger = stamp(build_package(fixture_topics()), Ledger(), T1).ledger
    assert Ledger.from_json(ledger.to_json()) == ledger
    path = tmp_path / "ledger.json"
    assert read_ledger(path) == Ledger()  # none yet: every note is new
    path.write_text(ledger.to_json())
    assert read_ledger(path) == ledger
    for broken in ("{", '{"format": 2, "entries": {}}', '{"format": 1, "entries": {"g": ["h", "1"]}}', "[]"):
        path.write_text(broken)
        with pytest.raises(ExportError) as info:
            read_ledger(path)
        assert str(info.value).startswith(f"cannot read {path}: ") and "\n" not in str(info.value)


# --- bytes ------------------------------------------------------------------------------------


def media_of(package: Package) -> dict[str, bytes]:
    return {m.name: m.source.read_bytes() for m in package.media}


def test_the_same_content_gives_the_same_bytes() -> None:
    package = build_package(fixture_topics())
    stamps = stamp(package, Ledger(), T1)
    first = package_bytes(package, stamps, media_of(package))
    again = package_bytes(build_package(fixture_topics()), stamp(package, Ledger(), T1), media_of(package))
    assert first == again
    later = stamp(package, stamps.ledger, T1 + timedelta(days=3))  # nothing changed: times from the ledger
    assert package_bytes(package, later, media_of(package)) == first
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        assert [i.filename for i in z.infolist()] == ["collection.anki2", "media", "0", "1"]
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert {i.external_attr >> 16 for i in z.infolist()} == {0o644}
        assert json.loads(z.read("media")) == {"0": "vm-vs-containers.svg", "1": "typed-diagram.svg"}
        assert z.read("1") == (FIXTURES / "apkg" / "images" / "typed-diagram.svg").read_bytes()


def test_the_collection_carries_each_notes_own_time_and_ids_from_it(tmp_path: Path) -> None:
    package = build_package(fixture_topics())
    stamps = stamp(package, Ledger(), T1)
    edited = dict(stamps.notes)
    guid = note_guid("fx-x-ray/script/basic")
    edited[guid] += 3600
    data = package_bytes(package, dataclasses.replace(stamps, notes=edited), media_of(package))
    db_file = tmp_path / "collection.anki2"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        db_file.write_bytes(z.read("collection.anki2"))
    db = sqlite3.connect(db_file)
    try:
        notes = db.execute("SELECT guid, id, mod FROM notes").fetchall()
        cards = db.execute("SELECT id, nid, mod, due FROM cards").fetchall()
        (models,) = db.execute("SELECT models FROM col").fetchone()
    finally:
        db.close()
    assert {g: mod for g, _, mod in notes} == edited
    # a note's id is its time in ms (Anki shows it as the day it was added), one apart within a second
    t1 = int(T1.timestamp()) * 1000
    ids = {g: nid for g, nid, _ in notes}
    assert [ids[n.guid] for n in package.notes if n.guid != guid] == list(range(t1, t1 + len(package.notes) - 1))
    assert ids[guid] == t1 + 3600 * 1000
    note_of = {nid: (g, mod) for g, nid, mod in notes}
    assert len(cards) == len(package.notes) and len({c[0] for c in cards}) == len(cards)
    for card_id, nid, mod, due in cards:
        assert card_id == nid and mod == note_of[nid][1]
        assert due == [n.guid for n in package.notes].index(note_of[nid][0]) + 1
    assert {m["name"]: m["mod"] for m in json.loads(models).values()} == {
        nt.name: stamps.note_types[nt.id] for nt in NOTE_TYPES
    }


# --- files on disk ----------------------------------------------------------------------------


def test_write_is_atomic_and_records_the_ledger(tmp_path: Path) -> None:
    out, ledger = tmp_path / "out.apkg", tmp_path / "data" / "ledger.json"
    out.write_bytes(b"an older package")
    written = write_package(build_package(fixture_topics()), out, ledger, T1)
    assert (written.notes, written.decks, written.images, written.changed) == (17, 3, 2, 17)
    assert zipfile.is_zipfile(out) and ledger.is_file()
    first = out.read_bytes()
    again = write_package(build_package(fixture_topics()), tmp_path / "again.apkg", ledger, T1 + timedelta(hours=5))
    assert again.changed == 0 and (tmp_path / "again.apkg").read_bytes() == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.apkg", "data", "home", "out.apkg"]


def test_bad_destinations_are_one_line_errors_and_write_nothing(tmp_path: Path) -> None:
    package = build_package(fixture_topics())
    ledger = tmp_path / "data" / "ledger.json"
    with pytest.raises(ExportError, match=r"^cannot write .*missing/a\.apkg: .*missing does not exist$"):
        write_package(package, tmp_path / "missing" / "a.apkg", ledger, T1)
    (tmp_path / "folder.apkg").mkdir()
    with pytest.raises(ExportError, match="is a folder; give a file name such as"):
        write_package(package, tmp_path / "folder.apkg", ledger, T1)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ExportError, match="is not a folder"):
        write_package(package, tmp_path / "file" / "a.apkg", ledger, T1)
    with pytest.raises(UsageError, match=r"must end in \.apkg"):
        write_package(package, tmp_path / "a.csv", ledger, T1)
    assert not ledger.parent.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "folder.apkg", "home"]


def test_an_unwritable_folder_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(path, flags, mode=0o777):  # type: ignore[no-untyped-def]
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(fsutil.os, "open", refuse)
    with pytest.raises(ExportError) as info:
        write_package(build_package(fixture_topics()), tmp_path / "a.apkg", tmp_path / "data" / "l.json", T1)
    assert str(info.value) == f"cannot write {tmp_path / 'a.apkg'}: Permission denied"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]


def test_an_unwritable_ledger_leaves_no_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = tmp_path / "data" / "ledger.json"
    real_replace = fsutil.os.replace

    def refuse_ledger(src, dst):  # type: ignore[no-untyped-def]
        if Path(dst) == ledger:
            raise PermissionError(13, "Permission denied", str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(fsutil.os, "replace", refuse_ledger)
    with pytest.raises(ExportError) as info:
        write_package(build_package(fixture_topics()), tmp_path / "a.apkg", ledger, T1)
    assert str(info.value) == f"cannot write {ledger}: Permission denied"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "home"]
    assert list(ledger.parent.iterdir()) == []


def test_a_ledger_that_cannot_be_read_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be")
    with pytest.raises(ExportError) as info:
        write_package(build_package(fixture_topics()), tmp_path / "a.apkg", blocker / "ledger.json", T1)
    assert str(info.value) == f"cannot read {blocker / 'ledger.json'}: Not a directory"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "home"]


def test_an_interrupted_export_keeps_the_old_file_and_the_ledger_is_not_older(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, ledger = tmp_path / "out.apkg", tmp_path / "l.json"
    out.write_bytes(b"old package")
    real_replace = fsutil.os.replace

    def interrupted(src, dst):  # type: ignore[no-untyped-def]
        if Path(dst) == out:
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(fsutil.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_package(build_package(fixture_topics()), out, ledger, T1)
    assert out.read_bytes() == b"old package"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "l.json", "out.apkg"]


def test_a_missing_image_is_an_error_and_nothing_is_written(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(FIXTURES / "apkg", pack)
    out = tmp_path / "out"
    out.mkdir()
    (pack / "images" / "typed-diagram.svg").unlink()
    with pytest.raises(ExportError) as info:
        build_package(load_topics([pack]).topics)
    assert str(info.value) == (
        f"{pack / '03-typed.yaml'}:6: image not found: images/typed-diagram.svg; "
        "fix the image or leave topic 'fx-typed' out of the export (--topic)"
    )
    # Checked again when written: an image that changed after loading stops the package too.
    shutil.copy(FIXTURES / "apkg" / "images" / "typed-diagram.svg", pack / "images")
    package = build_package(fixture_topics([pack]))
    (pack / "images" / "typed-diagram.svg").write_text("not an svg")
    with pytest.raises(ExportError) as info:
        write_package(package, out / "a.apkg", out / "l.json", T1)
    assert str(info.value).startswith(f"{pack / '03-typed.yaml'}: images/typed-diagram.svg: the file is not an SVG")
    assert list(out.iterdir()) == []
