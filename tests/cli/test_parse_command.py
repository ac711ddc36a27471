"""`discogsography parse` as a user runs it: a subprocess, its stdout, stderr and exit status."""

from __future__ import annotations

import gzip
import os
import stat
import subprocess
import sys
import threading
import zlib
from pathlib import Path

import orjson
import pytest

from discogsography.parsing import DumpParser
from discogsography.parsing.canonical import record_sha256
from tests.conftest import SAMPLES_2020, SAMPLES_2025


def run(*args: str | Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "discogsography", "parse", *map(str, args)],
        capture_output=True,
        timeout=120,
        check=False,
    )


def test_jsonl_on_stdout_with_a_summary_on_stderr() -> None:
    path = SAMPLES_2025 / "discogs_releases.xml.gz"
    result = run(path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 11
    records = [orjson.loads(line) for line in lines]
    assert [r["id"] for r in records] == [r.id for r in DumpParser(path)]
    for record in records:
        assert record["sha256"] == record_sha256(record)
    summary = result.stderr.decode()
    assert "releases: 11 records, 0 skipped" in summary
    assert "records/s" in summary


def test_output_file_and_limit(tmp_path: Path) -> None:
    out = tmp_path / "labels.jsonl"
    result = run(SAMPLES_2020 / "discogs_20200806_labels.xml.gz", "--limit", "25", "--output", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b""
    assert len(out.read_bytes().splitlines()) == 25
    assert not list(tmp_path.glob("*.part"))


def test_two_workers_write_the_same_lines(tmp_path: Path) -> None:
    path = SAMPLES_2020 / "discogs_20200806_masters.xml.gz"
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert run(path, "-o", one).returncode == 0
    assert run(path, "-o", two, "--workers", "2").returncode == 0
    assert one.read_bytes() == two.read_bytes()


def test_writing_to_a_pipe_writes_into_it_and_leaves_it_a_pipe(tmp_path: Path) -> None:
    # Like /dev/null or a FIFO: never replaced by a regular file through the rename.
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = run(SAMPLES_2025 / "discogs_labels.xml.gz", "--output", fifo)
    reader.join(timeout=60)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert len(received[0].splitlines()) == 9


def test_skipped_records_are_reported_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "r.xml.gz"
    path.write_bytes(
        gzip.compress(
            b'<releases>\n<release id="1"/>\n<release id="2"><a></b></release>\n<release id="3"/>\n</releases>'
        )
    )
    result = run(path, "--max-skipped-share", "0.5")
    assert result.returncode == 0
    assert [orjson.loads(line)["id"] for line in result.stdout.splitlines()] == [1, 3]
    stderr = result.stderr.decode()
    assert "skipped: record id 2: malformed XML" in stderr
    assert "2 records, 1 skipped (id 2)," in stderr


def test_more_skipped_than_the_share_allows_exits_1_and_writes_no_output(tmp_path: Path) -> None:
    def dump(good: int, broken: int) -> Path:
        records = "".join(f'<release id="{i}"/>\n' for i in range(1, good + 1))
        records += "".join(f'<release id="{9000 + i}"><a></b></release>\n' for i in range(broken))
        path = tmp_path / "r.xml.gz"
        path.write_bytes(gzip.compress(f"<releases>\n{records}</releases>".encode()))
        return path

    # 2 of 1,000 records broken: 0.2 %, over the default 0.1 %.
    output = tmp_path / "out.jsonl"
    result = run(dump(998, 2), "--output", output)
    assert result.returncode == 1
    lines = result.stderr.decode().splitlines()
    assert lines[-1].startswith("error: ") and "2 of 1000 records skipped (0.20%)" in lines[-1]
    assert "Traceback" not in result.stderr.decode()
    assert not output.exists()
    # At the limit itself (1 of 1,000) the parse completes.
    again = run(dump(999, 1), "--output", output)
    assert again.returncode == 0, again.stderr
    assert "999 records, 1 skipped (id 9000)," in again.stderr.decode()
    assert len(output.read_bytes().splitlines()) == 999


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"hello", "not XML"),
        (b"<catalog/>", "not a Discogs dump"),
        (b'<!DOCTYPE r [<!ENTITY x "y">]><releases/>', "DOCTYPE"),
    ],
)
def test_bad_files_give_one_line_and_exit_1(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.xml"
    path.write_bytes(content)
    result = run(path)
    assert result.returncode == 1
    stderr = result.stderr.decode()
    assert stderr.count("\n") == 1, stderr
    assert stderr.startswith("error: ") and message in stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_truncated_gzip_exits_1_after_streaming_the_good_records(tmp_path: Path, workers: str) -> None:
    data = (SAMPLES_2020 / "discogs_20200806_artists.xml.gz").read_bytes()
    path = tmp_path / "cut.xml.gz"
    path.write_bytes(data[: len(data) // 2])
    streamed = run(path, "--workers", workers)
    assert streamed.returncode == 1
    assert "truncated" in streamed.stderr.decode()
    assert "Traceback" not in streamed.stderr.decode()
    # Every record that was whole before the cut arrived: all openings but the cut one.
    readable = zlib.decompressobj(31).decompress(data[: len(data) // 2])
    assert len(streamed.stdout.splitlines()) == readable.count(b"<artist>") - 1 > 50
    out = tmp_path / "out.jsonl"
    to_file = run(path, "-o", out)
    assert to_file.returncode == 1
    assert not out.exists()  # a half-done parse never replaces the output file


def test_missing_file_and_bad_option() -> None:
    missing = run("/nonexistent/dump.xml.gz")
    assert missing.returncode == 1
    assert "/nonexistent/dump.xml.gz' does not exist" in missing.stderr.decode()
    bad = run(SAMPLES_2025 / "discogs_labels.xml.gz", "--workers", "0")
    assert bad.returncode == 1
    assert len(bad.stderr.decode().splitlines()) == 1
    assert "Traceback" not in bad.stderr.decode()


def test_progress_bar_on_a_terminal_only(tmp_path: Path) -> None:
    path = SAMPLES_2020 / "discogs_20200806_releases.xml.gz"
    out = tmp_path / "r.jsonl"
    command = f"{sys.executable} -m discogsography parse {path} -o {out}"
    # `script` runs the command with a pseudo-terminal as its stderr.
    on_terminal = subprocess.run(
        ["script", "-qec", command, str(tmp_path / "typescript")],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert b"parsing discogs_20200806_releases.xml.gz" in on_terminal.stdout
    assert b"1000 records" in on_terminal.stdout
    piped = run(path, "-o", out)
    assert b"parsing " not in piped.stderr


def test_an_output_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    result = run(SAMPLES_2025 / "discogs_labels.xml.gz", "--output", tmp_path / "missing" / "x.jsonl")
    assert result.returncode == 1
    stderr = result.stderr.decode()
    assert stderr.count("\n") == 1 and stderr.startswith("error: cannot write ")
    assert "No such file or directory" in stderr and "Traceback" not in stderr


def test_the_progress_bar_is_on_stderr_and_its_last_frame_shows_the_whole_file() -> None:
    path = SAMPLES_2020 / "discogs_20200806_labels.xml.gz"
    result = run(path, "--progress")
    assert result.returncode == 0
    assert [orjson.loads(line)["id"] for line in result.stdout.splitlines()][:2] == [1, 2]
    size_kb = f"{path.stat().st_size / 1000:.1f}/{path.stat().st_size / 1000:.1f} kB"
    frames = result.stderr.decode().replace("\r", "\n").splitlines()
    assert size_kb in frames[-2], frames[-2:]
