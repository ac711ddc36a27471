"""Bad input through the real pipeline: each gets a clear error or a counted, logged skip, nothing
crashes with a traceback, nothing half-done is marked complete, and good records around a bad one
arrive. The extractor reads a local mirror whose releases file is damaged in one way per test."""

from __future__ import annotations

import gzip
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from discogsography.dumps.names import (
    ListingEntry,
    UnsafeFileNameError,
    choose_newest_complete,
    destination,
)
from discogsography.errors import DumpError
from discogsography.kinds import Kind
from discogsography.parsing import DumpParser
from tests.faults.harness import Expected, Pipeline
from tests.faults.report import OpenScenario, Scenario, plain
from tests.final_line import error_lines
from tests.support.amqp import QueueState
from tests.support.waits import wait_for

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.rabbitmq]


def mirror_with(dump: Path, target: Path, releases: bytes, *, fix_checksum: bool = True) -> Path:
    """A copy of the dump whose releases file is replaced; CHECKSUM matches it unless told not to."""
    target.mkdir(parents=True)
    for path in dump.iterdir():
        if "releases" not in path.name:
            shutil.copy(path, target / path.name)
    releases_path = next(dump.glob("*_releases.xml.gz"))
    (target / releases_path.name).write_bytes(releases)
    if fix_checksum:
        checksum = next(target.glob("*_CHECKSUM.txt"))
        lines = []
        for line in checksum.read_text().splitlines():
            digest, name = line.split()
            if name == releases_path.name:
                digest = hashlib.sha256(releases).hexdigest()
            lines.append(f"{digest} {name}")
        checksum.write_text("\n".join(lines) + "\n")
    return target


def run_pipeline_on(pipeline: Pipeline, mirror: Path) -> int:
    pipeline.dump = mirror
    pipeline.start_tableinator()
    pipeline.wait_tableinator_attached()
    pipeline.start_extractor()
    return pipeline.wait_extractor()


def expect_failed_releases_file(
    pipeline: Pipeline, expected: Expected, entry: Scenario, message: str
) -> None:
    """The extractor failed the releases file with a one-line error and marked nothing half-done complete."""
    log = pipeline.log_text("extractor")
    assert "Traceback" not in log
    assert message in log
    errors = error_lines(log)
    assert len(errors) == 1 and message in errors[0], errors
    marker = pipeline.marker() or {}
    releases = expected.files[Kind.RELEASES]
    downloads = marker.get("download_phase", {}).get("downloads_by_file", {})
    progress = marker.get("processing_phase", {}).get("progress_by_file", {})
    assert progress.get(releases, {}).get("status") != "completed"
    assert marker.get("processing_phase", {}).get("status") != "completed"
    line = plain(errors[0], pipeline.root, pipeline.dump)
    entry.saw(f"the extractor exited non-zero with one line: `{line[:200]}`")
    entry.check(
        "the releases file is not marked completed (download: "
        f"{downloads.get(releases, {}).get('status', 'absent')}, processing: "
        f"{progress.get(releases, {}).get('status', 'not started')}), nor is the version",
        "no traceback in the extractor's output",
    )


def expect_no_release_published(pipeline: Pipeline, expected: Expected, entry: Scenario) -> None:
    """Nothing of the releases file reached the broker or the table (the tableinator has stopped)."""
    releases = expected.files[Kind.RELEASES]
    assert pipeline.file_progress(releases).get("messages_published", 0) == 0
    assert pipeline.final_counts("tableinator")["records"][Kind.RELEASES.value] == 0
    topology = pipeline.topology
    names = (topology.queue(Kind.RELEASES), topology.dead_letter_queue(Kind.RELEASES))
    queued: dict[str, QueueState] = {}

    def let_go() -> bool:  # with no consumer attached, a ready count is the whole count
        states = pipeline.queue_states()
        queued.update({name: states[name] for name in names})
        return all(state.consumers == 0 for state in queued.values())

    wait_for(let_go, 60, "the releases queues without a consumer")
    assert all(state.ready == 0 for state in queued.values()), queued
    assert pipeline.row_count(Kind.RELEASES) == 0
    entry.check(
        "no release was published: the state marker counts no releases message, the tableinator "
        "received no release record, the releases queue and its dead-letter queue are empty, and so "
        "is the releases table"
    )


def good_records_before(data: bytes, directory: Path) -> dict[int, str]:
    """What the parser delivers from a damaged file before the damage."""
    path = directory / "discogs_20300101_releases.xml.gz"
    path.write_bytes(data)
    records: dict[int, str] = {}
    try:
        for record in DumpParser(path):
            records[record.id] = record.sha256
    except DumpError:
        pass
    return records


def releases_bytes(dump: Path) -> bytes:
    return next(dump.glob("*_releases.xml.gz")).read_bytes()


@pytest.mark.parametrize(
    ("damage", "message"),
    [("truncated", "truncated"), ("corrupted", "gzip")],
)
def test_damaged_gzip(
    pipeline: Pipeline,
    expected: Expected,
    dump: Path,
    tmp_path: Path,
    scenario: OpenScenario,
    damage: str,
    message: str,
) -> None:
    data = bytearray(releases_bytes(dump))
    if damage == "truncated":
        data = data[: len(data) * 2 // 3]
        fault = "The releases file is cut at two thirds (its CHECKSUM line made to match, so the parser meets it)."
    else:
        middle = len(data) * 2 // 3
        data[middle : middle + 4096] = bytes(4096)
        fault = "4 KB of the releases file are zeroed at two thirds (CHECKSUM made to match)."
    entry = scenario(f"A {damage} gzip file", fault)
    status = run_pipeline_on(pipeline, mirror_with(dump, tmp_path / "mirror", bytes(data)))
    assert status != 0
    expect_failed_releases_file(pipeline, expected, entry, message)
    before = good_records_before(bytes(data), tmp_path)
    assert len(before) > 1000
    partial = Expected({**expected.hashes, Kind.RELEASES: before}, expected.files)
    pipeline.wait_all_stored(partial)
    assert pipeline.stop(pipeline.tableinator) == 0
    assert dict(pipeline.stored(Kind.RELEASES)) == before
    for kind in (Kind.ARTISTS, Kind.LABELS, Kind.MASTERS):
        assert dict(pipeline.stored(kind)) == expected.hashes[kind]
    entry.check(
        f"the {len(before):,} releases before the damage and all records of the three other files are stored "
        "with their hashes; nothing else"
    )


def test_checksum_mismatch(
    pipeline: Pipeline, expected: Expected, dump: Path, tmp_path: Path, scenario: OpenScenario
) -> None:
    entry = scenario(
        "A checksum mismatch", "One byte of the releases file is changed; CHECKSUM is left as it was."
    )
    data = bytearray(releases_bytes(dump))
    data[len(data) // 2] ^= 0x01
    status = run_pipeline_on(
        pipeline, mirror_with(dump, tmp_path / "mirror", bytes(data), fix_checksum=False)
    )
    assert status != 0
    log = pipeline.log_text("extractor")
    assert "Checksum mismatch, downloading once more" in log
    expect_failed_releases_file(pipeline, expected, entry, "sha256")
    releases = expected.files[Kind.RELEASES]
    downloads = [
        event
        for event in pipeline.log_events("extractor")
        if event.get("event") == "⬇️ Downloading" and event.get("file") == releases
    ]
    assert len(downloads) == 2, downloads
    entry.saw("it downloaded the file a second time before giving up on the version")
    assert pipeline.stop(pipeline.tableinator) == 0
    expect_no_release_published(pipeline, expected, entry)


BAD_FILES = {
    "billion-laughs": (
        b'<!DOCTYPE releases [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>\n<releases><release id="1"><title>&c;</title>'
        b"</release></releases>",
        "DOCTYPE",
        "A releases file whose DOCTYPE defines nested entities (billion laughs).",
    ),
    "external-entity": (
        b'<!DOCTYPE releases [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<releases><release id="1">'
        b"<title>&x;</title></release></releases>",
        "DOCTYPE",
        "A releases file whose DOCTYPE defines an external entity pointing at /etc/passwd.",
    ),
    "unknown-root": (
        b"<catalog><item/></catalog>",
        "not a Discogs dump",
        "A releases file whose root is <catalog>.",
    ),
    "empty": (b"", "empty", "An empty releases file (an empty gzip member)."),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_unreadable_file(
    pipeline: Pipeline, expected: Expected, dump: Path, tmp_path: Path, scenario: OpenScenario, case: str
) -> None:
    xml, message, fault = BAD_FILES[case]
    entry = scenario(f"Unreadable releases file: {case}", fault)
    status = run_pipeline_on(pipeline, mirror_with(dump, tmp_path / "mirror", gzip.compress(xml)))
    assert status != 0
    expect_failed_releases_file(pipeline, expected, entry, message)
    assert pipeline.stop(pipeline.tableinator) == 0
    expect_no_release_published(pipeline, expected, entry)
    log = pipeline.log_text("extractor") + pipeline.log_text("tableinator")
    assert "root:x:0:0" not in log and "aaaaaaaaaaaaaaaaaaaa" not in log
    entry.check("no entity was expanded anywhere (neither /etc/passwd nor the entities' text in any log)")


def test_bad_records_are_skipped_and_the_rest_arrive(
    pipeline: Pipeline, expected: Expected, dump: Path, tmp_path: Path, scenario: OpenScenario
) -> None:
    entry = scenario(
        "Bad records inside a good file, and a 50 MB record",
        "Three releases are added to the releases file: one with invalid UTF-8, one with an XML control "
        "character, and one whose notes hold 50 MB of text.",
    )
    xml = gzip.decompress(releases_bytes(dump))
    huge_notes = b"0123456789" * 5_000_000
    extra = (
        b'<release id="990000001"><title>bad \xff\xfe bytes</title></release>\n'
        b'<release id="990000002"><title>control \x01 char</title></release>\n'
        b'<release id="990000003"><title>huge</title><notes>' + huge_notes + b"</notes></release>\n"
    )
    cut = xml.index(b"<release ", len(xml) // 2)
    damaged = xml[:cut] + extra + xml[cut:]
    status = run_pipeline_on(pipeline, mirror_with(dump, tmp_path / "mirror", gzip.compress(damaged, 1)))
    assert status == 0, pipeline.log_text("extractor")[-2000:]
    huge = next(r for r in DumpParser(_written(tmp_path, damaged)) if r.id == 990000003)
    with_huge = Expected(
        {**expected.hashes, Kind.RELEASES: {**expected.hashes[Kind.RELEASES], huge.id: huge.sha256}},
        expected.files,
    )
    pipeline.wait_all_stored(with_huge)
    assert pipeline.stop(pipeline.tableinator) == 0
    assert dict(pipeline.stored(Kind.RELEASES)) == with_huge.hashes[Kind.RELEASES]
    progress = (pipeline.marker() or {})["processing_phase"]["progress_by_file"][
        expected.files[Kind.RELEASES]
    ]
    assert progress["status"] == "completed"
    assert progress["records_skipped"] == 2
    assert progress["skipped_records"] == ["id 990000001", "id 990000002"]
    assert progress["records_extracted"] == len(with_huge.hashes[Kind.RELEASES])
    log = pipeline.log_text("extractor")
    assert "990000001" in log and "990000002" in log
    assert "Traceback" not in log
    entry.saw(
        "the two malformed records were skipped, each logged with its id, and counted in the "
        "state marker (records_skipped = 2); the 50 MB record was published and stored"
    )
    entry.check(
        f"all {len(with_huge.hashes[Kind.RELEASES]):,} good releases, the 50 MB one included, "
        "are stored with their hashes; the file is marked completed with its true counts"
    )


def _written(tmp_path: Path, xml: bytes) -> Path:
    path = tmp_path / "plain.xml"
    path.write_bytes(xml)
    return path


@pytest.mark.parametrize(
    "name",
    [
        "../discogs_20300101_releases.xml.gz",
        "discogs_20300101_releases.xml.gz/../../etc/passwd",
        "/etc/discogs_20300101_releases.xml.gz",
        "discogs_20300101_releases.xml.gz.exe",
        "discogs_2030_releases.xml.gz",
        "discogs_20300101_RELEASES.xml.gz",
        "discogs_20300101_releases.xml.gz\n",
    ],
)
def test_listing_names_outside_the_patterns_are_refused(
    tmp_path: Path, scenario: OpenScenario, name: str
) -> None:
    entry = scenario(
        "A listing that names `../` paths or odd file names",
        "Names such as `../discogs_20300101_releases.xml.gz`, `/etc/…`, `…xml.gz.exe`, a short date, upper case "
        "and a trailing newline are given to the extractor's name validation and version choice.",
    )
    with pytest.raises(UnsafeFileNameError):
        destination(tmp_path, name)
    good = [ListingEntry(f"discogs_20300101_{k.value}.xml.gz", "x") for k in Kind]
    choice = choose_newest_complete(
        [*good, ListingEntry("discogs_20300101_CHECKSUM.txt", "x"), ListingEntry(name, "x")]
    )
    assert choice.chosen is not None
    assert all(entry.name != name for entry in choice.chosen.files.values())
    if name.startswith("discogs_"):
        assert choice.refused == [name]
    assert list(tmp_path.iterdir()) == []
    entry.check(
        "each is refused with UnsafeFileNameError and never chosen as part of a version; "
        "nothing is written (one test per name)"
    )


@pytest.mark.parametrize(
    ("service", "variable", "value"),
    [
        ("extractor", "PERIODIC_CHECK_DAYS", "soon"),
        ("extractor", "HEALTH_CHECK_PORT", "70000"),
        ("extractor", "DISCOGS_SOURCE", "ftp://example.org/"),
        ("tableinator", "POSTGRES_BATCH_SIZE", "0"),
        ("tableinator", "POSTGRES_BATCH_MODE", "maybe"),
        ("tableinator", "CONSUMER_CANCEL_DELAY", "-5"),
    ],
)
def test_invalid_configuration_values(
    scenario: OpenScenario, service: str, variable: str, value: str
) -> None:
    entry = scenario(
        "Invalid configuration values",
        "PERIODIC_CHECK_DAYS=soon, HEALTH_CHECK_PORT=70000, DISCOGS_SOURCE=ftp://…, POSTGRES_BATCH_SIZE=0, "
        "POSTGRES_BATCH_MODE=maybe, CONSUMER_CANCEL_DELAY=-5, each given to its service alone.",
    )
    args = ["extractor", "--once"] if service == "extractor" else ["tableinator"]
    result = subprocess.run(
        [sys.executable, "-m", "discogsography", *args],
        env={"PATH": "/usr/bin:/bin", variable: value, "DISCOGS_ROOT": "/tmp"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert variable in result.stderr
    assert "Traceback" not in result.stderr

    entry.check(
        "each service exits with status 1 and one line naming the variable; no traceback (one test per value)"
    )
