"""export/outputs.py: a kind's Parquet as a directory of bounded part files, put in place whole."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from discogsography.export import outputs
from discogsography.export.batch import to_ipc
from discogsography.export.outputs import ParquetOutput, in_place
from tests.export.test_export import rows_of

SCHEMA = pa.schema([("id", pa.int64()), ("title", pa.string())])


def _batch(start: int, rows: int) -> bytes:
    ids = list(range(start, start + rows))
    return to_ipc(pa.record_batch([pa.array(ids), pa.array([f"t{i}" for i in ids])], schema=SCHEMA))


def test_parts_hold_at_most_their_row_groups_and_read_back_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outputs, "ROW_GROUP_BYTES", 1)  # one row group per batch
    output = ParquetOutput(tmp_path / "releases", SCHEMA, part_row_groups=3)
    for start in range(0, 1000, 100):
        output.write(_batch(start, 100))
    output.close()
    parts = sorted((tmp_path / "releases").iterdir())
    assert [p.name for p in parts] == [f"part-{n:05d}.parquet" for n in range(4)]
    assert [pq.ParquetFile(p).metadata.num_row_groups for p in parts] == [3, 3, 3, 1]
    ids = rows_of(f"SELECT id FROM '{tmp_path / 'releases'}/*.parquet'")
    assert [i for (i,) in ids] == list(range(1000))


def test_an_empty_dump_gives_one_empty_part_with_the_schema(tmp_path: Path) -> None:
    output = ParquetOutput(tmp_path / "labels", SCHEMA)
    output.write(_batch(0, 0))
    output.close()
    (part,) = (tmp_path / "labels").iterdir()
    table = pq.read_table(part)
    assert table.num_rows == 0 and table.schema.names == SCHEMA.names


def test_a_new_export_replaces_the_old_directory_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outputs, "ROW_GROUP_BYTES", 1)
    final = tmp_path / "releases"
    for batches in (5, 2):  # the second export has fewer parts: none of the first may remain
        with in_place(final, directory=True) as temporary:
            output = ParquetOutput(temporary, SCHEMA, part_row_groups=1)
            for start in range(batches):
                output.write(_batch(start * 10, 10))
            output.close()
    assert sorted(p.name for p in final.iterdir()) == ["part-00000.parquet", "part-00001.parquet"]
    assert [p.name for p in tmp_path.iterdir()] == ["releases"]  # nothing left beside it


def test_a_failed_export_leaves_the_old_directory_and_no_temporary(tmp_path: Path) -> None:
    final = tmp_path / "releases"
    with in_place(final, directory=True) as temporary:
        output = ParquetOutput(temporary, SCHEMA)
        output.write(_batch(0, 10))
        output.close()
    with pytest.raises(RuntimeError), in_place(final, directory=True) as temporary:
        ParquetOutput(temporary, SCHEMA).write(_batch(100, 10))
        raise RuntimeError("the dump broke")
    assert [p.name for p in tmp_path.iterdir()] == ["releases"]
    assert rows_of(f"SELECT count(*) FROM '{final}/*.parquet'") == [(10,)]


def test_a_temporary_left_by_a_killed_run_does_not_stop_the_next(tmp_path: Path) -> None:
    stale = tmp_path / f".releases.{os.getpid()}.part"
    stale.mkdir()
    (stale / "part-00000.parquet").write_bytes(b"half")
    with in_place(tmp_path / "releases", directory=True) as temporary:
        output = ParquetOutput(temporary, SCHEMA)
        output.write(_batch(0, 10))
        output.close()
    assert rows_of(f"SELECT count(*) FROM '{tmp_path / 'releases'}/*.parquet'") == [(10,)]
    assert [p.name for p in tmp_path.iterdir()] == ["releases"]
