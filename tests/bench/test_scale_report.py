"""bench/scale_report.py: the summaries' pure helpers."""

from __future__ import annotations

from scale_report import cpu_by_process, queue_peak, rates_lines, root_versions


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


def test_the_rates_table_times_a_short_kind_by_its_stamps() -> None:
    # labels as the full-size load wrote them: 600 batches in 20 s; sampled every 10 s they read
    # 0.42 (the last sample interval spread over the last fifth)
    stamps = [(32.0 + number / 30, 1000) for number in range(600)]
    sampled = [(0.0, 0), (30.0, 0), (40.0, 240_000), (50.0, 540_000), (60.0, 600_000), (70.0, 600_000)]
    result = {
        "rows": {"labels": 600_000},
        "stamps": {"labels": stamps},
        "watch": {"rows": {"labels": sampled}},
    }
    header, labels = rates_lines(result, {"labels": 600_000})
    assert header.split()[:2] == ["kind", "rows"]
    assert labels.split()[:7] == ["labels", "600,000", "30,000", "30,000", "1.00", "stamps", "30,000"]


def test_the_rates_table_falls_back_on_the_samples() -> None:
    sampled = [(0.0, 0), (10.0, 500), (20.0, 1000)]
    result = {"rows": {"labels": 1000}, "watch": {"rows": {"labels": sampled}}}
    line = rates_lines(result, {"labels": 1000})[1]
    assert line.split()[:6] == ["labels", "1,000", "50", "50", "1.00", "samples"]
