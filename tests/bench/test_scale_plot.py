"""bench/scale_plot.py: the points of the rate-against-table-size plot, and the PNG."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scale_plot import KindPoints, draw, kind_points, main

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# releases: 11 batches of 1,000 rows, the first 5 one a second, then one every 2 s; labels
# without stamps (an older result): sampled every 10 s
RELEASE_STAMPS = [[float(at), 1000] for at in (0, 1, 2, 3, 4, 5, 7, 9, 11, 13, 15)]
LABEL_SAMPLES = [[0.0, 0], [10.0, 0], [20.0, 3000], [30.0, 4000]]
RESULT = {
    "phase": "load",
    "scale": 0.001,
    "rows": {"releases": 11_000, "labels": 4000},
    "stamps": {"releases": RELEASE_STAMPS},
    "watch": {"rows": {"releases": [[0.0, 0], [20.0, 11_000]], "labels": LABEL_SAMPLES}},
}


def test_stamped_kinds_are_plotted_per_equal_share_at_the_rows_before_it() -> None:
    releases, _ = kind_points(RESULT, parts=5)
    assert (releases.kind, releases.source) == ("releases", "stamps")
    # 10,000 rows timed (the last batch has no end): shares of 2,000 rows
    assert [rows for rows, _ in releases.points] == [0, 2000, 4000, 6000, 8000]
    assert [rate for _, rate in releases.points] == pytest.approx([1000, 1000, 1000 * 2 / 3, 500, 500])
    assert releases.first_fifth == pytest.approx(1000)
    assert releases.last_over_first == pytest.approx(0.5)


def test_kinds_without_stamps_are_plotted_per_sampling_interval() -> None:
    _, labels = kind_points(RESULT)
    assert labels.source == "samples"
    assert labels.points == [(0.0, 300.0), (3000.0, 100.0)]
    assert labels.first_fifth == pytest.approx(300)  # 800 rows from 10 s (the last zero) to 12.67 s


def test_the_command_writes_a_png(tmp_path: Path) -> None:
    results, out = tmp_path / "load.json", tmp_path / "plots" / "load.png"
    results.write_text(json.dumps(RESULT))
    main([str(results), str(out)])
    assert out.read_bytes().startswith(PNG_SIGNATURE)


def test_a_kind_with_nothing_to_draw_still_gets_its_panel(tmp_path: Path) -> None:
    out = tmp_path / "empty.png"
    draw([KindPoints("masters", "stamps", [], None, None)], "one batch only", out)
    assert out.read_bytes().startswith(PNG_SIGNATURE)


def test_a_result_without_rows_per_kind_is_refused(tmp_path: Path) -> None:
    results = tmp_path / "refresh.json"
    results.write_text(json.dumps({"phase": "refresh", "A": {}}))
    with pytest.raises(SystemExit):
        main([str(results), str(tmp_path / "refresh.png")])
    assert not (tmp_path / "refresh.png").exists()
