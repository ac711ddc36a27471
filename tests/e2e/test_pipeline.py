"""The main job end to end on the real samples: extractor -> RabbitMQ -> tableinator -> PostgreSQL.

Runs `discogsography pipeline` as a user does (a subprocess, configured by environment variables)
against the machine's RabbitMQ and PostgreSQL, in a database and queue prefix of its own, then
reads the tables back and compares them with the XML (read by an independent parser) and with
the parser's records.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from discogsography.amqp.topology import Topology
from discogsography.kinds import Kind
from discogsography.parsing import DumpParser
from tests.conftest import SAMPLES_2020
from tests.e2e.runs import delete_queues, run_pipeline
from tests.support.amqp import queue_depths
from tests.support.servers import SHARED

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.rabbitmq]


Loaded = tuple[str, subprocess.CompletedProcess[str], dict[str, int]]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    run_id = uuid.uuid4().hex[:8]
    database = f"dgtest_e2e_{run_id}"
    prefix = f"dgtest-e2e-{run_id}-"
    try:
        result = run_pipeline(SAMPLES_2020, tmp_path_factory.mktemp("discogs-root"), database, prefix)
        depths = queue_depths(SHARED.amqp_url, Topology(prefix))
        yield SHARED.conninfo(database), result, depths
    finally:
        SHARED.drop_database(database)
        delete_queues(prefix)


def xml_records(kind: Kind) -> list[ET.Element]:
    with gzip.open(SAMPLES_2020 / f"discogs_20200806_{kind.value}.xml.gz") as handle:
        return list(ET.parse(handle).getroot())


def xml_id(element: ET.Element, kind: Kind) -> int:
    return int(element.get("id") if kind.spec.id_is_attribute else element.findtext("id"))  # type: ignore[arg-type]


def rows(conninfo: str, query: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(conninfo) as conn:
        return conn.execute(query).fetchall()


def test_summary_names_every_table(loaded: Loaded) -> None:
    _, result, _ = loaded
    for table in ("artists", "labels", "masters", "releases", "release_labels"):
        assert table in result.stdout
    assert "1,000 rows" in result.stdout


def test_merged_stderr_is_json_lines_that_tell_the_services_apart(loaded: Loaded) -> None:
    _, result, _ = loaded
    lines = [json.loads(line) for line in result.stderr.splitlines()]  # fails on a plain line
    services = {line["service"] for line in lines}
    assert {"extractor", "tableinator"} <= services <= {"pipeline", "extractor", "tableinator"}


@pytest.mark.parametrize("kind", list(Kind), ids=lambda k: k.value)
def test_every_record_id_is_in_its_table_exactly_once(loaded: Loaded, kind: Kind) -> None:
    conninfo, _, _ = loaded
    expected = sorted(xml_id(element, kind) for element in xml_records(kind))
    stored = [row[0] for row in rows(conninfo, f"SELECT id FROM {kind.value} ORDER BY id")]
    assert stored == expected


@pytest.mark.parametrize("kind", list(Kind), ids=lambda k: k.value)
def test_data_equals_the_parser_record_and_hash_its_sha256(loaded: Loaded, kind: Kind) -> None:
    conninfo, _, _ = loaded
    parsed = {r.id: r.data for r in DumpParser(SAMPLES_2020 / f"discogs_20200806_{kind.value}.xml.gz")}
    stored = {row[0]: (row[1], row[2]) for row in rows(conninfo, f"SELECT id, data, hash FROM {kind.value}")}
    assert stored.keys() == parsed.keys()
    for record_id, record in parsed.items():
        data, digest = stored[record_id]
        assert digest == record["sha256"]
        assert {k: v for k, v in data.items() if k != "sha256"} == {
            k: v for k, v in record.items() if k != "sha256"
        }


def test_release_typed_columns_match_the_xml(loaded: Loaded) -> None:
    conninfo, _, _ = loaded
    stored = {
        row[0]: row[1:]
        for row in rows(conninfo, "SELECT id, title, country, genres, styles, year FROM releases")
    }
    for element in xml_records(Kind.RELEASES):
        title, country, genres, styles, year = stored[int(element.get("id", "0"))]
        assert title == element.findtext("title")
        assert country == element.findtext("country")
        assert (genres or []) == [g.text for g in element.iterfind("genres/genre")]
        assert (styles or []) == [s.text for s in element.iterfind("styles/style")]
        released = element.findtext("released") or ""
        expected_year = int(released[:4]) if released[:4].isdigit() and int(released[:4]) > 0 else None
        assert year == expected_year


def test_artist_and_label_typed_columns_match_the_xml(loaded: Loaded) -> None:
    conninfo, _, _ = loaded
    artists = {
        row[0]: row[1:] for row in rows(conninfo, "SELECT id, name, real_name, urls, aliases FROM artists")
    }
    for element in xml_records(Kind.ARTISTS):
        name, real_name, urls, aliases = artists[int(element.findtext("id") or 0)]
        assert name == element.findtext("name")
        assert real_name == (element.findtext("realname") or None)
        assert (urls or []) == [u.text for u in element.iterfind("urls/url") if u.text]
        assert (aliases or []) == [a.text for a in element.iterfind("aliases/name") if a.text]
    labels = {row[0]: row[1:] for row in rows(conninfo, "SELECT id, name, profile FROM labels")}
    for element in xml_records(Kind.LABELS):
        name, profile = labels[int(element.findtext("id") or 0)]
        assert name == element.findtext("name")
        assert profile == (element.findtext("profile") or None)


def test_master_typed_columns_match_the_xml(loaded: Loaded) -> None:
    conninfo, _, _ = loaded
    masters = {
        row[0]: row[1:] for row in rows(conninfo, "SELECT id, title, main_release, genres FROM masters")
    }
    for element in xml_records(Kind.MASTERS):
        title, main_release, genres = masters[int(element.get("id", "0"))]
        assert title == element.findtext("title")
        assert main_release == int(element.findtext("main_release") or 0)
        assert (genres or []) == [g.text for g in element.iterfind("genres/genre")]


def test_nothing_left_in_the_queues_and_nothing_dead_lettered(loaded: Loaded) -> None:
    _, _, depths = loaded
    assert len(depths) == 8
    assert depths == dict.fromkeys(depths, 0)
