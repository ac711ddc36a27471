"""Every era's dump shape through parse, the extractor and the tableinator (tests/eras.py).

Each era's dump (the real samples reshaped) is parsed, checked path by path against ElementTree's
reading, and run through `discogsography pipeline` into a database of its own: every record must
be in its table with its data, and every credit, label, alias and member in its link table.
Expected rows come from the XML, read by ElementTree.
"""

from __future__ import annotations

import gzip
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from discogsography.kinds import Kind
from discogsography.parsing import DumpParser
from tests.e2e.runs import delete_queues, run_pipeline
from tests.eras import ERA_DATES, ERAS, build_era_dump
from tests.fidelity import triples_differ
from tests.support.servers import SHARED

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.rabbitmq]

Loaded = dict[str, tuple[Path, str]]  # era -> (dump folder, conninfo)


def dump_file(folder: Path, era: str, kind: Kind) -> Path:
    return folder / f"discogs_{ERA_DATES[era]}_{kind.value}.xml.gz"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    run_id = uuid.uuid4().hex[:8]
    result: Loaded = {}
    try:
        for era in ERAS:
            folder = build_era_dump(tmp_path_factory.mktemp(f"era-{era}"), era)
            database = f"dgtest_era_{era}_{run_id}"
            result[era] = (folder, SHARED.conninfo(database))
            root = tmp_path_factory.mktemp(f"root-{era}")
            run_pipeline(folder, root, database, f"dgtest-era-{era}-{run_id}-")
        yield result
    finally:
        for era in ERAS:
            SHARED.drop_database(f"dgtest_era_{era}_{run_id}")
        for era in ERAS:
            delete_queues(f"dgtest-era-{era}-{run_id}-")


def xml_records(path: Path) -> list[ET.Element]:
    with gzip.open(path) as handle:
        return list(ET.parse(handle).getroot())


def xml_id(element: ET.Element) -> int:
    # Where the id is, read from the XML: an attribute (masters, releases) or a child element.
    return int(element.get("id") or element.findtext("id") or "")


def link_id(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() and int(text) > 0 else None


def rows(conninfo: str, query: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(conninfo) as conn:
        return conn.execute(query).fetchall()


CASES = [(era, kind) for era in ERAS for kind in Kind]
CASE_IDS = [f"{era}-{kind.value}" for era, kind in CASES]


@pytest.mark.parametrize(("era", "kind"), CASES, ids=CASE_IDS)
def test_parse_delivers_every_record_faithfully(loaded: Loaded, era: str, kind: Kind) -> None:
    path = dump_file(loaded[era][0], era, kind)
    elements = xml_records(path)
    parser = DumpParser(path, max_skipped_share=0.0)
    records = list(parser)
    assert parser.stats.skipped == 0
    assert [r.id for r in records] == [xml_id(e) for e in elements]
    for element, record in zip(elements, records, strict=True):
        assert not triples_differ(element, record.data), record.id


@pytest.mark.parametrize(("era", "kind"), CASES, ids=CASE_IDS)
def test_every_record_is_in_its_table_with_its_data(loaded: Loaded, era: str, kind: Kind) -> None:
    folder, conninfo = loaded[era]
    parsed = {r.id: r.data for r in DumpParser(dump_file(folder, era, kind))}
    stored = {row[0]: (row[1], row[2]) for row in rows(conninfo, f"SELECT id, data, hash FROM {kind.value}")}
    assert sorted(stored) == sorted(xml_id(e) for e in xml_records(dump_file(folder, era, kind)))
    for record_id, record in parsed.items():
        data, digest = stored[record_id]
        assert digest == record["sha256"]
        assert data == record


def _credits(element: ET.Element, path: str) -> list[tuple[int | None, str | None]]:
    return [(link_id(c.findtext("id")), c.findtext("name")) for c in element.iterfind(path)]


@pytest.mark.parametrize("era", ERAS)
def test_release_links(loaded: Loaded, era: str) -> None:
    folder, conninfo = loaded[era]
    labels: dict[int, list[tuple[Any, ...]]] = {}
    for row in rows(
        conninfo, "SELECT release_id, label_id, label_name, catno FROM release_labels ORDER BY 1, position"
    ):
        labels.setdefault(row[0], []).append(row[1:])
    credits: dict[tuple[int, bool], list[tuple[Any, ...]]] = {}
    for row in rows(
        conninfo,
        "SELECT release_id, extra, artist_id, artist_name FROM release_artists ORDER BY 1, 2, position",
    ):
        credits.setdefault((row[0], row[1]), []).append(row[2:])
    elements = xml_records(dump_file(folder, era, Kind.RELEASES))
    assert sum(len(v) for v in credits.values()) == sum(
        len(e.findall("artists/artist")) + len(e.findall("extraartists/artist")) for e in elements
    )
    for element in elements:
        rid = xml_id(element)
        assert labels.get(rid, []) == [
            (link_id(label.get("id")), label.get("name"), label.get("catno") or None)
            for label in element.iterfind("labels/label")
        ], rid
        assert credits.get((rid, False), []) == _credits(element, "artists/artist"), rid
        assert credits.get((rid, True), []) == _credits(element, "extraartists/artist"), rid


@pytest.mark.parametrize("era", ERAS)
def test_master_links(loaded: Loaded, era: str) -> None:
    folder, conninfo = loaded[era]
    credits: dict[int, list[tuple[Any, ...]]] = {}
    for row in rows(
        conninfo, "SELECT master_id, artist_id, artist_name FROM master_artists ORDER BY 1, position"
    ):
        credits.setdefault(row[0], []).append(row[1:])
    for element in xml_records(dump_file(folder, era, Kind.MASTERS)):
        assert credits.get(xml_id(element), []) == _credits(element, "artists/artist"), xml_id(element)


@pytest.mark.parametrize("era", ERAS)
def test_artist_links(loaded: Loaded, era: str) -> None:
    folder, conninfo = loaded[era]
    aliases: dict[int, list[tuple[Any, ...]]] = {}
    for row in rows(
        conninfo, "SELECT artist_id, alias_id, alias_name FROM artist_aliases ORDER BY 1, position"
    ):
        aliases.setdefault(row[0], []).append(row[1:])
    members: dict[int, list[tuple[Any, ...]]] = {}
    for row in rows(
        conninfo, "SELECT group_id, member_id, member_name FROM artist_members ORDER BY 1, position"
    ):
        members.setdefault(row[0], []).append(row[1:])
    for element in xml_records(dump_file(folder, era, Kind.ARTISTS)):
        aid = xml_id(element)
        assert aliases.get(aid, []) == [
            (link_id(a.get("id")), a.text) for a in element.iterfind("aliases/name") if a.text
        ], aid
        names = element.findall("members/name")
        bare_ids = [link_id(i.text) for i in element.iterfind("members/id")]
        if names:
            # 2017 and earlier: bare <id>s next to names without ids, paired in order.
            ids = [link_id(n.get("id")) for n in names] if names[0].get("id") else bare_ids
            expected = [(member_id, n.text) for member_id, n in zip(ids, names, strict=True)]
        else:
            expected = [(member_id, None) for member_id in bare_ids]
        assert members.get(aid, []) == expected, aid


@pytest.mark.parametrize("era", ERAS)
def test_label_parents(loaded: Loaded, era: str) -> None:
    folder, conninfo = loaded[era]
    stored = dict(rows(conninfo, "SELECT id, parent_label_id FROM labels"))
    for element in xml_records(dump_file(folder, era, Kind.LABELS)):
        parent = element.find("parentLabel")
        assert stored[xml_id(element)] == (link_id(parent.get("id")) if parent is not None else None)
