"""Topics → notes for Anki's text importer: file headers, one row per note, GUIDs from the content ids."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from serverless_study.defaults import DEFAULT_DECK
from serverless_study.errors import ExportError, UsageError
from serverless_study.fsutil import remove_quietly, replace, write_temp
from serverless_study.images import recheck_image, refuse_unsafe_export
from serverless_study.model import CLOZE_GAP, Comparison, Concept, Fact, Image, Sequence, Topic
from serverless_study.sanitize import clean

BASIC, CLOZE = "Basic", "Cloze"  # stock note types; Anki matches them by name
CLOZE_PART = "cloze"  # the last part of a cloze note's key: a fact that gains a cloze becomes another note
COLUMNS = ("guid", "notetype", "deck", "Front / Text", "Back / Back Extra", "tags")
# Column numbers are 1-based in Anki's headers; the separator must come before #columns.
HEADER_LINES = (
    "#separator:tab",
    "#html:true",
    "#columns:" + "\t".join(COLUMNS),
    "#guid column:1",
    "#notetype column:2",
    "#deck column:3",
    "#tags column:6",
)
TAG_ROOT = "serverless-study"


class Note(NamedTuple):
    """One Anki note: `key` is "topic/item/part" and never changes when the wording does (a tuple: an export
    builds one for every item of the content)."""

    key: str
    notetype: str  # BASIC or CLOZE
    deck: str
    fields: tuple[str, str]  # Front, Back for Basic; Text, Back Extra for Cloze (HTML)
    tags: tuple[str, ...]

    @property
    def guid(self) -> str:
        return note_guid(self.key)


@dataclass(frozen=True)
class Media:
    """An image a note shows: `name` in Anki's media folder, copied from `source`."""

    name: str
    source: Path
    yaml_file: str  # the topic file that references it, for error messages
    src: str  # the path as written in the YAML


@dataclass(frozen=True)
class AnkiExport:
    notes: tuple[Note, ...]
    media: tuple[Media, ...]

    @property
    def decks(self) -> tuple[str, ...]:
        """Deck names in content order, each once."""
        return tuple(dict.fromkeys(n.deck for n in self.notes))

    @property
    def card_count(self) -> int:
        # Basic makes one card; each Cloze note has exactly one gap, so one card too.
        return len(self.notes)

    def csv_text(self) -> str:
        return to_csv(self.notes)

    def csv_bytes(self) -> bytes:
        """The file as UTF-8, encoded row by row: one wide character would make the whole text two bytes a
        character, and encoding that is slower than encoding each (mostly ASCII) row."""
        return b"".join([line.encode() for line in csv_lines(self.notes)])


def note_guid(key: str) -> str:
    """A short, stable Anki GUID: hex (never starts with '#', needs no quoting) of a namespaced hash."""
    return "ss" + hashlib.sha256(f"{TAG_ROOT}/{key}".encode()).hexdigest()[:18]


def deck_name(parent: str, title: str) -> str:
    """`<parent>::<title>`, with '::' and line breaks in the title flattened so it stays one level deep."""
    flat = re.sub(r"\s+", " ", re.sub(r"\s*:{2,}\s*", ": ", clean(title))).strip()
    return f"{parent}::{flat}"


def parent_deck(name: str) -> str:
    """Normalise a --deck value: '::' separates levels, empty levels are dropped."""
    parts = [re.sub(r"\s+", " ", p).strip() for p in clean(name).split("::")]
    parts = [p for p in parts if p]
    if not parts:
        raise UsageError("--deck must name a deck, e.g. --deck 'Serverless Study'")
    return "::".join(parts)


def build_export(topics: Iterable[Topic], deck: str = DEFAULT_DECK) -> AnkiExport:
    """Every note worth having in Anki, topic by topic in content order, with the images they show.

    A topic that names a refused image (see images.py) stops the export before anything is built or written.
    """
    parent = parent_deck(deck)
    topics = list(topics)
    images, media = name_media(topics)
    notes: list[Note] = []
    for topic in topics:
        notes.extend(topic_notes(topic, deck_name(parent, topic.title), images[topic.id]))
    return AnkiExport(tuple(notes), media)


def name_media(topics: Iterable[Topic]) -> tuple[dict[str, list[tuple[str, Image]]], tuple[Media, ...]]:
    """Each topic's images with their media names (topic id → [(name, image)]), and every file once.

    Every export gathers its images here, so this is where a topic naming a refused image stops it (ExportError).
    """
    topics = list(topics)
    refuse_unsafe_export(topics)
    media: dict[Path, Media] = {}
    taken: set[str] = set()
    names: dict[str, list[tuple[str, Image]]] = {}
    for topic in topics:
        names[topic.id] = []
        for image in topic.images:
            if image.path not in media:
                media[image.path] = Media(_media_name(image, topic.id, taken), image.path, topic.source, image.src)
            names[topic.id].append((media[image.path].name, image))
    return names, tuple(media.values())


class NoteText(NamedTuple):
    """What one note says before it is laid out for a note type: its HTML front and back, without the footer."""

    key: str  # "topic/item/part"
    kind: str  # concept, comparison, sequence or fact; the note's third tag
    cloze: bool  # `front` holds Anki's {{c1::…}} gap
    front: str
    back: tuple[str, ...]  # HTML parts, empty ones included
    fact: Fact | None = None  # the fact a basic note asks, for note types that take its answer on its own


def note_texts(topic: Topic) -> list[NoteText]:
    """The notes of one topic: concepts, comparisons (whole table + labelled rows), sequences, facts."""
    out: list[NoteText] = []

    def add(item_id: str, part: str, kind: str, front: str, back: tuple[str, ...], fact: Fact | None = None) -> None:
        out.append(NoteText(f"{topic.id}/{item_id}/{part}", kind, part == CLOZE_PART, front, back, fact))

    for c in topic.concepts:
        add(c.id, "define", "concept", _concept_front(c, topic), _concept_back(c))
    for t in topic.comparisons:
        add(t.id, "table", "comparison", f"Compare: {text(t.title)}", (_table(t), text(t.note)))
        for row in t.rows:
            if row.label:  # an unlabelled row has no question to ask; the whole-table note covers it
                front = f"{text(t.title)} — {text(row.label)}?<br><small>{' · '.join(map(text, t.columns))}</small>"
                add(f"{t.id}/{row.id}", "row", "comparison", front, (_row_cells(t, row.cells),))
    for s in topic.sequences:
        add(s.id, "steps", "sequence", f"{text(s.title)}: the steps in order?", (_steps(s), text(s.note)))
    for f in topic.facts:
        if f.cloze:
            add(f.id, CLOZE_PART, "fact", cloze_text(f.cloze), (text(f.explanation), _note(f.note)))
        else:
            add(f.id, "basic", "fact", text(f.prompt), (_fact_answer(f), text(f.explanation), _note(f.note)), f)
    return out


def note_tags(topic: Topic, kind: str) -> tuple[str, ...]:
    return (TAG_ROOT, topic.id, kind)


def topic_notes(topic: Topic, deck: str, images: Iterable[tuple[str, Image]] = ()) -> list[Note]:
    """The CSV notes of one topic: Basic or Cloze, the images and the topic's title at the foot of the back."""
    footer = _footer(topic, images)
    return [
        Note(
            t.key,
            CLOZE if t.cloze else BASIC,
            deck,
            (t.front, join_back((*t.back, footer))),
            note_tags(topic, t.kind),
        )
        for t in note_texts(topic)
    ]


def join_back(parts: Iterable[str]) -> str:
    """The parts of a note's back that say something, a blank line apart."""
    return "<br><br>".join(filter(None, parts))


def to_csv(notes: Iterable[Note]) -> str:
    """The whole file: header lines, then guid, notetype, deck, two fields, tags — six columns on every row."""
    return "".join(csv_lines(notes))


def csv_lines(notes: Iterable[Note]) -> Iterator[str]:
    """The file's lines, each ending in a line break."""
    for line in HEADER_LINES:
        yield f"{line}\n"
    for n in notes:
        yield csv_row((n.guid, n.notetype, n.deck, *n.fields, " ".join(n.tags)))


def csv_row(fields: tuple[str, ...]) -> str:
    """One record, tab-separated and quoted as the csv module's QUOTE_MINIMAL does it (and Anki reads it): a field
    holding a quote, a tab or a line break is quoted, its quotes doubled. Built here rather than by `csv.writer`,
    which tests every character of every field one at a time."""
    row = "\t".join(fields)
    if '"' in row or "\n" in row or "\r" in row or "\t" in "".join(fields):  # (`in` is memchr; count() is not)
        row = "\t".join(map(_csv_field, fields))  # the rare row with something to quote
    return row + "\n"


def _csv_field(value: str) -> str:
    if '"' in value or "\t" in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def text(value: str) -> str:
    """Plain content text as HTML: control characters defused, escaped, line breaks as <br>."""
    # The usual case, tested without a call (this runs for every field of every note): nothing to do.
    if value.isprintable() and "&" not in value and "<" not in value and ">" not in value:
        return value
    escaped = _escape(value)
    return clean(escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>"))


def attribute(value: str) -> str:
    """Plain content text as an HTML attribute value: control characters defused, quotes escaped too."""
    return _escape(clean(value)).replace('"', "&quot;").replace("'", "&#x27;")


def _escape(value: str) -> str:
    """What html.escape(value, quote=False) does, without importing html (and its table of entities)."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cloze_text(cloze: str) -> str:
    """Our `{{gap}}` sentence as Anki's `{{c1::gap}}`, everything else escaped."""

    def gap(m: re.Match[str]) -> str:
        # '::' inside a gap would start an Anki hint; an entity keeps the colons literal.
        return "{{c1::" + m.group(1).replace(":", "&#58;") + "}}"

    return CLOZE_GAP.sub(gap, text(cloze), count=1)


# --- pieces of HTML ---------------------------------------------------------------


def _concept_front(c: Concept, topic: Topic) -> str:
    return f"Define: <b>{text(c.term)}</b><br><small>{text(topic.title)}</small>"


def _concept_back(c: Concept) -> tuple[str, ...]:
    parts = [text(c.definition)]
    if c.points:
        parts.append("<ul>" + "".join(f"<li>{text(p)}</li>" for p in c.points) + "</ul>")
    if c.aliases:
        parts.append(f"<small>Also called: {', '.join(map(text, c.aliases))}</small>")
    return (*parts, _note(c.note))


def _note(note: str) -> str:
    """An item's note (what changed since older material, a caveat) on the back of its cards; "" when it has none."""
    return f"<i>Note: {text(note)}</i>" if note else ""


def source_html(topic: Topic, item_id: str) -> str:
    """Links to where the item (else its topic) was checked, with the month it was checked."""
    item = next((i for i in topic.items if i.id == item_id), None)
    sources = (item.sources if item is not None else ()) or topic.sources
    return ", ".join(f'<a href="{attribute(s.url)}">{text(s.url)}</a> (checked {text(s.checked)})' for s in sources)


def _fact_answer(f: Fact) -> str:
    accepted = f"<br><small>Also accepted: {', '.join(map(text, f.accept))}</small>" if f.accept else ""
    order = f" <small>(in {'this' if f.ordered else 'any'} order)</small>" if f.parts else ""
    return f"<b>{text(f.answer)}</b>{order}{accepted}"


def _table(t: Comparison) -> str:
    labelled = any(r.label for r in t.rows)
    head = ("<th></th>" if labelled else "") + "".join(f"<th>{text(c)}</th>" for c in t.columns)
    rows = []
    for r in t.rows:
        label = f"<th>{text(r.label)}</th>" if labelled else ""
        rows.append("<tr>" + label + "".join(f"<td>{text(cell) or '—'}</td>" for cell in r.cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _row_cells(t: Comparison, cells: tuple[str, ...]) -> str:
    return "<br>".join(f"<b>{text(col)}</b>: {text(cell) or '—'}" for col, cell in zip(t.columns, cells, strict=False))


def _steps(s: Sequence) -> str:
    items = []
    for step in s.steps:
        detail = f"<br><small>{text(step.detail)}</small>" if step.detail else ""
        items.append(f"<li>{text(step.text)}{detail}</li>")
    return "<ol>" + "".join(items) + "</ol>"


def _footer(topic: Topic, images: Iterable[tuple[str, Image]]) -> str:
    return join_back([*image_tags(images), f"<small>Topic: {text(topic.title)}</small>"])


def image_tags(images: Iterable[tuple[str, Image]]) -> list[str]:
    """An <img> by media name for each image, its caption below it."""
    parts = []
    for name, image in images:
        alt = attribute(image.caption or name)
        caption = f"<br><small>{text(image.caption)}</small>" if image.caption else ""
        parts.append(f'<img src="{attribute(name)}" alt="{alt}">{caption}')
    return parts


def _media_name(image: Image, topic_id: str, taken: set[str]) -> str:
    """The file's own name, unless another image already took it (two packs, same file name)."""
    base = clean(image.path.name)  # images.py refuses such names; this keeps a bypass out of the HTML too
    candidates = [base, f"{topic_id}-{base}", *(f"{topic_id}-{i}-{base}" for i in range(2, 1000))]
    name = next(c for c in candidates if c not in taken)
    taken.add(name)
    return name


# --- writing ----------------------------------------------------------------------


def write_export(export: AnkiExport, path: Path) -> list[Path]:
    """Write the CSV atomically and copy its images beside it; returns the image files written.

    Every image is checked again (images.py) before anything is written, so a bad one leaves no file behind.
    """
    check_media(export.media)
    folder = destination_folder(path, "serverless-study.csv")
    tmp = _write_new(folder, path.name, export.csv_bytes())
    try:
        written = [_copy_media(m, folder) for m in export.media]
        _replace(tmp, path)
    except BaseException:
        remove_quietly(tmp)  # an interrupted or failed export leaves no half-written file
        raise
    return written


def destination_folder(path: Path, example: str) -> Path:
    """The folder an export file goes into, or a one-line error if `path` cannot be a new file there."""
    folder = path.parent
    if path.is_dir():
        raise ExportError(f"{path} is a folder; give a file name such as {path / example}")
    if not folder.is_dir():
        problem = "is not a folder" if folder.exists() else "does not exist"
        raise ExportError(f"cannot write {path}: {folder} {problem}")
    return folder


def _copy_media(m: Media, folder: Path) -> Path:
    dest = folder / m.name
    if dest.exists() and dest.resolve() == m.source.resolve():
        return dest  # exporting into the images' own folder
    _replace(_write_new(folder, m.name, read_media(m)), dest)
    return dest


def check_media(media: Iterable[Media]) -> None:
    """Every image passes images.py again before anything is written (it may have changed since loading)."""
    for m in media:
        recheck_image(m.src, m.yaml_file)


def read_media(m: Media) -> bytes:
    try:
        return m.source.read_bytes()
    except OSError as exc:
        raise ExportError(f"{m.yaml_file}: cannot read image {m.src}: {exc.strerror or exc}") from None


def _write_new(folder: Path, name: str, data: bytes) -> Path:
    """A new hidden temporary file in `folder`, holding `data`."""
    try:
        return write_temp(folder / name, data)
    except OSError as exc:
        raise ExportError(f"cannot write {folder / name}: {exc.strerror or exc}") from None


def _replace(tmp: Path, dest: Path) -> None:
    try:
        replace(tmp, dest)
    except OSError as exc:
        raise ExportError(f"cannot write {dest}: {exc.strerror or exc}") from None
