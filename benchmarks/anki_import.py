"""The shipped content as an Anki package, imported into fresh English and German collections: the counts.

Usage: python benchmarks/anki_import.py [--keep DIR]   (needs the test extra: it uses the `anki` package)

Runs the installed `serverless-study export apkg` twice in a scratch data folder (the two files must be
byte-identical), then imports the package with Anki's own backend in each language, twice, and prints what
Anki reported. tests/test_apkg_import.py asserts the same things; this prints the numbers for a closing note.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def export(scratch: Path, name: str) -> Path:
    out = scratch / name
    env = {**os.environ, "SERVERLESS_STUDY_HOME": str(scratch / "data"), "HOME": str(scratch)}
    cli = Path(sys.executable).with_name("serverless-study")
    done = subprocess.run([str(cli), "export", "apkg", str(out)], env=env, capture_output=True, text=True, check=True)
    print(done.stdout.strip())
    return out


def import_twice(package: Path, folder: Path, lang: str) -> None:
    from anki._backend import RustBackend
    from anki.collection import Collection
    from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    folder.mkdir()
    col = Collection(str(folder / "collection.anki2"), backend=RustBackend(langs=[lang]))
    try:
        stock = sorted(m["name"] for m in col.models.all())
        print(f"[{lang}] stock note types: {', '.join(stock)}")
        for attempt in ("first import", "same file again"):
            request = ImportAnkiPackageRequest(package_path=str(package), options=ImportAnkiPackageOptions())
            log = col.import_anki_package(request).log
            print(
                f"[{lang}] {attempt}: {log.found_notes} notes in the file: new {len(log.new)}, "
                f"updated {len(log.updated)}, duplicate {len(log.duplicate)}, conflicting {len(log.conflicting)}, "
                f"missing note type {len(log.missing_notetype)}, missing deck {len(log.missing_deck)}"
            )
        ours = [d.name for d in col.decks.all_names_and_ids() if d.name.startswith("Serverless Study")]
        media = col.media.check()
        typed = col.find_cards('"note:Serverless Study: Type-in"')
        print(
            f"[{lang}] collection: {col.note_count()} notes, {col.card_count()} cards, {len(ours)} decks, "
            f"{len(col.get_empty_cards().notes)} empty cards, media missing {len(media.missing)} / unused "
            f"{len(media.unused)}, {len(typed)} type-in cards"
        )
    finally:
        col.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="work in this (new) folder and keep it")
    args = parser.parse_args()
    scratch = args.keep or Path(tempfile.mkdtemp(prefix="anki-import-"))
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        first, second = export(scratch, "first.apkg"), export(scratch, "second.apkg")
        digests = {hashlib.sha256(p.read_bytes()).hexdigest() for p in (first, second)}
        print(f"byte-identical: {len(digests) == 1} (sha256 {min(digests)[:16]}…)")
        for lang in ("en", "de"):
            import_twice(first, scratch / f"anki-{lang}", lang)
    finally:
        if args.keep is None:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
