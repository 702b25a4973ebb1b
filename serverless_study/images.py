"""Images named by content packs: only real, inert image files from inside the pack's own folder may be used."""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import stat
from collections.abc import Iterable, MutableMapping
from pathlib import Path
from typing import Any

from serverless_study.errors import ContentError, ExportError
from serverless_study.model import Image, Topic
from serverless_study.sanitize import FORBIDDEN

MAX_IMAGE_BYTES = 5 * 1024 * 1024
_MAGIC: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".png": ("PNG", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("JPEG", (b"\xff\xd8\xff",)),
    ".jpeg": ("JPEG", (b"\xff\xd8\xff",)),
    ".gif": ("GIF", (b"GIF87a", b"GIF89a")),
    ".webp": ("WebP", (b"RIFF",)),  # and "WEBP" at offset 8, checked below
}
_KINDS = (".svg", *_MAGIC)
_SVG_NS = "http://www.w3.org/2000/svg"
_EXTERNAL_URL = re.compile(r"url\(\s*(?!['\"]?\s*#)", re.IGNORECASE)  # url(#id) points inside the file; others out
_URL_NOISE = re.compile(r"[\s\x00-\x1f]+")  # browsers ignore these inside a URL scheme: "java\tscript:" still runs
_REFUSED_ELEMENTS = {
    "script": "a <script> element",
    "handler": "a <handler> (script) element",
    "foreignobject": "a <foreignObject> element",
    "iframe": "an <iframe> element",
    "embed": "an <embed> element",
    "object": "an <object> element",
}


def pack_roots(pack_dir: Path) -> tuple[Path, ...]:
    """The folders a pack's images may come from: its own; the shipped content may also use the shipped images/."""
    root = pack_dir.resolve()
    content, images = _shipped_roots()
    return (root, images) if root == content else (root,)


@functools.cache
def _shipped_roots() -> tuple[Path, Path]:
    from serverless_study.paths import shipped_content_dir, shipped_images_dir

    return shipped_content_dir().resolve(), shipped_images_dir().resolve()


def check_image(src: str, pack_dir: Path, memo: MutableMapping[str, Any] | None = None) -> str | None:
    """Why the image `src`, named by a topic file in `pack_dir`, must not be used; None when it may.

    The path must be relative and lead (after symlinks) into the pack's folder, to a regular file of at most 5 MB
    whose extension is an image type and whose content is that type; an SVG must be inert (see `svg_problem`).
    `memo` (path → verdict, kept by the loader's cache) spares re-reading a file whose size and times are unchanged.
    """
    if Path(src).is_absolute() or src.startswith("~"):
        return f"{src} is an absolute path: name an image inside the pack folder, relative to the topic file"
    try:
        target = (pack_dir / src).resolve()
    except (OSError, RuntimeError):  # a symlink loop (RuntimeError before Python 3.13)
        return f"{src} cannot be resolved (a symlink loop?)"
    roots = pack_roots(pack_dir)
    if not any(target.is_relative_to(root) for root in roots):
        return f"{src} leads outside the pack folder {roots[0]}"
    try:
        info = target.stat()
    except OSError:
        return f"image not found: {src}"
    if FORBIDDEN.search(str(target)):
        return f"{src} leads to a file name with control characters"
    suffix = target.suffix.lower()
    if suffix not in _KINDS:
        return f"{src} is not an image file: the name must end in {', '.join(_KINDS)}"
    if not stat.S_ISREG(info.st_mode):
        return f"{src} is not a regular file"
    if info.st_size > MAX_IMAGE_BYTES:
        return f"{src} is too large ({info.st_size / 1048576:.1f} MB; the limit is 5 MB)"
    key = str(target)
    stamp = [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]  # the loader's memo also keys on the code
    known = memo.get(key) if memo is not None else None
    if memo is not None and isinstance(known, list) and known[:-1] == stamp and isinstance(known[-1], str):
        problem: str = known[-1]
        memo[key] = known  # still in use: keep it
    else:
        try:
            data = _read_regular(target, info, MAX_IMAGE_BYTES + 1 if suffix == ".svg" else 16)
        except OSError as exc:
            return f"cannot read image {src}: {exc.strerror or exc}"
        problem = content_problem(data, suffix) or ""
        if memo is not None:
            memo[key] = [*stamp, problem]
    return f"{src}: {problem}" if problem else None


def _read_regular(path: Path, info: os.stat_result, limit: int) -> bytes:
    """Up to `limit` bytes of the file that was stat'ed as `info`, never another one swapped in since (a symlink)."""
    with open(path, "rb") as fh:
        now = os.fstat(fh.fileno())
        if not stat.S_ISREG(now.st_mode) or (now.st_ino, now.st_dev) != (info.st_ino, info.st_dev):
            raise OSError(0, "the file changed while it was being checked")
        return fh.read(limit)


def content_problem(data: bytes, suffix: str) -> str | None:
    """Why `data` is not an inert image of the type its extension says (for a raster image, the first bytes do)."""
    if suffix == ".svg":
        return svg_problem(data)
    kind, magics = _MAGIC[suffix]
    if not data.startswith(magics) or (suffix == ".webp" and data[8:12] != b"WEBP"):
        return f"the file is not a {kind} image (its content does not match its extension)"
    return None


class _Refused(Exception):
    pass


def svg_problem(data: bytes) -> str | None:
    """Why an SVG is refused: not XML with an <svg> root, a DTD or processing instruction, scripts, event handlers,
    javascript: URLs, references to anything outside the file, or <foreignObject>. Nothing is rewritten.

    expat is told to refuse any DOCTYPE before it reads one, so no entity is ever declared or expanded.
    """
    from xml.parsers import expat

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    elements: list[str] = []
    style: list[str] = []

    def refuse(what: str) -> None:
        raise _Refused(f"the SVG has {what} (line {parser.CurrentLineNumber})")

    def start(name: str, attrs: dict[str, str]) -> None:
        uri, _, local = name.rpartition(" ")
        lower = local.lower()
        if not elements and (lower != "svg" or uri not in ("", _SVG_NS)):
            raise _Refused(f"the file is not an SVG image (its root element is <{local}>, not <svg>)")
        elements.append(lower)
        if lower in _REFUSED_ELEMENTS:
            refuse(_REFUSED_ELEMENTS[lower])
        for attr, value in attrs.items():
            attr_local = attr.rpartition(" ")[2]
            attr_lower = attr_local.lower()
            plain = _URL_NOISE.sub("", value).lower()
            if attr_lower.startswith("on"):
                refuse(f"an event handler attribute {attr_local}=")
            if "javascript:" in plain:
                refuse(f"a javascript: URL in {attr_local}=")
            if attr_lower == "href" and not value.strip().startswith("#"):
                refuse(f"an external reference {attr_local}={value.strip()[:60]!r}")
            if _EXTERNAL_URL.search(value):
                refuse(f"an external url(...) in {attr_local}=")
            if attr_lower == "attributename" and (plain.endswith("href") or plain.startswith("on")):
                refuse(f"an animation that changes {value.strip()}")

    def end(name: str) -> None:
        if elements.pop() == "style":
            text = "".join(style)
            style.clear()
            if "@import" in text.lower() or _EXTERNAL_URL.search(text):
                refuse("a style sheet that loads something from outside the file")
            if "javascript:" in _URL_NOISE.sub("", text).lower():
                refuse("a javascript: URL in a style sheet")

    def characters(text: str) -> None:
        if elements and elements[-1] == "style":
            style.append(text)

    def doctype(*_: Any) -> None:
        refuse("a DOCTYPE (DTDs and entities are not allowed)")

    def instruction(target: str, _data: str) -> None:
        refuse(f"a processing instruction <?{target}?>")

    def external_entity(*_: Any) -> int:
        refuse("an external entity")
        return 0

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.ProcessingInstructionHandler = instruction
    parser.ExternalEntityRefHandler = external_entity
    try:
        parser.Parse(data, True)
    except _Refused as exc:
        return str(exc)
    except expat.ExpatError as exc:
        return f"the file is not an SVG image: not well-formed XML ({exc})"
    return None


def vet_images(topic: Topic, memo: MutableMapping[str, Any] | None = None) -> tuple[Topic, list[ContentError]]:
    """The topic with its refused images moved out of `images` (so no view shows them), and a problem for each."""
    if not topic.images:
        return topic, []
    pack_dir = Path(topic.source).parent  # the --content folder, or the file's own folder when a file was named
    good: list[Image] = []
    refused: list[Image] = []
    problems: list[ContentError] = []
    for n, image in enumerate(topic.images):
        problem = check_image(image.src, pack_dir, memo)
        if problem is None:
            good.append(image)
        else:
            refused.append(dataclasses.replace(image, problem=problem))
            problems.append(ContentError(topic.source, problem, image.line, f"images[{n}].path"))
    if not refused:
        return topic, []
    return dataclasses.replace(topic, images=tuple(good), refused_images=tuple(refused)), problems


def refuse_unsafe_export(topics: Iterable[Topic]) -> None:
    """Raise ExportError when a topic to export names an image that was refused: export nothing until it is fixed."""
    for topic in topics:
        for image in topic.refused_images:
            where = f"{topic.source}:{image.line}" if image.line else topic.source
            raise ExportError(
                f"{where}: {image.problem}; fix the image or leave topic {topic.id!r} out of the export (--topic)"
            )


def recheck_image(src: str, topic_file: str) -> None:
    """Check an image again just before its bytes are copied into an export (it may have changed since loading)."""
    problem = check_image(src, Path(topic_file).parent)
    if problem is not None:
        raise ExportError(f"{topic_file}: {problem}")
