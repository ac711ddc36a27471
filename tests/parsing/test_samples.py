"""The parser on the real samples of every era: faithful, schema-valid, the same in every mode."""

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from discogsography.kinds import Kind
from discogsography.parsing import DumpParser
from discogsography.parsing.convert import TEXT_KEY
from discogsography.schemas import load_schema
from tests.conftest import SAMPLES_2020, SAMPLES_2025, sample_files
from tests.fidelity import triples_differ
from tests.parsing.helpers import write_dump

SAMPLE_IDS = [f"{p.parent.name}/{p.name}" for p in sample_files()]


def xml_values(element: ET.Element) -> Iterator[str]:
    """Every attribute value and every non-empty text of an element and its descendants,
    read with the stdlib parser, independent of the parser under test."""
    for node in element.iter():
        yield from node.attrib.values()
        if len(node) == 0:
            if node.text:
                yield node.text
        else:
            mixed = "".join([node.text or ""] + [child.tail or "" for child in node])
            if mixed.strip():
                yield mixed


def record_values(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key != "sha256":
                yield from record_values(item)
    elif isinstance(value, list):
        for item in value:
            yield from record_values(item)
    elif isinstance(value, str):
        yield value
    elif isinstance(value, int):
        yield str(value)


def xml_paths(element: ET.Element, prefix: str = "") -> Iterator[str]:
    """The path of every attribute and element below a record element."""
    for name in element.attrib:
        yield f"{prefix}/{name}"
    for child in element:
        path = f"{prefix}/{child.tag}"
        yield path
        yield from xml_paths(child, path)


def record_paths(value: dict[str, Any], prefix: str = "") -> Iterator[str]:
    """The path of every key of a record, a list counting once per item."""
    for key, item in value.items():
        if key == TEXT_KEY:
            continue
        path = f"{prefix}/{key}"
        for one in item if isinstance(item, list) else [item]:
            yield path
            if isinstance(one, dict):
                yield from record_paths(one, path)


@pytest.mark.parametrize("path", sample_files(), ids=SAMPLE_IDS)
def test_every_xml_value_appears_in_the_record_and_nothing_else(path: Path) -> None:
    """Faithfulness: the multiset of text and attribute values of each record's XML equals the
    multiset of string values of its record (the id counted once, as its XML text)."""
    with gzip.open(path) as handle:
        root = ET.parse(handle).getroot()
    records = list(DumpParser(path))
    assert len(records) == len(root)
    for element, record in zip(root, records, strict=True):
        assert Counter(record_values(record.data)) == Counter(xml_values(element)), record.id


@pytest.mark.parametrize("path", sample_files(), ids=SAMPLE_IDS)
def test_element_structure_is_preserved(path: Path) -> None:
    """Every element and attribute of the XML, with its nesting, is a key at the same place in
    the record, counted: a container's items are its list entries."""
    with gzip.open(path) as handle:
        root = ET.parse(handle).getroot()
    kind = DumpParser(path).kind
    for element, record in zip(root, DumpParser(path), strict=True):
        assert kind.spec.record_tag == element.tag
        got = Counter(record_paths({k: v for k, v in record.data.items() if k != "sha256"}))
        assert got == Counter(xml_paths(element)), record.id


@pytest.mark.parametrize("path", sample_files(), ids=SAMPLE_IDS)
def test_every_value_sits_at_its_path_under_its_name(path: Path) -> None:
    """Faithfulness path by path: each record's (path, name, value) triples, read from the XML by
    ElementTree, equal those of its JSON record. The record tag is the XML's own."""
    with gzip.open(path) as handle:
        root = ET.parse(handle).getroot()
    records = list(DumpParser(path))
    assert len(records) == len(root) > 0
    assert len({element.tag for element in root}) == 1
    for element, record in zip(root, records, strict=True):
        assert not triples_differ(element, record.data), record.id


def test_triples_catch_a_value_under_the_wrong_key() -> None:
    # Same values, same paths, only swapped: the multiset checks above cannot see this.
    element = ET.fromstring('<release id="1"><title>Sweden</title><country>Stockholm</country></release>')
    swapped = {"id": 1, "title": "Stockholm", "country": "Sweden"}
    assert Counter(record_values(swapped)) == Counter(xml_values(element))
    assert triples_differ(element, swapped) == Counter(
        {
            ("", "title", "Sweden"): 1,
            ("", "country", "Stockholm"): 1,
            ("", "title", "Stockholm"): 1,
            ("", "country", "Sweden"): 1,
        }
    )
    assert not triples_differ(element, {"id": 1, "title": "Sweden", "country": "Stockholm"})


@pytest.mark.parametrize("path", sample_files(), ids=SAMPLE_IDS)
def test_every_sample_record_is_valid_against_its_schema(path: Path) -> None:
    parser = DumpParser(path)
    validator = jsonschema.Draft202012Validator(load_schema(parser.kind))
    count = 0
    for record in parser:
        validator.validate(record.data)
        count += 1
    assert count == parser.stats.records > 0


def test_schema_rejects_a_wrong_shape() -> None:
    validator = jsonschema.Draft202012Validator(load_schema(Kind.RELEASES))
    assert not validator.is_valid({"id": 1, "genres": "Jazz"})
    assert not validator.is_valid({"id": "1"})
    assert not validator.is_valid({"id": 1, "unknown_element": "x"})
    assert validator.is_valid({"id": 1, "genres": {"genre": ["Jazz"]}})


def test_kind_is_detected_from_the_root_element() -> None:
    for path in sample_files():
        kind = DumpParser(path).kind
        assert kind.value in path.name


def test_sample_counts() -> None:
    counts = {p.name: DumpParser(p) for p in sample_files()}
    for parser in counts.values():
        list(parser)
    assert {name: p.stats.records for name, p in counts.items()} == {
        "discogs_20200806_artists.xml.gz": 1000,
        "discogs_20200806_labels.xml.gz": 1000,
        "discogs_20200806_masters.xml.gz": 1000,
        "discogs_20200806_releases.xml.gz": 1000,
        "discogs_artists.xml.gz": 19,
        "discogs_labels.xml.gz": 9,
        "discogs_masters.xml.gz": 4,
        "discogs_releases.xml.gz": 11,
    }
    assert all(p.stats.skipped == 0 for p in counts.values())


def by_id(path: Path) -> dict[int, dict[str, Any]]:
    return {record.id: record.data for record in DumpParser(path)}


def test_2020_format_quirks() -> None:
    release = by_id(SAMPLES_2020 / "discogs_20200806_releases.xml.gz")[1]
    assert release["status"] == "Accepted"
    assert release["images"]["image"][0] == {
        "type": "primary",
        "uri": "",
        "uri150": "",
        "width": "600",
        "height": "600",
    }
    credit = release["artists"]["artist"][0]
    assert credit == {
        "id": "1",
        "name": "The Persuader",
        "anv": None,
        "join": None,
        "role": None,
        "tracks": None,
    }
    assert release["master_id"] == {"is_main_release": "true", "#text": "1660109"}
    assert release["formats"]["format"][0]["descriptions"]["description"] == ['12"', "33 ⅓ RPM"]
    # &#13; is a carriage return in the text.
    assert "release/1\r\n\r\nThe Persuader" in release["videos"]["video"][0]["description"]


def test_two_artist_records_sharing_a_line() -> None:
    path = SAMPLES_2020 / "discogs_20200806_artists.xml.gz"
    raw = gzip.decompress(path.read_bytes())
    shared = next(line for line in raw.split(b"\n") if line.count(b"<artist>") == 2)
    first, second = (int(part.split(b"</id>")[0]) for part in shared.split(b"<id>")[1:3])
    artists = by_id(path)
    assert first in artists
    assert second in artists


def test_2025_2026_format_quirks() -> None:
    releases = by_id(SAMPLES_2025 / "discogs_releases.xml.gz")
    for release in releases.values():
        assert "status" not in release or isinstance(release["status"], str)
        assert "images" not in release
        for credit in (release.get("extraartists") or {}).get("artist", []):
            assert credit.get("anv") != ""  # empty anv/join/role/tracks are omitted, not empty
    credits_without_id = [
        credit
        for release in releases.values()
        for track in (release.get("tracklist") or {}).get("track", [])
        for credit in (track.get("extraartists") or {}).get("artist", [])
        + (release.get("extraartists") or {}).get("artist", [])
        if "id" not in credit
    ]
    assert credits_without_id, "the 2025/2026 samples hold credits without an id"
    nested = [
        track
        for release in releases.values()
        for track in (release.get("tracklist") or {}).get("track", [])
        if track.get("sub_tracks")
    ]
    assert nested and all(isinstance(t["sub_tracks"]["track"], list) for t in nested)


def test_raw_carriage_returns_follow_xml_line_end_rules() -> None:
    # The 2025/2026 samples hold raw CR characters; XML turns CR LF and lone CR into LF,
    # while &#13; stays a CR. The stdlib parser agrees (see the faithfulness test).
    path = SAMPLES_2025 / "discogs_artists.xml.gz"
    assert b"\r" in gzip.decompress(path.read_bytes())
    records = [r.data for r in DumpParser(path)]
    assert records


def test_label_without_a_name(tmp_path: Path) -> None:
    # Real label 212 has no <name> element.
    path = write_dump(
        tmp_path,
        "l.xml.gz",
        "<labels>\n<label><id>212</id><data_quality>Needs Vote</data_quality></label>\n</labels>",
    )
    (label,) = [r.data for r in DumpParser(path)]
    assert label["id"] == 212
    assert "name" not in label


def test_sixty_four_digit_qty_is_kept_exactly(tmp_path: Path) -> None:
    qty = "9" * 64
    path = write_dump(
        tmp_path,
        "r.xml.gz",
        f'<releases>\n<release id="5"><formats><format name="CDr" qty="{qty}" text=""/></formats></release>\n</releases>',
    )
    (release,) = [r.data for r in DumpParser(path)]
    assert release["formats"]["format"][0]["qty"] == qty


def test_parallel_mode_gives_the_same_records_in_the_same_order() -> None:
    for path in sample_files():
        single = [(r.id, r.sha256, r.json) for r in DumpParser(path)]
        parallel = [(r.id, r.sha256, r.json) for r in DumpParser(path, workers=2, chunk_size=4096)]
        assert parallel == single, path


def test_parallel_mode_reports_bad_records(tmp_path: Path) -> None:
    body = "".join(f'<release id="{i}"><title>t</title></release>\n' for i in range(1, 2000))
    path = write_dump(
        tmp_path, "r.xml.gz", f'<releases>\n{body}<release id="x"/>\n<release id="9999"/>\n</releases>'
    )
    parser = DumpParser(path, workers=2, chunk_size=8192)
    got = [r.id for r in parser]
    assert got == [*range(1, 2000), 9999]
    assert parser.stats.skipped == 1


def test_small_chunks_give_the_same_records() -> None:
    path = SAMPLES_2020 / "discogs_20200806_masters.xml.gz"
    assert [r.json for r in DumpParser(path, chunk_size=97)] == [r.json for r in DumpParser(path)]


# Hashes written by the parser before records were split by balanced tags (2026-12-01): the
# first and last record of every sample file. The record format, and so every hash, stays.
PINNED_HASHES = {
    ("discogs_20200806", "discogs_20200806_artists.xml.gz"): {
        1: "f04d7e362f6e43b6ded8193663ce62b701e646972482eddeedb00000daf849bf",
        7347455: "3fef502f1b2e1d8e2855682c95a19a07edcbbd80b96a5efbdc264c475403f90e",
    },
    ("discogs_20200806", "discogs_20200806_labels.xml.gz"): {
        1: "600e5fa96afe97ef4a386de0d3d0e66fbc641780825d61742e1786f7d2c9036d",
        1713781: "9b7754ffe2f846d0d65037633bcc09165bc1272c25064f3c47fd4fbc4cfe4696",
    },
    ("discogs_20200806", "discogs_20200806_masters.xml.gz"): {
        113: "72139a3f76a05b358a751d4d2fed00ba49a9146818e9b26e099f7e8d9b73c3cf",
        1162096: "b689a13e8ea3d6e101c4a962e926380915e6e82013ca191971512eb60626d20b",
    },
    ("discogs_20200806", "discogs_20200806_releases.xml.gz"): {
        1: "2c46f512887bf3f4ab5e4b342a69d6ed90069611d5d1e3b897d7d601640c08cb",
        14220612: "b6c7170566c924db5311d8b5034654fa44ea57d8b2cc842f15f8f451502e9623",
    },
    ("discogs_2025_2026", "discogs_artists.xml.gz"): {
        32: "3a75f48e75016dd29aa1a3b5462c978d0a554b6dfd8c9d444584f01edf8439e6",
        3411228: "9dde93bd2145f035f88f5b5f4d6d09fb72390985d95ba8bea849d8d0245a6b8d",
    },
    ("discogs_2025_2026", "discogs_labels.xml.gz"): {
        157: "b66e0d74ec153afc191253fad3afc7cc5f28c8c30bff2b81c89c465dfac4faf5",
        72737: "ddd18c9003d444d06a4c624286d94d6f4e3889836ac246dff349d98854d7a89d",
    },
    ("discogs_2025_2026", "discogs_masters.xml.gz"): {
        115: "bb77703922503493c36c881e289e47e365fa0847ccfeec0c2f4aa44547e0147a",
        482870: "6fa981beea2538eb988ed0dfc812beb29324491513554d8e621202ce5ce76907",
    },
    ("discogs_2025_2026", "discogs_releases.xml.gz"): {
        2323: "8eb167bff03072d02668bbc2b337ef544f096cd6e6811f7781314be5dceb8762",
        10850325: "7a0061028d793ed965a4547c9ad2d608d37179a017127bf660e0fcd7c85eb431",
    },
}


@pytest.mark.parametrize(("folder", "name"), list(PINNED_HASHES), ids=str)
def test_hashes_are_those_of_before(folder: str, name: str) -> None:
    pinned = PINNED_HASHES[(folder, name)]
    got = {r.id: r.sha256 for r in DumpParser(SAMPLES_2020.parent / folder / name) if r.id in pinned}
    assert got == pinned
