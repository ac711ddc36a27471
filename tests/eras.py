"""Dumps in the shapes Discogs has written over the years, made by reshaping the real samples.

The records are the bundled real ones (2020-08-06 and 2025/2026), read and rewritten with the
standard library's ElementTree, so nothing here depends on the code under test:

- ``old``, the shape of 2017 and earlier with what lasted until 2024: sub-labels and the parent
  label as plain ``<label>Name</label>``, artist members as ``members/id`` + ``members/name``,
  credits without an artist written with ``<id>0</id>``, empty ``anv``/``join``/``role``/``tracks``
  present, ``images``, ``status`` and companies' ``resource_url`` present;
- ``new``, the 2026 shape: ids on sub-labels and members only, credits without an artist have no
  ``<id>``, empty credit fields omitted, no ``images``, ``status`` or ``resource_url``.
"""

from __future__ import annotations

import gzip
import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path

from tests.conftest import SAMPLES_2020, SAMPLES_2025

ERAS = ("old", "new")
ERA_DATES = {"old": "20170601", "new": "20261001"}
KINDS = ("artists", "labels", "masters", "releases")
CREDIT_FIELDS = ("anv", "join", "role", "tracks")
# Where credits are: the record's artists and extraartists, and those of its tracks.
CREDIT_PATHS = (
    "artists/artist",
    "extraartists/artist",
    ".//track/artists/artist",
    ".//track/extraartists/artist",
)


def source_records(kind: str) -> Iterator[ET.Element]:
    """The samples of both eras, each id once (the two eras' samples share a few records)."""
    seen: set[str] = set()
    for path in (SAMPLES_2020 / f"discogs_20200806_{kind}.xml.gz", SAMPLES_2025 / f"discogs_{kind}.xml.gz"):
        with gzip.open(path) as handle:
            for record in ET.parse(handle).getroot():
                record_id = record.get("id") or record.findtext("id") or ""
                if record_id not in seen:
                    seen.add(record_id)
                    yield record


def _credits(record: ET.Element) -> Iterator[ET.Element]:
    for path in CREDIT_PATHS:
        yield from record.iterfind(path)


def _old(kind: str, record: ET.Element) -> None:
    if kind == "labels":
        for label in record.iterfind("sublabels/label"):
            label.attrib.pop("id", None)
        parent = record.find("parentLabel")
        if parent is not None:
            parent.attrib.pop("id", None)
    if kind == "artists":
        members = record.find("members")
        if members is not None:
            names = [(name.get("id"), name.text) for name in members.iterfind("name")]
            if names and all(member_id for member_id, _ in names):
                members.clear()
                for member_id, text in names:
                    ET.SubElement(members, "id").text = member_id
                    ET.SubElement(members, "name").text = text
    for credit in _credits(record):
        if credit.find("id") is None:
            credit.insert(0, ET.Element("id"))
            credit[0].text = "0"
        for position, name in enumerate(CREDIT_FIELDS, start=2):
            if credit.find(name) is None:
                credit.insert(min(position, len(credit)), ET.Element(name))
    if record.find("images") is None:
        images = ET.Element("images")
        ET.SubElement(images, "image", type="primary", uri="", uri150="", width="600", height="600")
        record.insert(0, images)
    if kind == "releases":
        record.set("status", record.get("status", "Accepted"))
        for company in record.iterfind("companies/company"):
            if company.find("resource_url") is None:
                url = ET.SubElement(company, "resource_url")
                url.text = f"https://api.discogs.com/labels/{company.findtext('id')}"


def _new(kind: str, record: ET.Element) -> None:
    if kind == "artists":
        members = record.find("members")
        if members is not None and members.find("name[@id]") is not None:
            for bare in members.findall("id"):
                members.remove(bare)
    for credit in _credits(record):
        bare_id = credit.find("id")
        if bare_id is not None and bare_id.text == "0":
            credit.remove(bare_id)
        for name in CREDIT_FIELDS:
            field = credit.find(name)
            if field is not None and not (field.text or "").strip():
                credit.remove(field)
    images = record.find("images")
    if images is not None:
        record.remove(images)
    record.attrib.pop("status", None)
    for company in record.iterfind("companies/company"):
        url = company.find("resource_url")
        if url is not None:
            company.remove(url)


RESHAPERS: dict[str, Callable[[str, ET.Element], None]] = {"old": _old, "new": _new}


def build_era_dump(directory: Path, era: str) -> Path:
    """Write the four files of one dump in ``era``'s shape and their CHECKSUM file."""
    date = ERA_DATES[era]
    directory.mkdir(parents=True, exist_ok=True)
    sums = []
    for kind in KINDS:
        records = []
        for record in source_records(kind):
            RESHAPERS[era](kind, record)
            record.tail = None
            records.append(ET.tostring(record, encoding="unicode"))
        xml = f"<{kind}>\n" + "\n".join(records) + f"\n</{kind}>\n"
        name = f"discogs_{date}_{kind}.xml.gz"
        data = gzip.compress(xml.encode(), mtime=0)
        (directory / name).write_bytes(data)
        sums.append(f"{hashlib.sha256(data).hexdigest()} {name}\n")
    (directory / f"discogs_{date}_CHECKSUM.txt").write_text("".join(sums))
    return directory
