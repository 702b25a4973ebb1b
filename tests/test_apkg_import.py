"""The package in Anki's own backend: fresh English and German collections, re-imports, updates, CSV users."""

from __future__ import annotations

import contextlib
import shutil
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from serverless_study import apkg
from serverless_study.anki import build_export, note_guid, write_export
from serverless_study.apkg import TYPED, Package, build_package, write_package
from serverless_study.loader import load_topics
from serverless_study.model import Topic
from serverless_study.paths import shipped_content_dir

from .conftest import FIXTURES

pytestmark = pytest.mark.slow

PACKS = [FIXTURES / "anki", FIXTURES / "apkg"]
T1 = datetime(2020, 1, 1, 12, 0, tzinfo=UTC)  # before any edit a learner makes in these tests
# Anki's stock note types are named in the collection's language; our package must not depend on them.
STOCK_TYPES = {"en": {"Basic", "Cloze"}, "de": {"Einfach", "Lückentext"}}


def topics_from(folders: list[Path]) -> list[Topic]:
    result = load_topics(folders)
    assert result.problems == []
    return result.topics


@contextlib.contextmanager
def fresh_collection(folder: Path, lang: str) -> Iterator[Any]:
    """A new collection whose backend speaks `lang`, as Anki in that language creates it."""
    from anki._backend import RustBackend
    from anki.collection import Collection

    folder.mkdir()
    col = Collection(str(folder / "collection.anki2"), backend=RustBackend(langs=[lang]))
    assert STOCK_TYPES[lang] <= {m["name"] for m in col.models.all()}
    try:
        yield col
    finally:
        col.close()


@pytest.fixture(params=["en", "de"])
def collection(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    with fresh_collection(tmp_path / f"anki-{request.param}", request.param) as col:
        yield col


def import_package(col: Any, path: Path) -> Any:
    """What File > Import does with a package and the dialog's defaults: update notes and note types if newer."""
    from anki.import_export_pb2 import (
        IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER as IF_NEWER,
    )
    from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    options = ImportAnkiPackageOptions(merge_notetypes=False, update_notes=IF_NEWER, update_notetypes=IF_NEWER)
    return col.import_anki_package(ImportAnkiPackageRequest(package_path=str(path), options=options)).log


def counts(log: Any) -> tuple[int, int, int, int]:
    return len(log.new), len(log.updated), len(log.duplicate), len(log.conflicting)


def export(topics: list[Topic], path: Path, ledger: Path, now: datetime) -> Package:
    package = build_package(topics)
    write_package(package, path, ledger, now)
    return package


def check_fresh_import(col: Any, package: Package, log: Any) -> None:
    n = len(package.notes)
    assert log.found_notes == n
    assert counts(log) == (n, 0, 0, 0)
    assert (len(log.missing_notetype), len(log.missing_deck), len(log.empty_first_field)) == (0, 0, 0)
    assert col.note_count() == n and col.card_count() == n  # each note makes its one card
    assert list(col.get_empty_cards().notes) == []
    names = {d.name for d in col.decks.all_names_and_ids()}
    assert {d.name for d in package.decks} <= names
    per_deck = Counter(note.deck_id for note in package.notes)
    for deck in package.topic_decks:
        assert len(col.find_cards(f'"deck:{deck.name}" -"deck:{deck.name}::*"')) == per_deck[deck.id], deck.name
    media = col.media.check()
    assert (list(media.missing), list(media.unused), list(media.missing_media_notes)) == ([], [], [])
    assert sorted(Path(col.media.dir()).iterdir()) == sorted(Path(col.media.dir()) / m.name for m in package.media)
    # new cards come in content order: Anki keeps a new card's position in the new queue
    dues = dict(col.db.all("SELECT n.guid, c.due FROM cards c JOIN notes n ON n.id = c.nid"))
    assert [dues[note.guid] for note in package.notes] == list(range(1, n + 1))
    typed = [note for note in package.notes if note.note_type is TYPED]
    typed_cards = col.find_cards(f'"note:{TYPED.name}"')
    assert len(typed_cards) == len(typed)
    for cid in typed_cards:
        assert "[[type:Answer]]" in col.get_card(cid).question()  # Anki's reviewer puts its answer box here


def test_fixture_package_imports_completely_then_adds_nothing_again(collection: Any, tmp_path: Path) -> None:
    col = collection
    out = tmp_path / "fixture.apkg"
    package = export(topics_from(PACKS), out, tmp_path / "ledger.json", T1)
    assert sum(n.note_type is TYPED for n in package.notes) == 2
    check_fresh_import(col, package, import_package(col, out))

    # what the learner sees: escaped content as text, a type-in box, images by file name
    added = {col.get_note(nid).guid: nid // 1000 for nid in col.find_notes("tag:serverless-study")}
    assert added == {note.guid: int(T1.timestamp()) for note in package.notes}  # added when first exported
    note = col.get_note(col.find_notes(f'"note:{TYPED.name}" Lambda')[0])
    assert note.guid == note_guid("fx-typed/runtime/typed") and note["Answer"] == "Lambda"
    assert sorted(note.tags) == ["fact", "fx-typed", "serverless-study"]
    evil = col.get_card(col.find_cards("tag:fx-typed tag:concept")[0])
    assert "&lt;script&gt;alert('term')&lt;/script&gt;" in evil.question() and "<script>alert" not in evil.answer()
    assert '<img src="typed-diagram.svg"' in evil.answer()

    # an escaped answer is compared as the text it shows; Anki's check is exact, case included
    blink = col.get_note(col.find_notes(f'"note:{TYPED.name}" "which tag"')[0])
    assert "typeBad" not in col.compare_answer(blink["Answer"], "<blink>")
    assert "typeBad" in col.compare_answer(note["Answer"], "lambda")

    again = import_package(col, out)
    assert counts(again) == (0, 0, len(package.notes), 0)
    assert col.note_count() == len(package.notes)


def test_a_new_stylesheet_reaches_the_collection_without_touching_notes(
    collection: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    col = collection
    ledger = tmp_path / "ledger.json"
    package = export(topics_from(PACKS), tmp_path / "v1.apkg", ledger, T1)
    import_package(col, tmp_path / "v1.apkg")
    monkeypatch.setattr(apkg, "STYLESHEET", apkg.STYLESHEET + ".ss-new { color: var(--ss-accent); }\n")
    export(topics_from(PACKS), tmp_path / "v2.apkg", ledger, T1 + timedelta(days=1))
    log = import_package(col, tmp_path / "v2.apkg")
    assert counts(log) == (0, 0, len(package.notes), 0)
    for nt in apkg.NOTE_TYPES:
        assert col.models.by_name(nt.name)["css"].endswith(".ss-new { color: var(--ss-accent); }\n"), nt.name
    ours = sorted(m["name"] for m in col.models.all() if m["name"].startswith("Serverless Study"))
    assert ours == sorted(nt.name for nt in apkg.NOTE_TYPES)  # updated in place, not imported as copies


def test_shipped_content_imports_completely(collection: Any, tmp_path: Path) -> None:
    col = collection
    out = tmp_path / "shipped.apkg"
    package = export(topics_from([shipped_content_dir()]), out, tmp_path / "ledger.json", T1)
    check_fresh_import(col, package, import_package(col, out))
    assert counts(import_package(col, out)) == (0, 0, len(package.notes), 0)


def test_a_reworded_explanation_updates_one_note_and_a_learners_edit_survives(collection: Any, tmp_path: Path) -> None:
    col = collection
    ledger = tmp_path / "data" / "ledger.json"
    package = export(topics_from(PACKS), tmp_path / "v1.apkg", ledger, T1)
    import_package(col, tmp_path / "v1.apkg")

    # the learner rewrites the back of a note the next export does not change
    mine = col.get_note(col.find_notes("tag:fx-containers tag:concept")[0])
    mine["Back"] = "My own words."
    col.update_note(mine)

    pack = tmp_path / "pack"
    for folder in PACKS:
        shutil.copytree(folder, pack, dirs_exist_ok=True)
    yaml = pack / "02-x-ray.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8").replace("It draws a service map.", "It also draws a map."))
    write_package(build_package(topics_from([pack])), tmp_path / "v2.apkg", ledger, T1 + timedelta(days=1))

    log = import_package(col, tmp_path / "v2.apkg")
    assert counts(log) == (0, 1, len(package.notes) - 1, 0)
    updated = col.get_note(col.find_notes('tag:fx-x-ray "It also"')[0])
    assert updated.guid == note_guid("fx-x-ray/what-is-x-ray/cloze")
    assert updated["Back Extra"] == "X-Ray collects traces.<br>It also draws a map."
    assert col.get_note(mine.id)["Back"] == "My own words."
    assert col.note_count() == col.card_count() == len(package.notes)


def test_a_learner_who_imported_the_csv_sees_conflicts_until_that_deck_is_deleted(tmp_path: Path) -> None:
    """What the README tells CSV users: same GUIDs, another note type → 'conflicting'; delete the deck first."""
    from anki.import_export_pb2 import ImportCsvRequest

    topics = topics_from(PACKS)
    write_export(build_export(topics), tmp_path / "old.csv")
    package = export(topics, tmp_path / "new.apkg", tmp_path / "ledger.json", T1)
    typed = sum(n.note_type is TYPED for n in package.notes)  # their keys differ from the CSV's basic notes
    with fresh_collection(tmp_path / "anki", "en") as col:
        metadata = col.get_csv_metadata(path=str(tmp_path / "old.csv"), delimiter=None)
        col.import_csv(ImportCsvRequest(path=str(tmp_path / "old.csv"), metadata=metadata))
        assert col.note_count() == len(package.notes)

        assert counts(import_package(col, tmp_path / "new.apkg")) == (typed, 0, 0, len(package.notes) - typed)

        col.decks.remove([col.decks.id_for_name("Serverless Study")])  # the deck and every note in it
        assert col.note_count() == 0
        check_fresh_import(col, package, import_package(col, tmp_path / "new.apkg"))
