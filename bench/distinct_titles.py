"""A make_dump.py dump whose every release title occurs once: for searching distinct titles.

make_dump.py repeats each real record (1,000 sample releases: each title once per copy, a
thousand times in a dump of a million). This copies such a dump with one made-up word (six
letters, from the release's id) appended to each release's own title, so every title is
distinct while the real title's words still match all its copies:

    "Stockholm"  ->  "Stockholm zedbgu" (id 14220613), "Stockholm japlsn" (id 14221613), ...

The other kinds' files are linked, not copied. The releases file is streamed (never whole in
memory) and written with gzip level 1; the CHECKSUM file is rewritten to match.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

DATE = "20991201"
RECORD_START = b'\n<release id="'  # text never holds a raw '<', so this only opens a record
RECORD_ID = re.compile(rb'^<release id="(\d+)"')
OWN_TITLE = re.compile(rb"<title>([^<]*)</title>")  # a release's first <title> is its own
WORD_LETTERS = 6


def title_word(record_id: int) -> bytes:
    """Six letters from an id, scattered so that neighbouring ids share no run of letters."""
    mixed = record_id * 2654435761 % 26**WORD_LETTERS
    letters = []
    for _ in range(WORD_LETTERS):
        mixed, letter = divmod(mixed, 26)
        letters.append(97 + letter)
    return bytes(letters)


def retitled(record: bytes) -> bytes:
    found = RECORD_ID.match(record)
    if found is None:
        return record
    word = title_word(int(found.group(1)))
    return OWN_TITLE.sub(lambda m: b"<title>" + m.group(1) + b" " + word + b"</title>", record, count=1)


def pieces(path: Path, chunk: int = 1 << 22) -> Iterator[bytes]:
    """The file's text cut at each RECORD_START (which is left out): the head, then the records."""
    pending = b""
    with gzip.open(path, "rb") as source:
        while block := source.read(chunk):
            parts = (pending + block).split(RECORD_START)
            pending = parts.pop()
            yield from parts
    yield pending


def distinct_titles(dump: Path) -> Path:
    """The copy of ``dump`` with distinct release titles, made once beside it."""
    out = dump.with_name(dump.name + "_distinct")
    checksum = out / f"discogs_{DATE}_CHECKSUM.txt"
    if checksum.exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    lines = []
    for kind in ("artists", "labels", "masters", "releases"):
        name = f"discogs_{DATE}_{kind}.xml.gz"
        source, target = dump / name, out / name
        if not source.exists():
            continue
        target.unlink(missing_ok=True)
        if kind == "releases":
            with gzip.open(target, "wb", compresslevel=1) as written:
                parts = pieces(source)
                written.write(next(parts))  # "<releases>"
                for part in parts:
                    written.write(b"\n" + retitled(RECORD_START[1:] + part))
        else:
            target.hardlink_to(source)
        lines.append(f"{_sha256(target)} {name}\n")
    temporary = checksum.with_suffix(".partial")
    temporary.write_text("".join(lines))
    temporary.replace(checksum)
    return out


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
