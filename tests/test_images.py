"""Images are untrusted: only inert image files inside the pack's own folder are shown or exported."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from serverless_study.cli import app
from serverless_study.images import MAX_IMAGE_BYTES, check_image, svg_problem
from serverless_study.loader import load_topics
from serverless_study.render import topic_view

from .conftest import REPO
from .golden import render as render_rich

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
TOPIC = (
    "id: pics\ntitle: Pictures\nimages:\n  - path: {src}\n    caption: A picture\n"
    "facts: [{{id: f, prompt: p, answer: a}}]\n"
)


def svg(body: str, attrs: str = "") -> bytes:
    return f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"{attrs}>{body}</svg>'.encode()


def make_pack(tmp_path: Path, src: str, files: dict[str, bytes] | None = None) -> Path:
    """A pack folder with one topic naming `src`, the files given, and a valid SVG and a secret just outside it."""
    pack = tmp_path / "pack"
    pack.mkdir()
    (tmp_path / "secret.txt").write_text("ssh-rsa AAAA private\n")
    (tmp_path / "outside.svg").write_bytes(SVG)
    for name, data in (files or {}).items():
        (pack / name).write_bytes(data)
    (pack / "pics.yaml").write_text(TOPIC.format(src=src))
    return pack


# Every way an image is refused: (src, files in the pack, extra setup, what the problem says)
REFUSED = {
    "absolute path": ("/etc/hostname", {}, "/etc/hostname is an absolute path"),
    "../ out of the pack": ("../outside.svg", {}, "../outside.svg leads outside the pack folder"),
    "symlink out of the pack": ("link.svg", {}, "link.svg leads outside the pack folder"),
    "text file named .png": (
        "notes.png",
        {"notes.png": b"just some notes\n"},
        "notes.png: the file is not a PNG image",
    ),
    "svg with <script>": (
        "s.svg",
        {"s.svg": svg("<script>alert(1)</script>")},
        "s.svg: the SVG has a <script> element",
    ),
    "svg with onload=": (
        "o.svg",
        {"o.svg": svg("", ' onload="alert(1)"')},
        "o.svg: the SVG has an event handler attribute onload=",
    ),
    "svg with external href": (
        "h.svg",
        {"h.svg": svg('<image xlink:href="https://evil.example/t.png"/>')},
        "h.svg: the SVG has an external reference href='https://evil.example/t.png'",
    ),
    "6 MB image": ("big.png", {}, "big.png is too large (6.0 MB; the limit is 5 MB)"),
}


def refused_pack(tmp_path: Path, case: str) -> tuple[Path, str]:
    src, files, message = REFUSED[case]
    pack = make_pack(tmp_path, src, files)
    if case == "symlink out of the pack":
        (pack / "link.svg").symlink_to(tmp_path / "outside.svg")
    if case == "6 MB image":
        with open(pack / "big.png", "wb") as fh:
            fh.write(PNG)
            fh.truncate(6 * 1024 * 1024)
    return pack, message


@pytest.mark.parametrize("case", list(REFUSED))
def test_check_refuses_the_image_at_its_line(runner: CliRunner, tmp_path: Path, case: str) -> None:
    pack, message = refused_pack(tmp_path, case)
    result = runner.invoke(app, ["check", str(pack)], catch_exceptions=False)
    assert result.exit_code == 1
    (line,) = [x for x in result.stdout.splitlines() if "images[" in x]  # the other lines are content lints
    assert line.startswith(f"{pack / 'pics.yaml'}:4: images[0].path: {message}"), line
    assert "1 topics, 1 items, 1 problems" in result.stderr


@pytest.mark.parametrize("case", list(REFUSED))
def test_learn_never_shows_a_refused_image(runner: CliRunner, tmp_path: Path, case: str) -> None:
    pack, message = refused_pack(tmp_path, case)
    result = runner.invoke(app, ["--content", str(pack), "learn", "pics"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "Pictures" in result.stdout and "Diagram" not in result.stdout and "A picture" not in result.stdout
    assert message in result.stderr  # said once, as a warning
    (topic,) = [t for t in load_topics([pack]).topics if t.id == "pics"]
    assert topic.images == () and [i.src for i in topic.refused_images] == [REFUSED[case][0]]
    assert "Diagram" not in render_rich(topic_view(topic), width=200)  # nor in a terminal


@pytest.mark.parametrize("kind, name", [("anki", "x.csv"), ("apkg", "x.apkg")])
@pytest.mark.parametrize("case", list(REFUSED))
def test_export_refuses_the_topic_and_writes_nothing(
    runner: CliRunner, tmp_path: Path, data_dir: Path, case: str, kind: str, name: str
) -> None:
    pack, message = refused_pack(tmp_path, case)
    out = tmp_path / "out"
    out.mkdir()
    args = ["--content", str(pack), "export", kind, str(out / name)]
    result = runner.invoke(app, [*args, "--topic", "pics"], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith(f"error: {pack / 'pics.yaml'}:4: {message}")
    assert "leave topic 'pics' out of the export" in result.stderr
    assert list(out.iterdir()) == [] and not (data_dir / "anki-package-ledger.json").exists()
    # Other topics still export: the refusal is about the topic that names the image.
    ok = runner.invoke(app, [*args, "--topic", "lambda"], catch_exceptions=False)
    assert ok.exit_code == 0 and sorted(p.name for p in out.iterdir()) == [name]


def test_a_good_image_is_shown_and_exported(runner: CliRunner, tmp_path: Path) -> None:
    pack = make_pack(tmp_path, "pic.svg", {"pic.svg": SVG})
    assert runner.invoke(app, ["check", str(pack)]).exit_code == 0
    learn = runner.invoke(app, ["--content", str(pack), "learn", "pics"], catch_exceptions=False)
    assert f"Diagram: A picture\n{pack.resolve() / 'pic.svg'}\n" in learn.stdout and learn.stderr == ""
    out = tmp_path / "out"
    out.mkdir()
    export = runner.invoke(app, ["--content", str(pack), "export", "anki", str(out / "x.csv"), "--topic", "pics"])
    assert export.exit_code == 0 and (out / "pic.svg").read_bytes() == SVG


def test_a_content_file_s_pack_is_its_own_folder(runner: CliRunner, tmp_path: Path) -> None:
    pack = make_pack(tmp_path, "pic.svg", {"pic.svg": SVG})
    assert runner.invoke(app, ["check", str(pack / "pics.yaml")]).exit_code == 0
    (pack / "pics.yaml").write_text(TOPIC.format(src="../outside.svg"))
    result = runner.invoke(app, ["check", str(pack / "pics.yaml")])
    assert result.exit_code == 1 and f"leads outside the pack folder {pack.resolve()}" in result.stdout


def test_shipped_content_may_use_the_shipped_images_folder_only(tmp_path: Path) -> None:
    from serverless_study.paths import shipped_content_dir

    shipped = shipped_content_dir()
    assert check_image("../images/vm-vs-containers.svg", shipped) is None
    # The same path from any other pack leads outside it.
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "vm-vs-containers.svg").write_bytes(SVG)
    pack = tmp_path / "pack"
    pack.mkdir()
    assert "leads outside the pack folder" in str(check_image("../images/vm-vs-containers.svg", pack))
    assert check_image("../README.md", shipped) is not None


@pytest.mark.parametrize(
    "name, data",
    [
        ("a.png", PNG),
        ("a.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 16),
        ("a.JPEG", b"\xff\xd8\xff\xdb" + b"\0" * 16),
        ("a.gif", b"GIF89a" + b"\0" * 16),
        ("a.webp", b"RIFF\x10\0\0\0WEBPVP8 " + b"\0" * 16),
        ("a.svg", SVG),
        ("a.svg", b'<?xml version="1.0" encoding="UTF-8"?>\n' + SVG),
        ("a.svg", svg('<defs><linearGradient id="g"/></defs><use href="#g"/><rect style="fill: url(#g)"/>')),
        ("a.svg", svg("<style>rect { fill: url('#g') }</style>")),
        ("a.svg", b"<svg><rect/></svg>"),  # no namespace: still an SVG root
    ],
)
def test_real_images_pass(tmp_path: Path, name: str, data: bytes) -> None:
    (tmp_path / name).write_bytes(data)
    assert check_image(name, tmp_path) is None


@pytest.mark.parametrize(
    "name, data, problem",
    [
        ("a.txt", b"text", "a.txt is not an image file"),
        ("a", PNG, "a is not an image file"),
        ("a.jpg", PNG, "the file is not a JPEG image"),
        ("a.gif", b"GIF90a", "the file is not a GIF image"),
        ("a.webp", b"RIFF\0\0\0\0AVI LIST", "the file is not a WebP image"),
        ("a.svg", b"not xml at all", "not well-formed XML"),
        ("a.svg", b"<html><body/></html>", "its root element is <html>, not <svg>"),
    ],
)
def test_content_must_match_the_extension(tmp_path: Path, name: str, data: bytes, problem: str) -> None:
    (tmp_path / name).write_bytes(data)
    assert problem in str(check_image(name, tmp_path))


@pytest.mark.parametrize(
    "data, problem",
    [
        (svg("<script>alert(1)</script>"), "a <script> element (line 1)"),
        (svg('<SCRIPT xlink:href="x.js"/>'), "a <script> element"),
        (svg("<foreignObject><div/></foreignObject>"), "a <foreignObject> element"),
        (svg('<rect onclick="steal()"/>'), "an event handler attribute onclick="),
        (svg('<a href="javascript:alert(1)"><rect/></a>'), "a javascript: URL in href="),
        (svg('<a href="java\tscript:alert(1)"><rect/></a>'), "a javascript: URL in href="),
        (svg('<a xlink:href="https://evil.example/">x</a>'), "an external reference href="),
        (svg('<use href="other.svg#icon"/>'), "an external reference href='other.svg#icon'"),
        (svg('<image href="data:image/png;base64,AAAA"/>'), "an external reference href="),
        (svg('<rect fill="url(https://evil.example/p)"/>'), "an external url(...) in fill="),
        (svg("<rect style=\"background: url( '//evil.example/p')\"/>"), "an external url(...) in style="),
        (svg("<style>@import 'https://evil.example/s.css';</style>"), "a style sheet that loads something"),
        (svg("<style><![CDATA[rect { fill: url(http://evil.example/x) }]]></style>"), "a style sheet that loads"),
        (svg('<set attributeName="href" to="https://evil.example"/>'), "an animation that changes href"),
        (b'<?xml-stylesheet href="https://evil.example/s.css"?>' + SVG, "a processing instruction <?xml-stylesheet?>"),
        (
            b'<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' + SVG,
            "a DOCTYPE (DTDs and entities are not allowed)",
        ),
        (b'<!DOCTYPE svg SYSTEM "file:///etc/passwd">' + SVG, "a DOCTYPE"),
        (svg("\n\n<script/>"), "(line 3)"),
    ],
)
def test_unsafe_svg_is_refused_never_rewritten(data: bytes, problem: str) -> None:
    found = svg_problem(data)
    assert found is not None and problem in found, found


def test_the_shipped_diagram_is_a_safe_svg() -> None:
    assert svg_problem((REPO / "images" / "vm-vs-containers.svg").read_bytes()) is None


def test_odd_files_are_refused_without_hanging(tmp_path: Path) -> None:
    (tmp_path / "loop.svg").symlink_to(tmp_path / "loop.svg")
    assert check_image("loop.svg", tmp_path) is not None
    os.mkfifo(tmp_path / "pipe.svg")
    assert check_image("pipe.svg", tmp_path) == "pipe.svg is not a regular file"
    (tmp_path / "dir.png").mkdir()
    assert check_image("dir.png", tmp_path) == "dir.png is not a regular file"
    assert check_image("gone.png", tmp_path) == "image not found: gone.png"
    assert check_image("~/.ssh/id_rsa.png", tmp_path) is not None


def test_the_size_limit_is_five_megabytes(tmp_path: Path) -> None:
    with open(tmp_path / "edge.png", "wb") as fh:
        fh.write(PNG)
        fh.truncate(MAX_IMAGE_BYTES)
    assert check_image("edge.png", tmp_path) is None
    with open(tmp_path / "edge.png", "ab") as fh:
        fh.write(b"\0")
    assert "too large" in str(check_image("edge.png", tmp_path))


# --- the compiled cache never bypasses the checks -----------------------------------------------------------------


def test_a_cached_topic_is_checked_again_when_its_image_changes(tmp_path: Path) -> None:
    pack = make_pack(tmp_path, "pic.svg", {"pic.svg": SVG})
    cache = tmp_path / "cache"
    assert load_topics([pack], cache_dir=cache).problems == []
    assert json.loads((cache / "images.json").read_text())["files"]  # the verdict is remembered
    (pack / "pic.svg").write_bytes(svg("<script>alert(1)</script>"))  # the YAML is unchanged: its topic is cached
    result = load_topics([pack], cache_dir=cache)
    assert [p.message for p in result.problems] == ["pic.svg: the SVG has a <script> element (line 1)"]
    assert result.topics[0].images == ()


def test_a_cached_topic_is_checked_again_when_its_image_becomes_a_symlink_out(tmp_path: Path) -> None:
    pack = make_pack(tmp_path, "pic.svg", {"pic.svg": SVG})
    cache = tmp_path / "cache"
    assert load_topics([pack], cache_dir=cache).problems == []
    (pack / "pic.svg").unlink()
    (pack / "pic.svg").symlink_to(tmp_path / "outside.svg")  # same content as before, from outside the pack
    result = load_topics([pack], cache_dir=cache)
    assert [p.message for p in result.problems] == [f"pic.svg leads outside the pack folder {pack.resolve()}"]


def test_a_remembered_verdict_spares_reading_an_unchanged_file(tmp_path: Path) -> None:
    pack = make_pack(tmp_path, "pic.svg", {"pic.svg": SVG})
    cache = tmp_path / "cache"
    load_topics([pack], cache_dir=cache)
    memo_file = cache / "images.json"
    memo = json.loads(memo_file.read_text())
    ((key, verdict),) = memo["files"].items()
    assert key == str((pack / "pic.svg").resolve()) and verdict[-1] == ""
    verdict[-1] = "planted verdict"  # what a warm start believes, as long as size, times and inode match
    memo_file.write_text(json.dumps(memo))
    assert [p.message for p in load_topics([pack], cache_dir=cache).problems] == ["pic.svg: planted verdict"]
    assert [p.message for p in load_topics([pack]).problems] == []  # without the cache: checked for real


@pytest.mark.slow
def test_a_warm_start_does_not_parse_the_svg_again(tmp_path: Path) -> None:
    from .test_startup import imported_modules

    first = imported_modules(["learn", "containers"], tmp_path)
    assert "pyexpat" in first  # the shipped diagram was checked
    second = imported_modules(["learn", "containers"], tmp_path)
    assert "pyexpat" not in second and "serverless_study.images" in second  # checked again, from its verdict


def test_a_file_swapped_between_stat_and_read_is_not_read(tmp_path: Path) -> None:
    from serverless_study.images import _read_regular

    (tmp_path / "a.png").write_bytes(PNG)
    (tmp_path / "other.png").write_bytes(PNG)
    checked = (tmp_path / "a.png").stat()
    (tmp_path / "a.png").unlink()
    (tmp_path / "other.png").rename(tmp_path / "a.png")  # same name, another file
    with pytest.raises(OSError, match="changed while it was being checked"):
        _read_regular(tmp_path / "a.png", checked, 16)
