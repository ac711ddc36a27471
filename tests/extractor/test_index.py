"""The published-records index and the choice of mode: pure file work, no services."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from discogsography.amqp.messages import FULL_MODE, INCREMENTAL_MODE
from discogsography.dumps.state_marker import new_marker
from discogsography.extractor.index import (
    CHANGED,
    NEW,
    UNCHANGED,
    IndexBuilder,
    IndexUnusableError,
    check_base,
    index_path,
    parse_index_name,
    read_meta,
)
from discogsography.extractor.prefilter import KnownRecords, xml_digest
from discogsography.extractor.refresh import plan_file, previous_completed_version
from discogsography.extractor.retention import indexes_to_remove
from discogsography.kinds import Kind
from discogsography.parsing.splitter import RawRecord

A, B = "20990101", "20990201"


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def _build(root: Path, version: str, records: dict[int, str], base: Path | None = None) -> list[int]:
    builder = IndexBuilder(root, version, Kind.LABELS, base)
    states = builder.add(list(records), [_digest(text) for text in records.values()])
    builder.commit()
    return states


def test_a_built_index_holds_every_id_and_says_what_changed_against_its_base(tmp_path: Path) -> None:
    assert _build(tmp_path, A, {1: "one", 2: "two", 3: "three"}) == [NEW, NEW, NEW]
    base = index_path(tmp_path, A, Kind.LABELS)
    assert read_meta(base)["records"] == "3"
    builder = IndexBuilder(tmp_path, B, Kind.LABELS, base)
    states = builder.add([1, 2, 4], [_digest("one"), _digest("TWO"), _digest("four")])
    assert states == [UNCHANGED, CHANGED, NEW]
    assert builder.add([2], [_digest("TWO")], unchanged=[True]) == [UNCHANGED]  # known: not asked
    assert list(builder.removed(10)) == [[3]]
    assert not index_path(tmp_path, B, Kind.LABELS).exists()  # only once committed
    builder.commit()
    check_base(index_path(tmp_path, B, Kind.LABELS), Kind.LABELS, B)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".index_20990101_labels.sqlite",
        ".index_20990201_labels.sqlite",
    ]


def test_removed_ids_come_in_batches_in_id_order(tmp_path: Path) -> None:
    _build(tmp_path, A, {i: str(i) for i in range(1, 251)})
    builder = IndexBuilder(tmp_path, B, Kind.LABELS, index_path(tmp_path, A, Kind.LABELS))
    builder.add([7], [_digest("7")])
    batches = list(builder.removed(100))
    builder.discard()
    assert [len(batch) for batch in batches] == [100, 100, 49]
    assert batches[0][:3] == [1, 2, 3] and 7 not in batches[0]
    assert list(tmp_path.iterdir()) == [index_path(tmp_path, A, Kind.LABELS)]  # discarded: no .part


def test_an_unusable_base_says_why(tmp_path: Path) -> None:
    path = index_path(tmp_path, A, Kind.LABELS)
    with pytest.raises(IndexUnusableError, match="missing"):
        check_base(path, Kind.LABELS, A)
    path.write_bytes(b"not a database at all, just some bytes " * 100)
    with pytest.raises(IndexUnusableError, match="not a readable index"):
        check_base(path, Kind.LABELS, A)
    path.unlink()
    _build(tmp_path, A, {1: "one"})
    with pytest.raises(IndexUnusableError, match="kind is 'labels'"):
        check_base(path, Kind.ARTISTS, A)


def _complete_marker(root: Path, version: str, complete: bool) -> None:
    marker = new_marker(version)
    if complete:
        marker.complete_extraction()
    marker.save(root / f".extraction_status_{version}.json")


def test_only_a_completed_older_version_is_a_base(tmp_path: Path) -> None:
    assert previous_completed_version(tmp_path, B) is None
    _complete_marker(tmp_path, "20981201", complete=True)
    _complete_marker(tmp_path, A, complete=False)  # interrupted: never a base
    _complete_marker(tmp_path, B, complete=True)  # the version itself
    (tmp_path / ".extraction_status_20990115.json").write_text("{not json")
    assert previous_completed_version(tmp_path, B) == "20981201"


def test_the_mode_of_a_file(tmp_path: Path) -> None:
    _build(tmp_path, A, {1: "one"})
    plan = plan_file(tmp_path, B, Kind.LABELS, A, force=False)
    assert plan.mode == INCREMENTAL_MODE and plan.increment is not None
    assert (plan.increment.version, plan.increment.base_version) == (B, A)
    assert plan_file(tmp_path, B, Kind.LABELS, A, force=True).mode == FULL_MODE
    assert plan_file(tmp_path, B, Kind.LABELS, None, force=False).reason == "no completed older version"
    missing = plan_file(tmp_path, B, Kind.ARTISTS, A, force=False)
    assert missing.mode == FULL_MODE and "missing" in missing.reason


def test_retention_keeps_the_indexes_the_next_refresh_needs() -> None:
    names = [
        ".index_20990101_labels.sqlite",
        ".index_20990201_labels.sqlite",
        ".index_20990301_labels.sqlite",
        ".index_20990201_releases.sqlite.part",
        ".index_20990301_releases.sqlite.part",
        "discogs_20990101_labels.xml.gz",
    ]
    assert indexes_to_remove(names, "20990301", keep_versions=2) == [
        ".index_20990101_labels.sqlite",
        ".index_20990201_releases.sqlite.part",
    ]
    assert indexes_to_remove(names, "20990301", keep_versions=1) == [
        ".index_20990101_labels.sqlite",
        ".index_20990201_labels.sqlite",
        ".index_20990201_releases.sqlite.part",
    ]
    assert indexes_to_remove(names, "20990301", keep_versions=0) == [".index_20990201_releases.sqlite.part"]
    assert parse_index_name("discogs_20990101_labels.xml.gz") is None


def test_the_prefilter_answers_only_for_xml_the_base_has_byte_for_byte(tmp_path: Path) -> None:
    same = b"<label><id>5</id><name>Same</name></label>\n"
    builder = IndexBuilder(tmp_path, A, Kind.LABELS)
    builder.add(
        [5, 6],
        [_digest("five"), _digest("six")],
        [xml_digest(same), xml_digest(b"<label><id>6</id></label>")],
    )
    base = builder.commit()
    known = KnownRecords.open(Kind.LABELS, base)
    hit = known(RawRecord(0, same))
    assert hit is not None and (hit.id, hit.sha256, hit.json) == (5, _digest("five").hex(), b"")
    assert known(RawRecord(50, b"<label><id>6</id><name>New</name></label>")) is None  # parse it
    assert known.take(6) == xml_digest(b"<label><id>6</id><name>New</name></label>")
    assert known(RawRecord(99, b"<label><name>no id</name></label>")) is None
    known.close()


def test_a_base_from_other_conversion_code_is_not_trusted_for_its_xml(tmp_path: Path) -> None:
    xml = b"<label><id>5</id></label>"
    builder = IndexBuilder(tmp_path, A, Kind.LABELS)
    builder.add([5], [_digest("five")], [xml_digest(xml)])
    base = builder.commit()
    with sqlite3.connect(base) as conn:
        conn.execute("UPDATE meta SET value = 'discogsography 0.0.1' WHERE key = 'converter'")
    known = KnownRecords.open(Kind.LABELS, base)
    assert known(RawRecord(0, xml)) is None and known.take(5) == xml_digest(xml)
    known.close()
