"""The two ways a block becomes an Arrow batch give the same batch (export/batch.py).

The columnar path (Arrow's JSON reader for the record's own fields) must give, for every block
it accepts, exactly what the record-by-record path gives; for a block it refuses, to_batch must
fall back to the record-by-record path, whose ``conform`` keeps every value.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pyarrow as pa
import pytest

from discogsography.export import batch
from discogsography.export.arrow_schema import arrow_schema
from discogsography.kinds import Kind
from discogsography.parsing import ParsedRecord
from discogsography.parsing.canonical import hashed_line
from discogsography.relational.table_rows import rows_from_json
from discogsography.relational.tables import TABLES
from tests.conftest import SAMPLES_2020, SAMPLES_2025
from tests.eras import ERAS, build_era_dump
from tests.export.test_export import parsed


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    eras = [build_era_dump(tmp_path_factory.mktemp(f"era-{era}"), era) for era in ERAS]
    return [SAMPLES_2020, SAMPLES_2025, *eras]


def test_columnar_batches_equal_the_record_by_record_ones(folders: list[Path]) -> None:
    columnar_records = refused_records = 0
    for folder in folders:
        for kind, records in parsed(folder).items():
            for size in (3, len(records)):
                for start in range(0, len(records), size):
                    block = records[start : start + size]
                    expected = batch._from_dicts(kind, block)
                    assert batch.to_batch(kind, block).equals(expected), (folder, kind, start)
                    try:
                        columnar = batch._columnar(kind, block)
                    except pa.ArrowInvalid:  # the old era's plain member names, for one
                        refused_records += len(block)
                        continue
                    assert columnar.equals(expected), (folder, kind, start)
                    columnar_records += len(block)
    # The real samples take the columnar path whole; every record was compared in two block sizes.
    assert columnar_records > 2 * 2000 and refused_records > 0


def test_the_typed_columns_are_the_rows_of_rows_from_json(folders: list[Path]) -> None:
    """The fields left undecoded (LINK_ONLY_FIELDS) change no record's row."""
    for folder in folders:
        for kind, records in parsed(folder).items():
            columns = TABLES[kind].columns
            wanted = [
                tuple(
                    v for c, v in zip(columns, rows_from_json(kind, r.json).row, strict=True) if c != "data"
                )
                for r in records
            ]
            assert batch.typed_rows(kind, records) == wanted, (folder, kind)


def _record(kind: Kind, fields: dict[str, object]) -> ParsedRecord:
    data = {"id": 7, **fields}
    digest, line = hashed_line(data)
    return ParsedRecord(kind, 7, digest, line, 0)


OFF_SHAPE = [
    {"notes": 5},  # a number where text is expected
    {"notes": {"b": "bold"}},  # an element where text is expected
    {"images": {"image": {"uri": "x"}}},  # one element where a list is expected
    {"labels": "text"},  # text where an element is expected
    {"videos": {"video": [{"src": "a", "title": ["t1", "t2"]}]}},  # a repeated tag, a list
    {"tracklist": {"track": [{"sub_tracks": {"track": [{"sub_tracks": {"track": [{"title": "d"}]}}]}}]}},
]


@pytest.mark.parametrize("fields", OFF_SHAPE, ids=[orjson.dumps(f).decode()[:30] for f in OFF_SHAPE])
def test_a_record_off_the_shape_takes_the_record_path_with_its_neighbours(fields: dict[str, object]) -> None:
    block = [_record(Kind.RELEASES, {"title": "ok", "notes": "plain"}), _record(Kind.RELEASES, fields)]
    expected = batch._from_dicts(Kind.RELEASES, block)
    got = batch.to_batch(Kind.RELEASES, block)
    assert got.equals(expected)
    assert got.num_rows == 2 and got.column("title").to_pylist() == ["ok", None]


def test_the_nested_shape_that_fits_takes_the_columnar_path() -> None:
    block = [_record(Kind.RELEASES, {"tracklist": {"track": [{"title": "a", "extra": {"x": "1"}}]}})]
    got = batch._columnar(Kind.RELEASES, block)  # an unknown nested key is dropped, as from_pylist does
    assert got.equals(batch._from_dicts(Kind.RELEASES, block))
    assert got.column("tracklist").to_pylist()[0]["track"][0]["title"] == "a"


def test_ipc_round_trip_and_an_empty_block() -> None:
    empty = batch.to_batch(Kind.LABELS, [])
    assert empty.num_rows == 0 and empty.schema == arrow_schema(Kind.LABELS)
    block = [_record(Kind.LABELS, {"name": "L", "profile": "p"})]
    one = batch.to_batch(Kind.LABELS, block)
    assert batch.from_ipc(batch.to_ipc(one)).equals(pa.Table.from_batches([one]))
