from __future__ import annotations

import json
from pathlib import Path

from discogsography.config.extractor_settings import load_settings
from discogsography.dumps.state_marker import new_marker
from discogsography.extractor.extractor_service import Extractor
from discogsography.extractor.kind_progress import ExtractionProgress
from discogsography.kinds import Kind


def test_health_reports_phase_files_and_stalls_without_secrets(tmp_path: Path) -> None:
    settings = load_settings(
        amqp_connection="amqp://user:hunter2@broker:5672/",
        discogs_source="s3://bucket",
        discogs_root=tmp_path,
    )
    extractor = Extractor(settings, show_progress=False)
    now = [0.0]
    extractor.progress = ExtractionProgress(stall_seconds=120, clock=lambda: now[0])
    extractor.status.phase = "processing"
    extractor.status.version = "20260101"
    marker = extractor.status.marker = new_marker("20260101")
    marker.file_downloaded("discogs_20260101_releases.xml.gz", 10)
    marker.start_file_processing("discogs_20260101_releases.xml.gz")
    marker.update_file_progress("discogs_20260101_releases.xml.gz", 5000, 50, 50)
    extractor.progress.start(Kind.RELEASES)
    extractor.progress.advance(Kind.RELEASES, 5000)

    healthy, body = extractor.health()
    assert healthy and body["status"] == "healthy" and body["phase"] == "processing"
    file = body["files"]["discogs_20260101_releases.xml.gz"]
    assert file["download"]["status"] == "completed"
    assert file["processing"]["records_extracted"] == 5000
    assert body["progress"]["active"] == ["releases"]
    assert body["started_at"] is not None
    assert "hunter2" not in json.dumps(body)

    now[0] = 121.0  # no record for longer than STALL_SECONDS
    healthy, body = extractor.health()
    assert not healthy and body["progress"]["stalled"] == ["releases"]

    extractor.progress.complete(Kind.RELEASES)
    assert extractor.health()[0]
    extractor.status.phase = "failed"
    assert not extractor.health()[0]
    extractor.status.phase = "waiting_for_broker"
    assert not extractor.health()[0]
