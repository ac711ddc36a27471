from __future__ import annotations

import json
from pathlib import Path

import pytest

from discogsography.cache.build_state import PipelineState, write_atomically
from discogsography.cache.cache_errors import CacheError


def test_new_state_has_nothing_completed(tmp_path: Path) -> None:
    state = PipelineState.load(tmp_path / "missing.json")
    assert state.completed() == set()


def test_completed_and_failed_steps_round_trip(tmp_path: Path) -> None:
    path = tmp_path / ".pipeline_state.json"
    state = PipelineState(path)
    state.mark_completed("import", seconds=1.23456, summary="release 3")
    state.mark_failed("create_indexes", "disk full")
    loaded = PipelineState.load(path)
    assert loaded.completed() == {"import"}
    assert loaded.is_completed("import") and not loaded.is_completed("create_indexes")
    document = json.loads(path.read_text())
    assert document["version"] == 1
    assert document["steps"]["import"]["seconds"] == 1.235
    assert document["steps"]["create_indexes"] == {
        "status": "failed",
        "finished_at": document["steps"]["create_indexes"]["finished_at"],
        "error": "disk full",
    }


def test_a_failed_step_that_later_succeeds_is_completed(tmp_path: Path) -> None:
    state = PipelineState(tmp_path / "s.json")
    state.mark_failed("dedup", "boom")
    state.mark_completed("dedup", seconds=1)
    assert PipelineState.load(tmp_path / "s.json").completed() == {"dedup"}


def test_inferred_steps_do_not_overwrite_recorded_ones(tmp_path: Path) -> None:
    state = PipelineState(tmp_path / "s.json")
    state.mark_completed("import", seconds=2, summary="real")
    state.mark_inferred({"import", "create_schema"})
    loaded = PipelineState.load(tmp_path / "s.json")
    assert loaded.steps["import"]["summary"] == "real"
    assert loaded.steps["create_schema"]["inferred"] is True


def test_atomic_write_leaves_no_temporary_files(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "state.json"
    write_atomically(path, "one")
    write_atomically(path, "two")
    assert path.read_text() == "two"
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]


@pytest.mark.parametrize("content", ["{not json", '{"version": 99, "steps": {}}', "[]"])
def test_unreadable_state_is_a_clear_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "s.json"
    path.write_text(content)
    with pytest.raises(CacheError, match="state file"):
        PipelineState.load(path)


def test_a_step_variant_must_match_to_count_as_completed(tmp_path: Path) -> None:
    state = PipelineState(tmp_path / "s.json")
    state.mark_completed("verify", seconds=1, variant="dry run")
    loaded = PipelineState.load(tmp_path / "s.json")
    assert loaded.is_completed("verify", "dry run")
    assert not loaded.is_completed("verify", "prune")
    assert loaded.is_completed("verify")
