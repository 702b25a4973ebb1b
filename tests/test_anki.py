"""The Anki export core: rows, GUIDs, escaping, files on disk, and a real import into Anki's own backend."""

from __future__ import annotations

import ast
import csv
import dataclasses
import html
import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from serverless_study import anki, fsutil
from serverless_study.anki import (
    COLUMNS,
    HEADER_LINES,
    AnkiExport,
    build_export,
    cloze_text,
    deck_name,
    note_guid,
    parent_deck,
    to_csv,
    write_export,
)
from serverless_study.errors import ExportError, UsageError
from serverless_study.loader import load_topics
from serverless_study.model import Fact, Image, Topic
from serverless_study.paths import shipped_content_dir
from serverless_study.sanitize import clean

from .conftest import FIXTURES

FIXTURE = FIXTURES / "anki"
GOLDEN = FIXTURE / "expected.csv"


def fixture_topics(folder: Path = FIXTURE) -> list[Topic]:
    result = load_topics([folder])
    assert result.problems == []
    return result.topics


def rows(csv_text: str) -> list[list[str]]:
    """Data rows the way Anki reads them: '#' lines at the start of a record are headers/comments."""
    body = "".join(line for line in io.StringIO(csv_text) if not line.startswith("#"))
    return list(csv.reader(io.StringIO(body), delimiter="\t"))


# --- the file's shape -------------------------------------------------------------------


def test_golden_csv_for_the_fixture_topics() -> None:
    actual = build_export(fixture_topics()).csv_text()
    if os.environ.get("UPDATE_GOLDENS") == "1":
        GOLDEN.write_text(actual, encoding="utf-8", newline="")
    assert actual == GOLDEN.read_text(encoding="utf-8"), "run with UPDATE_GOLDENS=1 and review the diff"


def test_headers_come_first_and_name_every_special_column() -> None:
    text = build_export(fixture_topics()).csv_text()
    lines = text.splitlines()
    assert lines[: len(HEADER_LINES)] == list(HEADER_LINES)
    assert lines[0] == "#separator:tab"  # must precede #columns, which is split with it
    for header in ("#html:true", "#guid column:1", "#notetype column:2", "#deck column:3", "#tags column:6"):
        assert header in lines
    assert COLUMNS[0] == "guid" and COLUMNS[1] == "notetype" and COLUMNS[2] == "deck" and COLUMNS[5] == "tags"


def test_every_row_has_the_same_column_count_and_a_unique_guid() -> None:
    data = rows(build_export(fixture_topics()).csv_text())
    assert len(data) == 8
    assert {len(r) for r in data} == {len(COLUMNS)}
    guids = [r[0] for r in data]
    assert len(set(guids)) == len(guids)
    assert all(g.isalnum() and not g.startswith("#") for g in guids)
    assert {r[1] for r in data} == {"Basic", "Cloze"}
    assert all(r[3] and r[4] for r in data)  # no empty first field, every back says something


def test_items_map_to_notes() -> None:
    export = build_export(fixture_topics())
    keys = [n.key for n in export.notes]
    assert keys == [
        "fx-containers/container/define",
        "fx-containers/vm-vs-container/table",
        "fx-containers/vm-vs-container/os/row",  # labelled rows get their own note...
        "fx-containers/vm-vs-container/boot/row",  # ...the unlabelled one only shows in the table
        "fx-containers/run-container/steps",
        "fx-x-ray/what-is-x-ray/cloze",
        "fx-x-ray/script/basic",
        "fx-x-ray/colons/cloze",
    ]
    by_key = {n.key: n for n in export.notes}
    table = by_key["fx-containers/vm-vs-container/table"].fields[1]
    assert table.startswith("<table><tr><th></th><th>Virtual machine</th><th>Container</th></tr>")
    assert "<td>—</td>" in table  # an empty cell is shown, not dropped
    steps = by_key["fx-containers/run-container/steps"].fields[1]
    assert steps.startswith("<ol><li>Build the image<br><small>From a Dockerfile.</small></li>")
    concept = by_key["fx-containers/container/define"]
    assert concept.fields[0].startswith("Define: <b>Container</b>")
    assert "<ul><li>Starts in seconds.</li>" in concept.fields[1]
    fact = by_key["fx-x-ray/script/basic"]
    assert fact.notetype == "Basic" and fact.fields[1].startswith('<b>Nothing: it is "text"</b>')
    assert all(
        n.fields[1].endswith(f"<small>Topic: {anki.text(t)}</small>")
        for n, t in zip(export.notes, ["Containers & VMs (fixture)"] * 5 + ["AWS X-Ray::Tracing"] * 3, strict=False)
    )
    assert export.card_count == len(export.notes) == 8


def test_cloze_facts_become_cloze_notes() -> None:
    by_key = {n.key: n for n in build_export(fixture_topics()).notes}
    cloze = by_key["fx-x-ray/what-is-x-ray/cloze"]
    assert cloze.notetype == "Cloze"
    assert cloze.fields[0] == "{{c1::AWS X-Ray}} traces requests through a distributed application."
    assert cloze.fields[1].startswith("X-Ray collects traces.<br>It draws a service map.")
    # '::' inside a gap would become an Anki hint; it must stay part of the answer
    assert cloze_text("follows {{a::b}} here") == "follows {{c1::a&#58;&#58;b}} here"
    assert cloze_text("<b> {{x & y}}") == "&lt;b&gt; {{c1::x &amp; y}}"


def test_content_text_is_escaped_never_markup() -> None:
    text = build_export(fixture_topics()).csv_text()
    assert "<script>" not in text
    assert "What does &lt;script&gt;alert(1)&lt;/script&gt; do in a card?" in text
    assert "Isolation comes from &lt;namespaces&gt; &amp; cgroups." in text
    assert "Containers &amp; VMs (fixture)" in text
    assert anki.text("a\nb\r\nc<br>") == "a<br>b<br>c&lt;br&gt;"


# Any text: markup, quotes, tabs, line breaks of every kind, controls (C0, DEL, C1, bidi) and wide characters.
CONTENT_TEXT = st.text(st.sampled_from("ab <>&\"'\t\n\r\x00\x1b\x7f\x85\u202e:{}—😀"), max_size=30) | st.text(
    max_size=30
)


@given(CONTENT_TEXT)
def test_text_and_attributes_are_html_escaped_and_cleaned(value: str) -> None:
    lines = value.replace("\r\n", "\n").replace("\r", "\n")
    assert anki.text(value) == clean(html.escape(lines, quote=False).replace("\n", "<br>"))
    assert anki.attribute(value) == html.escape(clean(value), quote=True)


@given(st.lists(CONTENT_TEXT, min_size=6, max_size=6))
def test_rows_are_quoted_as_the_csv_module_quotes_them(fields: list[str]) -> None:
    # csv quotes a carriage return only since Python 3.13; we always do (Anki reads it as a line break)
    assume(not any("\r" in f or "\x00" in f for f in fields))
    buf = io.StringIO()
    csv.writer(buf, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerow(fields)
    assert anki.csv_row(tuple(fields)) == buf.getvalue()
    assert next(csv.reader(io.StringIO(anki.csv_row(tuple(fields))), delimiter="\t")) == fields


def test_a_carriage_return_is_quoted() -> None:
    row = anki.csv_row(("a\rb", "c"))
    assert row == '"a\rb"\tc\n'
    assert next(csv.reader(io.StringIO(row, newline=""), delimiter="\t")) == ["a\rb", "c"]


def test_decks_are_one_level_per_topic_in_content_order() -> None:
    export = build_export(fixture_topics())
    assert export.decks == ("Serverless Study::Containers & VMs (fixture)", "Serverless Study::AWS X-Ray: Tracing")
    assert deck_name("P", "a :: b\nc") == "P::a: b c"
    assert parent_deck(" AWS :: Serverless ") == "AWS::Serverless"
    assert build_export(fixture_topics(), deck="My::Deck").decks[0] == "My::Deck::Containers & VMs (fixture)"
    with pytest.raises(UsageError, match="--deck"):
        parent_deck(" :: ")


def test_tags_are_root_topic_and_kind_without_spaces() -> None:
    export = build_export(fixture_topics())
    assert export.notes[0].tags == ("serverless-study", "fx-containers", "concept")
    assert {n.tags[2] for n in export.notes} == {"concept", "comparison", "sequence", "fact"}
    assert all(" " not in tag for n in export.notes for tag in n.tags)
    assert rows(export.csv_text())[-1][5] == "serverless-study fx-x-ray fact"


# --- identity -----------------------------------------------------------------------------


def test_guids_survive_rewording_but_not_a_new_id() -> None:
    topics = fixture_topics()
    before = {n.key: n.guid for n in build_export(topics).notes}
    x_ray = topics[1]
    reworded_fact = dataclasses.replace(x_ray.facts[1], prompt="Reworded?", answer="Other", explanation="New.")
    cloze = dataclasses.replace(x_ray.facts[0], cloze="Now {{X-Ray}} reads differently.")
    reworded = dataclasses.replace(x_ray, title="Renamed", facts=(cloze, reworded_fact, x_ray.facts[2]))
    after = build_export([topics[0], reworded], deck="Elsewhere").notes
    assert {n.key: n.guid for n in after} == before
    assert after[-2].fields[0] == "Reworded?"
    assert note_guid("fx-x-ray/script/basic") == before["fx-x-ray/script/basic"]
    assert note_guid("fx-x-ray/script2/basic") != note_guid("fx-x-ray/script/basic")
    # a fact that gains a cloze becomes a different note type, so it gets its own note
    assert note_guid("t/f/cloze") != note_guid("t/f/basic")


# --- images and files ------------------------------------------------------------------------


def test_images_go_on_the_back_of_their_topics_notes() -> None:
    export = build_export(fixture_topics())
    assert [m.name for m in export.media] == ["vm-vs-containers.svg"]
    for note in export.notes:
        has_image = '<img src="vm-vs-containers.svg"' in note.fields[1]
        assert has_image == note.key.startswith("fx-containers/")
        assert "<img" not in note.fields[0]


def test_two_images_with_one_file_name_get_distinct_media_names(tmp_path: Path) -> None:
    def topic(tid: str, folder: str) -> Topic:
        return Topic(
            id=tid,
            title=tid,
            facts=(Fact("f", "Q?", "A"),),
            images=(Image(tmp_path / folder / "d.svg", "", f"{folder}/d.svg"),),
        )

    export = build_export([topic("a", "one"), topic("b", "two"), topic("c", "one")])
    assert [m.name for m in export.media] == ["d.svg", "b-d.svg"]
    assert '<img src="d.svg"' in export.notes[2].fields[1]  # same file, same name


def test_write_copies_images_beside_the_csv_and_is_byte_identical(tmp_path: Path) -> None:
    export = build_export(fixture_topics())
    first, second = tmp_path / "one" / "out.csv", tmp_path / "two" / "out.csv"
    first.parent.mkdir()
    second.parent.mkdir()
    assert write_export(export, first) == [first.parent / "vm-vs-containers.svg"]
    write_export(build_export(fixture_topics()), second)
    assert first.read_bytes() == second.read_bytes() == GOLDEN.read_bytes()
    image = (FIXTURE / "images" / "vm-vs-containers.svg").read_bytes()
    assert (first.parent / "vm-vs-containers.svg").read_bytes() == image
    assert sorted(p.name for p in first.parent.iterdir()) == ["out.csv", "vm-vs-containers.svg"]


def test_a_missing_image_is_an_error_and_nothing_is_written(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(FIXTURE, pack)
    out = tmp_path / "out"
    out.mkdir()
    (pack / "images" / "vm-vs-containers.svg").unlink()
    with pytest.raises(ExportError) as info:
        build_export(load_topics([pack]).topics)
    assert str(info.value) == (
        f"{pack / '01-containers.yaml'}:6: image not found: images/vm-vs-containers.svg; "
        "fix the image or leave topic 'fx-containers' out of the export (--topic)"
    )
    # Checked again when written: an image that went missing (or changed) after loading stops the export too.
    shutil.copy(FIXTURE / "images" / "vm-vs-containers.svg", pack / "images")
    export = build_export(fixture_topics(pack))
    (pack / "images" / "vm-vs-containers.svg").write_text("<html><script>alert(1)</script></html>")
    with pytest.raises(ExportError) as info:
        write_export(export, out / "a.csv")
    assert str(info.value) == (
        f"{pack / '01-containers.yaml'}: images/vm-vs-containers.svg: the file is not an SVG image "
        "(its root element is <html>, not <svg>)"
    )
    assert list(out.iterdir()) == []


def test_bad_destinations_are_clear_errors(tmp_path: Path) -> None:
    export = build_export(fixture_topics())
    with pytest.raises(ExportError, match="does not exist"):
        write_export(export, tmp_path / "missing" / "a.csv")
    with pytest.raises(ExportError, match="is a folder"):
        write_export(export, tmp_path)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ExportError, match="is not a folder"):
        write_export(export, tmp_path / "file" / "a.csv")


def test_an_unwritable_folder_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(path, flags, mode=0o777):  # type: ignore[no-untyped-def]
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(fsutil.os, "open", refuse)
    with pytest.raises(ExportError) as info:
        write_export(build_export(fixture_topics()), tmp_path / "a.csv")
    assert str(info.value) == f"cannot write {tmp_path / 'a.csv'}: Permission denied"
    assert list(tmp_path.iterdir()) == [tmp_path / "home"]


def test_an_interrupted_export_leaves_the_old_file_and_no_temporary_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out.csv"
    out.write_text("old export\n")

    def interrupted(src, dst):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(fsutil.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_export(build_export(fixture_topics()), out)
    assert out.read_text() == "old export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "out.csv"]


def test_the_core_never_imports_the_cli_or_anki_itself() -> None:
    tree = ast.parse(Path(anki.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    imported |= {
        node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not imported & {"typer", "rich", "questionary", "anki", "click", "yaml", "fsrs"}


def test_shipped_content_exports_with_a_deck_per_topic() -> None:
    topics = load_topics([shipped_content_dir()]).topics
    assert topics, "no shipped content loaded"
    export = build_export(topics)
    data = rows(export.csv_text())
    assert len(data) == len(export.notes) > 0
    assert {len(r) for r in data} == {len(COLUMNS)}
    assert len({r[0] for r in data}) == len(data)
    assert len(export.decks) == len(topics)
    assert all(r[3].strip() for r in data)


# --- a real import into Anki -------------------------------------------------------------------


@pytest.fixture
def collection(tmp_path: Path) -> Iterator[Any]:
    from anki.collection import Collection

    col = Collection(str(tmp_path / "collection.anki2"))
    try:
        yield col
    finally:
        col.close()


def import_into(col: Any, path: Path) -> tuple[Any, Any]:
    """What File > Import does with no changes in the dialog: read the file's metadata, import with it."""
    from anki.import_export_pb2 import ImportCsvRequest

    metadata = col.get_csv_metadata(path=str(path), delimiter=None)
    return metadata, col.import_csv(ImportCsvRequest(path=str(path), metadata=metadata)).log


def export_to(topics: list[Topic], path: Path) -> AnkiExport:
    export = build_export(topics)
    write_export(export, path)
    return export


@pytest.mark.slow
def test_real_import_into_a_fresh_collection_then_update(collection: Any, tmp_path: Path) -> None:
    col = collection
    out = tmp_path / "out.csv"
    export_to(fixture_topics(), out)

    metadata, log = import_into(col, out)
    assert metadata.is_html and metadata.guid_column == 1 and metadata.tags_column == 6
    assert metadata.notetype_column == 2 and metadata.deck_column == 3
    assert (len(log.missing_notetype), len(log.missing_deck), len(log.empty_first_field)) == (0, 0, 0)
    assert (len(log.new), len(log.updated), len(log.duplicate), len(log.conflicting)) == (8, 0, 0, 0)
    assert col.note_count() == 8 and col.card_count() == 8
    names = {d.name for d in col.decks.all_names_and_ids()}
    assert {
        "Serverless Study",
        "Serverless Study::Containers & VMs (fixture)",
        "Serverless Study::AWS X-Ray: Tracing",
    } <= names
    assert len(col.find_cards('"deck:Serverless Study::Containers & VMs (fixture)"')) == 5
    assert len(col.find_notes("tag:fx-x-ray tag:fact tag:serverless-study")) == 3

    # Cloze notes render their cloze; escaped content arrives as text; images are referenced on the back
    card = col.get_card(col.find_cards('"AWS X-Ray" note:Cloze')[0])
    assert "[...]</span> traces requests" in card.question()
    assert ">AWS X-Ray</span> traces requests" in card.answer()
    assert "X-Ray collects traces.<br>It draws a service map." in card.answer()
    script = col.get_note(col.find_notes("note:Basic tag:fx-x-ray")[0])
    assert script["Front"] == "What does &lt;script&gt;alert(1)&lt;/script&gt; do in a card?"
    assert script.guid == note_guid("fx-x-ray/script/basic")
    concept = col.get_note(col.find_notes("tag:concept")[0])
    assert '<img src="vm-vs-containers.svg"' in concept["Back"]

    # the same file again changes nothing
    _, again = import_into(col, out)
    assert (len(again.new), len(again.updated), len(again.duplicate)) == (0, 0, 8)

    # an edited pack: exactly the edited notes are updated, none added
    pack = tmp_path / "pack"
    shutil.copytree(FIXTURE, pack)
    yaml = pack / "02-x-ray.yaml"
    yaml.write_text(
        yaml.read_text(encoding="utf-8")
        .replace("What does <script>", "What would <script>")
        .replace("It draws a service map.", "It also draws a service map."),
        encoding="utf-8",
    )
    export_to(fixture_topics(pack), tmp_path / "v2.csv")
    _, update = import_into(col, tmp_path / "v2.csv")
    assert (len(update.new), len(update.updated), len(update.duplicate), len(update.conflicting)) == (0, 2, 6, 0)
    assert col.note_count() == 8 and col.card_count() == 8
    assert col.get_note(script.id)["Front"].startswith("What would &lt;script&gt;")


@pytest.mark.slow
def test_shipped_content_imports_into_anki_with_every_topics_deck(collection: Any, tmp_path: Path) -> None:
    topics = load_topics([shipped_content_dir()]).topics
    export = build_export(topics)
    out = tmp_path / "shipped.csv"
    out.write_text(to_csv(export.notes), encoding="utf-8")  # images are checked by the CLI test, not here
    _, log = import_into(collection, out)
    assert (len(log.missing_notetype), len(log.missing_deck), len(log.empty_first_field)) == (0, 0, 0)
    assert len(log.new) == len(export.notes)
    assert collection.card_count() == export.card_count
    names = {d.name for d in collection.decks.all_names_and_ids()}
    assert set(export.decks) <= names
    for t in topics:
        assert deck_name("Serverless Study", t.title) in names
