"""bench/scale_report.py: the summaries' pure helpers."""

from __future__ import annotations

from scale_report import cpu_by_process, queue_peak, root_versions


def test_child_processes_are_summed_per_service() -> None:
    cpu = {"extractor": 2.0, "extractor child 11": 0.5, "extractor child 12": 0.25, "tableinator": 1.0}
    assert cpu_by_process(cpu) == {"extractor": 2.0, "extractor workers": 0.75, "tableinator": 1.0}


def test_versions_kept_in_the_root() -> None:
    names = [
        ".extraction_status_20990101.json",
        ".index_20990301_artists.sqlite",
        ".index_20990401_releases.sqlite",
        "discogs_20990401_CHECKSUM.txt",
        "discogs_20990301_labels.xml.gz",
    ]
    assert root_versions(names) == {
        "dump files": ["20990301", "20990401"],
        "record indexes": ["20990301", "20990401"],
    }


def test_the_deepest_each_queue_got() -> None:
    result = {"watch": {"queues": [(0.0, {"a": 3, "b": 0}), (10.0, {"a": 1, "b": 7})]}}
    assert queue_peak(result) == {"a": 3, "b": 7}
