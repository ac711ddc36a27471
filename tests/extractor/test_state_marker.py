from __future__ import annotations

import json
from pathlib import Path

import pytest

from discogsography.dumps.state_marker import PhaseStatus, StateMarker, StateMarkerError, new_marker

ARTISTS = "discogs_20260101_artists.xml.gz"
LABELS = "discogs_20260101_labels.xml.gz"


def test_documented_call_order_and_aggregates(tmp_path: Path) -> None:
    path = StateMarker.path_for(tmp_path, "20260101")
    assert path.name == ".extraction_status_20260101.json"
    marker = new_marker("20260101")
    marker.start_download(2)
    marker.file_downloaded(LABELS, 100)  # cached: no start_file_download
    marker.start_file_download(ARTISTS)
    assert marker.download_phase.downloads_by_file[ARTISTS].status == PhaseStatus.IN_PROGRESS
    marker.file_downloaded(ARTISTS, 250)
    marker.complete_download()
    assert marker.download_phase.bytes_downloaded == 350
    assert marker.download_phase.files_downloaded == 2
    assert marker.download_phase.status == PhaseStatus.COMPLETED

    marker.start_processing(2)
    assert marker.summary.overall_status == PhaseStatus.IN_PROGRESS
    marker.start_file_processing(LABELS)
    marker.update_file_progress(LABELS, 5000, 50, 50)
    marker.start_file_processing(ARTISTS)
    marker.update_file_progress(ARTISTS, 10000, 100, 100)
    assert marker.processing_phase.records_extracted == 15000
    assert marker.publishing_phase.messages_published == 150
    assert marker.publishing_phase.batches_sent == 150
    assert marker.publishing_phase.last_amqp_heartbeat is not None
    marker.complete_file_processing(LABELS, 7000)
    assert marker.file_is_completed(LABELS)
    assert marker.summary.files_by_type == {"labels": "completed", "artists": "in_progress"}
    assert marker.processing_phase.records_extracted == 17000
    marker.complete_file_processing(ARTISTS, 12000)
    marker.complete_processing()
    marker.complete_extraction()
    assert marker.is_complete
    assert marker.processing_phase.files_processed == 2
    marker.save(path)

    loaded = StateMarker.load(path)
    assert loaded == marker
    on_disk = json.loads(path.read_text())
    assert set(on_disk) >= {"download_phase", "processing_phase", "publishing_phase", "summary"}
    assert on_disk["download_phase"]["downloads_by_file"][ARTISTS]["bytes_downloaded"] == 250
    assert on_disk["processing_phase"]["progress_by_file"][LABELS]["status"] == "completed"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind


def test_restarting_a_file_resets_its_counters() -> None:
    marker = new_marker("20260101")
    marker.start_file_processing(ARTISTS)
    marker.update_file_progress(ARTISTS, 5000, 50, 50)
    marker.start_file_processing(ARTISTS)
    assert marker.processing_phase.progress_by_file[ARTISTS].records_extracted == 0
    assert marker.publishing_phase.messages_published == 0


def test_failures_are_recorded() -> None:
    marker = new_marker("20260101")
    marker.start_file_download(ARTISTS)
    marker.fail_file_download(ARTISTS, "checksum mismatch")
    assert marker.download_phase.status == PhaseStatus.FAILED
    assert marker.summary.overall_status == PhaseStatus.FAILED
    assert "checksum mismatch" in marker.download_phase.errors[0]
    marker.start_file_processing(LABELS)
    marker.fail_file_processing(LABELS, "broker down")
    assert marker.processing_phase.progress_by_file[LABELS].status == PhaseStatus.FAILED
    assert not marker.file_is_completed(LABELS)


def test_legacy_marker_without_newer_fields_loads_with_defaults(tmp_path: Path) -> None:
    legacy = {
        "metadata_version": "1.0",
        "last_updated": "2025-01-02T03:04:05",
        "current_version": "20250101",
        "download_phase": {"status": "completed", "bytes_downloaded": 0, "files_downloaded": 4},
        "processing_phase": {
            "status": "in_progress",
            "progress_by_file": {
                ARTISTS: {"status": "completed", "records_extracted": 10, "messages_published": 10}
            },
        },
        "publishing_phase": {"status": "in_progress", "messages_published": 10},
        "summary": {"overall_status": "in_progress"},
        "some_future_field": 1,
    }
    path = tmp_path / "legacy.json"
    path.write_text(json.dumps(legacy))
    marker = StateMarker.load(path)
    assert marker is not None
    assert marker.download_phase.downloads_by_file == {}
    entry = marker.processing_phase.progress_by_file[ARTISTS]
    assert entry.batches_sent == 0
    assert entry.completion_sent is False
    assert marker.file_is_completed(ARTISTS)
    assert marker.publishing_phase.last_amqp_heartbeat is None


def test_missing_and_corrupt_markers(tmp_path: Path) -> None:
    assert StateMarker.load(tmp_path / "none.json") is None
    bad = tmp_path / "bad.json"
    bad.write_text('{"download_phase": {"status": "exploded"}}')
    with pytest.raises(StateMarkerError, match=r"download_phase\.status"):
        StateMarker.load(bad)
    bad.write_text("{not json")
    with pytest.raises(StateMarkerError):
        StateMarker.load(bad)
