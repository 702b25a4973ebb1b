"""Topics → an Anki package (.apkg): our own note types, a subdeck per topic, the images inside, stable bytes."""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import sqlite3
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import genanki

from serverless_study.anki import (
    Media,
    NoteText,
    _replace,
    _write_new,
    check_media,
    deck_name,
    destination_folder,
    image_tags,
    join_back,
    name_media,
    note_guid,
    note_tags,
    note_texts,
    parent_deck,
    read_media,
    source_html,
    text,
)
from serverless_study.defaults import DEFAULT_DECK
from serverless_study.errors import ExportError, UsageError
from serverless_study.fsutil import remove_quietly
from serverless_study.model import Fact, Topic

# Generated once with random.randrange(1 << 30, 1 << 31) and kept: Anki knows a note type by its id, so a
# changed id would make every later import a new, separate note type. Documented in the README. For the same
# reason never rename or reorder a note type's fields or template: Anki would import it as a copy, and every
# note of ours already in a collection would conflict. Templates and the stylesheet may change freely.
BASIC_MODEL_ID = 1908657351
CLOZE_MODEL_ID = 1608085245
TYPED_MODEL_ID = 1728208916

# Ids and times that carry no meaning: fixed so that the same content gives the same bytes.
_FIRST_ROW_ID = 1_700_000_000_000  # genanki's first note and card id; ids from each note's time replace them
_BUILD_TIME = 1_700_000_000  # genanki's stamp; every note's and note type's own time replaces it
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can carry
TYPE_IN_MAX_WORDS = 4
TYPE_IN_MAX_CHARS = 40
_LIST_MARKS = (",", ";", "/", ":", " and ", " or ", "\n")

STYLESHEET = """\
.card {
  --ss-muted: #5f6368;
  --ss-line: #c4c9cf;
  --ss-head: rgba(127, 127, 127, 0.12);
  --ss-accent: #0b57d0;
  font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 20px;
  line-height: 1.5;
  text-align: left;
  max-width: 40em;
  margin: 0 auto;
  padding: 0 0.5em;
}
.card.nightMode, .nightMode .card, .night_mode .card {
  --ss-muted: #a8adb3;
  --ss-line: #5f6368;
  --ss-accent: #8ab4f8;
}
.ss-front { font-size: 1.1em; }
.ss-back { margin-top: 0.5em; }
.ss-topic, .ss-source { margin-top: 1em; font-size: 0.75em; color: var(--ss-muted); }
small { color: var(--ss-muted); }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid var(--ss-line); padding: 0.25em 0.5em; vertical-align: top; text-align: left; }
th { background: var(--ss-head); }
ol, ul { margin: 0.25em 0; padding-left: 1.5em; }
li { margin: 0.2em 0; }
.cloze { font-weight: bold; color: var(--ss-accent); }
input#typeans { width: 100%; box-sizing: border-box; font-size: inherit; }
img { max-width: 100%; height: auto; }
.nightMode img, .night_mode img { background: #fff; padding: 0.25em; border-radius: 4px; }
"""

_FOOT = '{{#Source}}<div class="ss-source">Source: {{Source}}</div>{{/Source}}\n<div class="ss-topic">{{Topic}}</div>'


@dataclass(frozen=True)
class NoteType:
    """One of our note types as Anki stores it: fixed id, fields in order, one card template."""

    id: int
    name: str
    fields: tuple[str, ...]
    front: str
    back: str
    cloze: bool = False

    def genanki_model(self) -> Any:
        return genanki.Model(
            self.id,
            self.name,
            fields=[{"name": f} for f in self.fields],
            templates=[{"name": "Cloze" if self.cloze else "Card 1", "qfmt": self.front, "afmt": self.back}],
            css=STYLESHEET,
            model_type=genanki.Model.CLOZE if self.cloze else genanki.Model.FRONT_BACK,
        )

    def digest(self) -> str:
        return _digest([self.name, *self.fields, self.front, self.back, STYLESHEET])


BASIC = NoteType(
    BASIC_MODEL_ID,
    "Serverless Study: Basic",
    ("Front", "Back", "Topic", "Source"),
    '<div class="ss-front">{{Front}}</div>',
    '<div class="ss-front">{{Front}}</div>\n<hr id="answer">\n<div class="ss-back">{{Back}}</div>\n' + _FOOT,
)
CLOZE = NoteType(
    CLOZE_MODEL_ID,
    "Serverless Study: Cloze",
    ("Text", "Back Extra", "Topic", "Source"),
    '<div class="ss-front">{{cloze:Text}}</div>',
    '<div class="ss-front">{{cloze:Text}}</div>\n<hr id="answer">\n'
    '{{#Back Extra}}<div class="ss-back">{{Back Extra}}</div>{{/Back Extra}}\n' + _FOOT,
    cloze=True,
)
TYPED = NoteType(
    TYPED_MODEL_ID,
    "Serverless Study: Type-in",
    ("Front", "Answer", "Back", "Topic", "Source"),
    '<div class="ss-front">{{Front}}</div>\n{{type:Answer}}',
    '<div class="ss-front">{{Front}}</div>\n<hr id="answer">\n{{type:Answer}}\n'
    '{{#Back}}<div class="ss-back">{{Back}}</div>{{/Back}}\n' + _FOOT,
)
NOTE_TYPES = (BASIC, CLOZE, TYPED)
TYPED_PART = "typed"  # the last part of a type-in note's key, so a fact that changes note type is a new note


@dataclass(frozen=True)
class PackageNote:
    key: str  # "topic/item/part", as in the CSV
    note_type: NoteType
    deck_id: int
    fields: tuple[str, ...]  # in the note type's field order, HTML
    tags: tuple[str, ...]

    @property
    def guid(self) -> str:
        return note_guid(self.key)

    def digest(self) -> str:
        """What Anki would see change: note type, fields and tags (not the deck; Anki keeps cards where they are)."""
        return _digest([self.note_type.name, *self.fields, *self.tags])


@dataclass(frozen=True)
class PackageDeck:
    id: int
    name: str
    description: str = ""


@dataclass(frozen=True)
class Package:
    notes: tuple[PackageNote, ...]
    decks: tuple[PackageDeck, ...]  # the parent first, then one per topic in content order
    media: tuple[Media, ...]

    @property
    def topic_decks(self) -> tuple[PackageDeck, ...]:
        return self.decks[1:]


def is_type_in(fact: Fact) -> bool:
    """A short single-term answer with no alternatives: Anki's exact check would mark any alternative wrong."""
    answer = fact.answer.strip()
    return (
        not fact.cloze
        and not fact.accept
        and 0 < len(answer) <= TYPE_IN_MAX_CHARS
        and len(answer.split()) <= TYPE_IN_MAX_WORDS
        and not any(mark in answer for mark in _LIST_MARKS)
    )


def deck_id(seed: str) -> int:
    """A fixed deck id in genanki's recommended range, from a topic id (or the parent deck's name)."""
    return (1 << 30) + int.from_bytes(hashlib.sha256(f"serverless-study/deck/{seed}".encode()).digest()[:8]) % (1 << 30)


def build_package(topics: Iterable[Topic], deck: str = DEFAULT_DECK) -> Package:
    """Every note of the CSV export, in our own note types, one subdeck per topic, with the images they show."""
    parent = parent_deck(deck)
    topics = list(topics)
    images, media = name_media(topics)
    decks = [PackageDeck(deck_id("::" + parent), parent)]
    notes: list[PackageNote] = []
    for topic in topics:
        topic_deck = PackageDeck(deck_id(topic.id), deck_name(parent, topic.title), text(topic.summary))
        decks.append(topic_deck)
        pictures = image_tags(images[topic.id])
        notes.extend(_package_note(t, topic, topic_deck.id, pictures) for t in note_texts(topic))
    return Package(tuple(notes), tuple(decks), media)


def _package_note(t: NoteText, topic: Topic, deck: int, pictures: list[str]) -> PackageNote:
    title, source = text(topic.title), source_html(topic, t.key.split("/")[1])
    tags = note_tags(topic, t.kind)
    if t.cloze:
        return PackageNote(t.key, CLOZE, deck, (t.front, join_back([*t.back, *pictures]), title, source), tags)
    if t.fact is not None and is_type_in(t.fact):
        key = t.key.rsplit("/", 1)[0] + "/" + TYPED_PART
        back = join_back([*t.back[1:], *pictures])  # the back without the answer, which has its own field
        return PackageNote(key, TYPED, deck, (t.front, text(t.fact.answer.strip()), back, title, source), tags)
    return PackageNote(t.key, BASIC, deck, (t.front, join_back([*t.back, *pictures]), title, source), tags)


# --- when each note last changed ---------------------------------------------------------------


@dataclass(frozen=True)
class Ledger:
    """GUID (or note type id) → (digest of what was exported, the second it was first exported like that)."""

    entries: Mapping[str, tuple[str, int]] = field(default_factory=dict)

    def stamp(self, contents: Iterable[tuple[str, str]], now: int) -> tuple[dict[str, int], Ledger]:
        """Each key's modification time for its (key, digest) content, and the ledger that records them.

        Unchanged content keeps its time; new or changed content gets `now`, and always a time later than the
        version before it, or Anki would keep that one (two exports in one second, a clock set back).
        """
        entries = dict(self.entries)
        times: dict[str, int] = {}
        for key, digest in contents:
            known = entries.get(key)
            if known is None or known[0] != digest:
                known = entries[key] = (digest, now if known is None else max(now, known[1] + 1))
            times[key] = known[1]
        return times, Ledger(entries)

    def to_json(self) -> str:
        return json.dumps({"format": 1, "entries": {k: list(v) for k, v in sorted(self.entries.items())}}, indent=0)

    @classmethod
    def from_json(cls, data: str) -> Ledger:
        raw = json.loads(data)
        if not isinstance(raw, dict) or raw.get("format") != 1 or not isinstance(raw.get("entries"), dict):
            raise ValueError("not a ledger of format 1")
        entries: dict[str, tuple[str, int]] = {}
        for key, value in raw["entries"].items():
            if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)):
                raise ValueError(f"bad entry for {key}")
            if not isinstance(value[1], int) or isinstance(value[1], bool):
                raise ValueError(f"bad time for {key}")
            entries[key] = (value[0], value[1])
        return cls(entries)


@dataclass(frozen=True)
class Stamps:
    notes: dict[str, int]  # GUID → modification time (s)
    note_types: dict[int, int]  # note type id → modification time (s)
    ledger: Ledger
    changed: int  # notes new or changed since the ledger was written


def stamp(package: Package, ledger: Ledger, now: datetime) -> Stamps:
    """Each note's modification time: unchanged notes keep theirs, so only edited notes look newer to Anki."""
    secs = int(now.timestamp())
    notes, after = ledger.stamp(((n.guid, n.digest()) for n in package.notes), secs)
    type_keys = {f"notetype:{nt.id}": nt for nt in NOTE_TYPES}
    types, after = after.stamp(((key, nt.digest()) for key, nt in type_keys.items()), secs)
    changed = sum(ledger.entries.get(guid) != after.entries[guid] for guid in notes)
    return Stamps(notes, {type_keys[key].id: t for key, t in types.items()}, after, changed)


def read_ledger(path: Path) -> Ledger:
    try:
        return Ledger.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Ledger()
    except OSError as exc:
        raise ExportError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ExportError(
            f"cannot read {path}: {exc}; move it away to start afresh (Anki will then see every note as changed)"
        ) from None


# --- bytes -------------------------------------------------------------------------------------


def package_bytes(package: Package, stamps: Stamps, media: Mapping[str, bytes]) -> bytes:
    """The .apkg file: genanki's collection with our own times, zipped with fixed dates and modes."""
    db = sqlite3.connect(":memory:")
    try:
        _fill_collection(db, package, stamps)
        collection = db.serialize()
    finally:
        db.close()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        _add(out, "collection.anki2", collection)
        _add(out, "media", json.dumps({str(i): m.name for i, m in enumerate(package.media)}).encode())
        for i, m in enumerate(package.media):
            _add(out, str(i), media[m.name])
    return buf.getvalue()


def _fill_collection(db: sqlite3.Connection, package: Package, stamps: Stamps) -> None:
    models = {nt.id: nt.genanki_model() for nt in NOTE_TYPES}
    decks = {d.id: genanki.Deck(d.id, d.name, d.description) for d in package.decks}
    for position, n in enumerate(package.notes, start=1):
        # a new card's due is its place in the new queue: Anki introduces them in content order
        fields, tags = list(n.fields), list(n.tags)
        decks[n.deck_id].add_note(genanki.Note(models[n.note_type.id], fields, tags=tags, guid=n.guid, due=position))
    for model in models.values():  # every note type, used or not, so the package always has all three
        decks[package.decks[0].id].add_model(model)
    cursor = db.cursor()
    genanki.Package(list(decks.values())).write_to_db(cursor, _BUILD_TIME, itertools.count(_FIRST_ROW_ID))
    _set_times(cursor, [(n.guid, stamps.notes[n.guid]) for n in package.notes])
    (raw,) = cursor.execute("SELECT models FROM col").fetchone()
    stored = json.loads(raw)
    for model_id, mod in stamps.note_types.items():
        stored[str(model_id)]["mod"] = mod
    cursor.execute("UPDATE col SET models = ?", (json.dumps(stored),))
    db.commit()


def _set_times(cursor: sqlite3.Cursor, notes: list[tuple[str, int]]) -> None:
    """Each note's and card's time, and ids from those times: Anki shows a new note's id as when it was added."""
    cursor.execute("UPDATE notes SET id = -id")  # out of the way of the new ids
    cursor.execute("UPDATE cards SET id = -id, nid = -nid")
    note_ids = _unique_ids(mod * 1000 for _, mod in notes)  # milliseconds
    for (guid, mod), nid in zip(notes, note_ids, strict=True):
        (old,) = cursor.execute("SELECT id FROM notes WHERE guid = ?", (guid,)).fetchone()
        cursor.execute("UPDATE notes SET id = ?, mod = ? WHERE id = ?", (nid, mod, old))
        cursor.execute("UPDATE cards SET nid = ?, mod = ? WHERE nid = ?", (nid, mod, old))
    cards = cursor.execute("SELECT id, nid FROM cards ORDER BY nid, ord").fetchall()
    for (old, _), cid in zip(cards, _unique_ids(nid for _, nid in cards), strict=True):
        cursor.execute("UPDATE cards SET id = ? WHERE id = ?", (cid, old))


def _unique_ids(wanted: Iterable[int]) -> list[int]:
    """Each wanted id, or the next free one after it when an earlier one took it."""
    taken: set[int] = set()
    out = []
    for want in wanted:
        while want in taken:
            want += 1
        taken.add(want)
        out.append(want)
    return out


def _add(out: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.create_system = 3  # Unix, wherever it is written
    info.external_attr = 0o644 << 16
    out.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)


# --- writing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    notes: int
    decks: int  # topic subdecks
    images: int
    changed: int  # notes new or changed since the last export


def write_package(package: Package, path: Path, ledger_path: Path, now: datetime) -> Written:
    """Write the package atomically; the ledger is saved first, so a later export never looks older."""
    if path.suffix.lower() != ".apkg":
        raise UsageError(f"{path}: the file name must end in .apkg, e.g. serverless-study.apkg")
    folder = destination_folder(path, "serverless-study.apkg")
    check_media(package.media)
    media = {m.name: read_media(m) for m in package.media}
    ledger = read_ledger(ledger_path)
    stamps = stamp(package, ledger, now)
    tmp = _write_new(folder, path.name, package_bytes(package, stamps, media))
    try:
        if stamps.ledger != ledger:
            _save_ledger(stamps.ledger, ledger_path)
        _replace(tmp, path)
    except BaseException:
        remove_quietly(tmp)
        raise
    return Written(len(package.notes), len(package.topic_decks), len(package.media), stamps.changed)


def _save_ledger(ledger: Ledger, path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
    _replace(_write_new(path.parent, path.name, ledger.to_json().encode("utf-8")), path)


def _digest(parts: list[str]) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]
