"""Whole cycles against the real RabbitMQ: data.discogs.com (fake), S3 (moto server), file://."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import boto3
import pytest
import structlog
from moto.server import ThreadedMotoServer

from discogsography.amqp.topology import Topology
from discogsography.config.extractor_settings import load_settings
from discogsography.dumps.state_marker import PhaseStatus, StateMarker
from discogsography.extractor.extractor_service import Extractor, VersionFailedError
from discogsography.kinds import Kind
from tests.extractor.helpers import (
    FakeDiscogs,
    consume,
    delete_topology,
    dump_files,
    parser_records,
    serve_fake_discogs,
)
from tests.support.amqp import read_queue_depths
from tests.support.waits import wait_for_async

pytestmark = pytest.mark.rabbitmq

VERSION = "20991201"


def _settings(source: str, root: Path, amqp_url: str, topology: Topology, **extra: Any) -> Any:
    return load_settings(
        discogs_source=source,
        discogs_root=root,
        amqp_connection=amqp_url,
        amqp_prefix=topology.prefix,
        health_check_port=0,
        download_backoff_seconds=0.01,
        max_retry_after_seconds=0.1,
        records_per_message=extra.pop("records_per_message", 7),
        **extra,
    )


async def _check_published(
    amqp_url: str, topology: Topology, dump: Path, completions: int = 1
) -> dict[Kind, int]:
    """Every kind's queue holds exactly the parser's records in order, then file_complete."""
    messages = {}
    for kind in Kind:
        path = dump / f"discogs_{VERSION}_{kind.value}.xml.gz"
        consumed = await consume(amqp_url, topology, kind, completions=completions)
        expected = parser_records(path)
        assert consumed.records == expected * completions
        completion = consumed.completions[-1]
        assert completion.data_type == kind
        assert completion.total_processed == len(expected)
        assert completion.file == path.name
        assert consumed.left == 0  # exactly those: nothing after the last file_complete
        messages[kind] = consumed.messages - completions
    return messages


def _marker(root: Path) -> StateMarker:
    marker = StateMarker.load(StateMarker.path_for(root, VERSION))
    assert marker is not None
    return marker


async def test_data_discogs_com_cycle_with_429_drop_and_bad_checksum(
    tmp_path: Path, small_dump: Path, amqp_url: str, topology: Topology
) -> None:
    files = dump_files(small_dump)
    newer_incomplete = {"discogs_20991215_labels.xml.gz": files[f"discogs_{VERSION}_labels.xml.gz"]}
    fake = FakeDiscogs(
        {"2099": {**files, **newer_incomplete}, "2098": {}},
        too_many_requests={f"discogs_{VERSION}_releases.xml.gz": 1},
        retry_after="1",
        drop_mid_file={f"discogs_{VERSION}_artists.xml.gz": 1},
        corrupt={f"discogs_{VERSION}_masters.xml.gz": 1},
        honour_range=False,
    )
    root = tmp_path / "root"
    with serve_fake_discogs(fake) as base:
        extractor = Extractor(
            _settings(base, root, amqp_url, topology), topology=topology, show_progress=False
        )
        await extractor.run(once=True)
        # the older year page was never needed
        assert not any("2098" in path for _, path, _, _ in fake.requests)

    messages = await _check_published(amqp_url, topology, small_dump)
    marker = _marker(root)
    assert marker.is_complete
    assert marker.download_phase.status == PhaseStatus.COMPLETED
    sizes = {name: len(body) for name, body in files.items() if name.endswith(".xml.gz")}
    assert {n: s.bytes_downloaded for n, s in marker.download_phase.downloads_by_file.items()} == sizes
    assert marker.download_phase.bytes_downloaded == sum(sizes.values())
    for kind in Kind:
        entry = marker.processing_phase.progress_by_file[f"discogs_{VERSION}_{kind.value}.xml.gz"]
        assert entry.status == PhaseStatus.COMPLETED
        assert entry.records_extracted == 40
        assert entry.messages_published == messages[kind] == 6  # 40 records, 7 per message
        assert entry.completion_sent
    assert marker.publishing_phase.messages_published == 24
    assert marker.processing_phase.records_extracted == 160
    assert [s for _, _, s in fake.downloads_of(f"discogs_{VERSION}_releases.xml.gz")] == [429, 200]
    assert len(fake.downloads_of(f"discogs_{VERSION}_masters.xml.gz")) == 2  # mismatch: fetched once more
    assert len(fake.downloads_of(f"discogs_{VERSION}_artists.xml.gz")) == 2  # dropped, then restarted
    healthy, body = extractor.health()
    assert healthy and body["phase"] == "idle" and body["version"] == VERSION
    assert "guest:guest" not in json.dumps(body)
    indexes = [f".index_{VERSION}_{kind.value}.sqlite" for kind in Kind]
    assert sorted(p.name for p in root.iterdir()) == sorted(
        [*files, *indexes, f".extraction_status_{VERSION}.json"]
    )

    # A second cycle finds the version done: nothing downloaded, nothing published.
    with serve_fake_discogs(fake) as base:
        before = len(fake.requests)
        await Extractor(_settings(base, root, amqp_url, topology), topology=topology).run(once=True)
        assert all("download" not in path for _, path, _, _ in fake.requests[before:])
    assert (await read_queue_depths(amqp_url, topology))[topology.queue(Kind.LABELS)] == 0


async def test_checksum_wrong_twice_fails_the_version(
    tmp_path: Path, small_dump: Path, amqp_url: str, topology: Topology
) -> None:
    files = dump_files(small_dump)
    fake = FakeDiscogs({"2099": files}, corrupt={f"discogs_{VERSION}_labels.xml.gz": 2})
    root = tmp_path / "root"
    with serve_fake_discogs(fake) as base:
        extractor = Extractor(_settings(base, root, amqp_url, topology), topology=topology)
        with pytest.raises(VersionFailedError, match="does not match CHECKSUM"):
            await extractor.run(once=True)
    marker = _marker(root)
    assert marker.download_phase.status == PhaseStatus.FAILED
    assert marker.download_phase.downloads_by_file[f"discogs_{VERSION}_labels.xml.gz"].status == "failed"
    assert marker.processing_phase.status == PhaseStatus.PENDING
    assert not (root / f"discogs_{VERSION}_labels.xml.gz").exists()
    healthy, body = extractor.health()
    assert not healthy and "does not match" in body["last_error"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_s3_mirror_with_paging_and_irregular_sets(
    tmp_path: Path, small_dump: Path, amqp_url: str, topology: Topology
) -> None:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="x",
            aws_secret_access_key="x",
        )
        s3.create_bucket(Bucket="discogs-mirror", ACL="public-read")
        files = dump_files(small_dump)
        for name, body in files.items():
            s3.put_object(Bucket="discogs-mirror", ACL="public-read", Key=f"data/2099/{name}", Body=body)
        # an irregular old set (no masters, no CHECKSUM) and a newer set still being uploaded
        for name in ("discogs_20080309_artists.xml.gz", "discogs_20080309_labels.xml.gz"):
            s3.put_object(Bucket="discogs-mirror", ACL="public-read", Key=f"data/2008/{name}", Body=b"x")
        s3.put_object(
            Bucket="discogs-mirror",
            ACL="public-read",
            Key="data/2099/discogs_20991231_releases.xml.gz",
            Body=b"x",
        )
        s3.put_object(Bucket="discogs-mirror", ACL="public-read", Key="index.html", Body=b"<html/>")
        root = tmp_path / "root"
        settings = _settings(
            "s3://discogs-mirror",
            root,
            amqp_url,
            topology,
            s3_endpoint=endpoint,
            s3_page_size=2,
            parser_workers=1,  # parse in a separate process
        )
        await Extractor(settings, topology=topology).run(once=True)
    finally:
        server.stop()
    await _check_published(amqp_url, topology, small_dump)
    assert _marker(root).is_complete


async def test_file_mirror_restart_skips_completed_and_redoes_interrupted(
    tmp_path: Path, small_dump: Path, amqp_url: str, topology: Topology
) -> None:
    mirror = tmp_path / "mirror" / "data" / "2099"
    shutil.copytree(small_dump, mirror)
    root = tmp_path / "root"
    root.mkdir()
    stale_partial = root / ".discogs_20990101_releases.xml.gz.part"  # from an older version
    stale_partial.write_bytes(b"x")
    # A previous run finished labels (and told consumers) and was cut off in artists.
    labels = f"discogs_{VERSION}_labels.xml.gz"
    artists = f"discogs_{VERSION}_artists.xml.gz"
    marker = StateMarker(current_version=VERSION)
    marker.start_download(4)
    marker.complete_download()
    marker.start_processing(4)
    marker.start_file_processing(labels)
    marker.complete_file_processing(labels, 40)
    marker.file_completion_sent(labels)
    marker.start_file_processing(artists)
    marker.update_file_progress(artists, 5, 1, 1)
    marker.save(StateMarker.path_for(root, VERSION))

    source = (tmp_path / "mirror").as_uri()
    await Extractor(_settings(source, root, amqp_url, topology), topology=topology).run(once=True)
    assert (await read_queue_depths(amqp_url, topology))[
        topology.queue(Kind.LABELS)
    ] == 0  # completed: not sent again
    assert not stale_partial.exists()
    for kind in (Kind.ARTISTS, Kind.MASTERS, Kind.RELEASES):
        consumed = await consume(amqp_url, topology, kind)
        assert consumed.records == parser_records(mirror / f"discogs_{VERSION}_{kind.value}.xml.gz")
        assert consumed.left == 0
    after = _marker(root)
    assert after.is_complete
    assert after.processing_phase.progress_by_file[artists].records_extracted == 40

    # FORCE_REPROCESS publishes everything again, one record per message this time.
    settings = _settings(source, root, amqp_url, topology, force_reprocess=True, records_per_message=1)
    await Extractor(settings, topology=topology).run(once=True)
    consumed = await consume(amqp_url, topology, Kind.LABELS)
    assert consumed.records == parser_records(mirror / labels)
    assert consumed.left == 0
    assert consumed.amqp_types == {"record", "file_complete"}
    assert _marker(root).processing_phase.progress_by_file[labels].messages_published == 40


async def test_unroutable_messages_fail_the_file(
    tmp_path: Path, small_dump: Path, amqp_url: str, topology: Topology
) -> None:
    """A queue deleted behind the extractor's back: mandatory publishes come back and count as failures."""
    import aio_pika

    from discogsography.extractor.publisher import FilePublisher, PublishError, PublishOptions

    path = small_dump / f"discogs_{VERSION}_labels.xml.gz"
    publisher = FilePublisher(path, path.name, amqp_url, topology, PublishOptions(), stop=threading.Event())
    async with publisher:
        connection = await aio_pika.connect(amqp_url)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(topology.queue(Kind.LABELS))
        with pytest.raises(PublishError, match="not accepted"):
            await publisher.publish_records()
    assert publisher.stats.failures == 1  # 40 records, 100 per message: one message
    assert publisher.stats.messages_published == 0


async def test_service_cycles_pick_up_a_newer_version_and_stop_cleanly(
    tmp_path: Path, small_dump: Path, amqp_url: str, topology: Topology
) -> None:
    import asyncio

    mirror = tmp_path / "mirror"
    shutil.copytree(small_dump, mirror)
    root = tmp_path / "root"
    settings = _settings(
        mirror.as_uri(),
        root,
        amqp_url,
        topology,
        periodic_check_days=0.3 / 86400,
        force_reprocess=True,
        keep_versions=1,
    )
    extractor = Extractor(settings, topology=topology)
    with structlog.testing.capture_logs() as logs:
        service = asyncio.create_task(extractor.run())
        try:
            for _ in range(200):
                if StateMarker.path_for(root, VERSION).exists() and _marker(root).is_complete:
                    break
                await asyncio.sleep(0.05)
            assert _marker(root).is_complete
            # Two more cycles find the version done: FORCE_REPROCESS applied to the first cycle only.
            # (Were it applied again, these lines never come and the wait fails at its limit.)
            await wait_for_async(
                lambda: [line["event"] for line in logs].count("✅ Version already fully processed") >= 2,
                timeout=30,
                what="two later cycles finding the version already processed",
            )
            assert [line["event"] for line in logs].count(
                "🔁 FORCE_REPROCESS: processing every file again"
            ) == 1
            labels = await consume(amqp_url, topology, Kind.LABELS)
            assert len(labels.completions) == 1
            assert labels.left == 0  # the later cycles published nothing
            # A newer version appears at the source: the next cycle publishes it.
            newer = "20991215"
            for path in mirror.iterdir():
                target = mirror / path.name.replace(VERSION, newer)
                if path.name.endswith("CHECKSUM.txt"):
                    target.write_text(path.read_text().replace(VERSION, newer))
                else:
                    shutil.copy(path, target)
            for _ in range(200):
                marker = StateMarker.load(StateMarker.path_for(root, newer))
                if marker is not None and marker.is_complete:
                    break
                await asyncio.sleep(0.05)
            assert marker is not None and marker.is_complete
            # KEEP_VERSIONS=1: the older version's files and indexes are gone, its marker stays
            assert sorted(p.name for p in root.iterdir() if VERSION in p.name) == [
                f".extraction_status_{VERSION}.json"
            ]
            assert len([p for p in root.iterdir() if newer in p.name]) == 10  # 4 dumps, 4 indexes, ...
            healthy, body = extractor.health()
            assert healthy and body["version"] == newer
            assert body["progress"]["modes"] == dict.fromkeys(
                ("artists", "labels", "masters", "releases"), "incremental"
            )
            assert body["progress"]["changes"]["releases"] == {
                "new": 0,
                "changed": 0,
                "unchanged": 40,
                "removed": 0,
            }
        finally:
            extractor.request_stop()
            await asyncio.wait_for(service, timeout=30)
    assert extractor.phase == "stopped"
    consumed = await consume(amqp_url, topology, Kind.LABELS)
    completion = consumed.completions[0]
    assert completion.file == f"discogs_{newer}_labels.xml.gz"
    # The same records under a newer date: an incremental version that publishes nothing else.
    assert consumed.records == [] and consumed.messages == 1 and consumed.left == 0
    assert completion.mode == "incremental" and completion.increment is not None
    assert completion.increment.base_version == VERSION and completion.counts.unchanged == 40


@pytest.mark.parametrize("workers", [0, 1])
async def test_a_truncated_file_with_a_matching_checksum_fails_the_version(
    tmp_path: Path, small_dump: Path, amqp_url: str, topology: Topology, workers: int
) -> None:
    mirror = tmp_path / "mirror"
    shutil.copytree(small_dump, mirror)
    masters = mirror / f"discogs_{VERSION}_masters.xml.gz"
    masters.write_bytes(masters.read_bytes()[: masters.stat().st_size // 2])
    checksum = mirror / f"discogs_{VERSION}_CHECKSUM.txt"
    lines = [
        f"{hashlib.sha256(masters.read_bytes()).hexdigest()} {masters.name}" if masters.name in line else line
        for line in checksum.read_text().splitlines()
    ]
    checksum.write_text("\n".join(lines) + "\n")
    root = tmp_path / "root"
    settings = _settings(mirror.as_uri(), root, amqp_url, topology, parser_workers=workers)
    with pytest.raises(VersionFailedError, match="truncated"):
        await Extractor(settings, topology=topology).run(once=True)
    marker = _marker(root)
    entry = marker.processing_phase.progress_by_file[masters.name]
    assert entry.status == PhaseStatus.FAILED
    assert marker.file_is_completed(f"discogs_{VERSION}_artists.xml.gz")
    assert not marker.is_complete


async def test_a_completion_message_that_was_never_confirmed_is_sent_again(
    tmp_path: Path, small_dump: Path, amqp_url: str, topology: Topology
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    labels = f"discogs_{VERSION}_labels.xml.gz"
    marker = StateMarker(current_version=VERSION)
    marker.start_processing(4)
    marker.start_file_processing(labels)
    marker.complete_file_processing(labels, 40)  # ... and the process died before file_complete
    marker.save(StateMarker.path_for(root, VERSION))
    await Extractor(_settings(small_dump.as_uri(), root, amqp_url, topology), topology=topology).run(
        once=True
    )
    consumed = await consume(amqp_url, topology, Kind.LABELS)
    assert consumed.records == []
    assert consumed.messages == 1 and consumed.left == 0
    assert consumed.completions[0].total_processed == 40
    assert _marker(root).processing_phase.progress_by_file[labels].completion_sent


async def test_stop_during_a_download_keeps_the_partial_file_and_resumes_it(
    tmp_path: Path, amqp_url: str, topology: Topology
) -> None:
    import asyncio

    from tests.support.dumps import make_dump

    dump = make_dump(tmp_path / "dump", 10)
    files = dump_files(dump)
    releases = f"discogs_{VERSION}_releases.xml.gz"
    big = make_dump(tmp_path / "big", 3000)  # a releases file of about 3 MB, served slowly
    files[releases] = (big / releases).read_bytes()
    files[f"discogs_{VERSION}_CHECKSUM.txt"] = "".join(
        line.replace(line.split()[0], hashlib.sha256(files[releases]).hexdigest())
        if releases in line
        else line
        for line in (dump / f"discogs_{VERSION}_CHECKSUM.txt").read_text().splitlines(keepends=True)
    ).encode()
    fake = FakeDiscogs({"2099": files}, seconds_per_64k=0.02)
    root = tmp_path / "root"
    partial = root / f".{releases}.part"
    with serve_fake_discogs(fake) as base:
        extractor = Extractor(_settings(base, root, amqp_url, topology), topology=topology)
        run = asyncio.create_task(extractor.run(once=True))
        for _ in range(400):
            if partial.exists() and partial.stat().st_size > 0:
                break
            await asyncio.sleep(0.02)
        extractor.request_stop()
        await asyncio.wait_for(run, timeout=30)  # returns normally: a stop is not a failure
        assert partial.exists() and 0 < partial.stat().st_size < len(files[releases])
        marker = _marker(root)
        assert marker.download_phase.status == PhaseStatus.IN_PROGRESS
        assert marker.download_phase.downloads_by_file[releases].status == PhaseStatus.IN_PROGRESS
        assert marker.processing_phase.status == PhaseStatus.PENDING

        fake.seconds_per_64k = 0.0
        await Extractor(_settings(base, root, amqp_url, topology), topology=topology).run(once=True)
    # (the interrupted request is not logged: the server saw the connection go away)
    last_range = fake.downloads_of(releases)[-1][1]
    assert last_range is not None and last_range.startswith("bytes=") and last_range != "bytes=0-"
    assert (root / releases).read_bytes() == files[releases]
    assert _marker(root).is_complete
    consumed = await consume(amqp_url, topology, Kind.RELEASES)
    assert len(consumed.records) == 3000


SHARE_5 = ("--max-skipped-share", "0.05")


def _break_masters(mirror: Path, broken: int) -> tuple[Path, list[str]]:
    """Make ``broken`` of the masters file's records malformed; fix its CHECKSUM line."""
    masters = mirror / f"discogs_{VERSION}_masters.xml.gz"
    xml = gzip.decompress(masters.read_bytes()).decode()
    ids = re.findall(r'<master id="(\d+)"', xml)[:broken]
    for master_id in ids:
        xml = xml.replace(f'<master id="{master_id}">', f'<master id="{master_id}"><oops>', 1)
    masters.write_bytes(gzip.compress(xml.encode()))
    checksum = mirror / f"discogs_{VERSION}_CHECKSUM.txt"
    lines = [
        f"{hashlib.sha256(masters.read_bytes()).hexdigest()} {masters.name}" if masters.name in line else line
        for line in checksum.read_text().splitlines()
    ]
    checksum.write_text("\n".join(lines) + "\n")
    return masters, [f"id {master_id}" for master_id in ids]


@pytest.mark.parametrize("workers", [0, 1])
async def test_skipped_records_are_named_and_too_many_fail_the_file(
    tmp_path: Path, small_dump: Path, amqp_url: str, topology: Topology, workers: int
) -> None:
    # 40 masters; 5 % may be skipped: 2 broken records pass (named), 3 fail the file. The same
    # file through parse: exit 1 with one line where the extractor fails it, a named summary else.
    for broken, fails in ((2, False), (3, True)):
        mirror = tmp_path / f"mirror-{broken}"
        shutil.copytree(small_dump, mirror)
        masters, names = _break_masters(mirror, broken)
        root = tmp_path / f"root-{broken}"
        settings = _settings(
            mirror.as_uri(), root, amqp_url, topology, parser_workers=workers, max_skipped_share=0.05
        )
        with structlog.testing.capture_logs() as logs:
            if fails:
                with pytest.raises(VersionFailedError, match="3 of 40 records skipped"):
                    await Extractor(settings, topology=topology).run(once=True)
            else:
                await Extractor(settings, topology=topology).run(once=True)
        entry = _marker(root).processing_phase.progress_by_file[masters.name]
        assert entry.records_skipped == broken
        assert entry.skipped_records == names
        assert entry.status == (PhaseStatus.FAILED if fails else PhaseStatus.COMPLETED)
        done = [line for line in logs if line["event"] == "🎉 File processing complete"]
        if fails:
            assert masters.name not in {line["file"] for line in done}
        else:
            (line,) = [line for line in done if line["file"] == masters.name]
            assert line["skipped"] == broken and line["skipped_records"] == names
            assert line["records"] == 40 - broken
        parsed = subprocess.run(
            [sys.executable, "-m", "discogsography", "parse", str(masters), "-o", os.devnull, *SHARE_5],
            capture_output=True,
            text=True,
            check=False,
        )
        last = parsed.stderr.splitlines()[-1]
        if fails:
            assert parsed.returncode == 1 and last.startswith("error: ")
            assert "3 of 40 records skipped (7.50%), more than the 5.00% allowed" in last
        else:
            assert parsed.returncode == 0
            assert f"{40 - broken} records, {broken} skipped ({', '.join(names)})," in last
        await delete_topology(amqp_url, topology)
