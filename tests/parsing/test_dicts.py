"""DumpParser.dicts(): the records as dicts, without a JSON line, equal to what iteration decodes."""

from __future__ import annotations

from pathlib import Path

import pytest

from discogsography.parsing import DumpParser
from discogsography.parsing.canonical import canonical_json
from tests.conftest import sample_files
from tests.parsing.helpers import write_dump


def _decoded(path: Path, workers: int) -> list[dict[str, object]]:
    """The records as iteration gives them, decoded from their JSON lines, "sha256" removed."""
    found = []
    for record in DumpParser(path, workers=workers):
        data = dict(record.data)
        del data["sha256"]
        found.append(data)
    return found


@pytest.mark.parametrize("path", sample_files(), ids=lambda path: f"{path.parent.name}/{path.name}")
def test_every_sample_record_as_a_dict_is_the_decoded_json_line(path: Path) -> None:
    parser = DumpParser(path)
    dicts = list(parser.dicts())
    expected = _decoded(path, workers=1)
    assert dicts == expected and len(dicts) == parser.stats.records > 0
    # The same values, and the same JSON once its keys are sorted as the line's are.
    assert [canonical_json(record) for record in dicts] == [canonical_json(record) for record in expected]


def test_with_workers_the_dicts_are_the_same(samples_2020: Path) -> None:
    path = samples_2020 / "discogs_20200806_releases.xml.gz"
    assert list(DumpParser(path, workers=2).dicts()) == list(DumpParser(path).dicts())


def test_broken_records_are_skipped_and_counted_as_iteration_does(tmp_path: Path) -> None:
    path = write_dump(
        tmp_path,
        "r.xml.gz",
        '<releases>\n<release id="1"><title>ok</title></release>\n'
        '<release id="2"><title>broken</titel></release>\n'
        '<release id="x"><title>no id</title></release>\n'
        '<release id="3"><title>ok</title></release>\n</releases>\n',
    )
    parser = DumpParser(path, max_skipped_share=1.0)
    assert list(parser.dicts()) == [{"id": 1, "title": "ok"}, {"id": 3, "title": "ok"}]
    assert (parser.stats.records, parser.stats.skipped) == (2, 2)
    assert len(parser.stats.failures) == 2
