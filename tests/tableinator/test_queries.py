"""The example queries of docs/schema.md, run on the samples, checked against Python's answers."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import psycopg
import pytest

from discogsography.fields import year
from discogsography.kinds import Kind
from discogsography.parsing import ParsedRecord
from discogsography.relational.copy_writer import KindWriter
from discogsography.relational.table_rows import build_rows

pytestmark = pytest.mark.postgres

DOC = Path(__file__).resolve().parents[2] / "docs" / "schema.md"
_QUERY = re.compile(r"<!-- query: (\w+) -->\s*```sql\n(.*?)```", re.DOTALL)


def doc_queries() -> dict[str, str]:
    return dict(_QUERY.findall(DOC.read_text(encoding="utf-8")))


@pytest.fixture
def loaded(
    db: psycopg.Connection[tuple[Any, ...]], all_samples: dict[Kind, list[ParsedRecord]]
) -> dict[Kind, dict[int, dict[str, Any]]]:
    """Every sample stored; returns the final record per id (what the tables must reflect)."""
    final: dict[Kind, dict[int, dict[str, Any]]] = {}
    for kind, parsed in all_samples.items():
        KindWriter(db, kind).write(build_rows(kind, p.data) for p in parsed)
        final[kind] = {p.id: p.data for p in parsed}
    return final


def _items(record: dict[str, Any], container: str, tag: str) -> list[Any]:
    value = record.get(container)
    return value.get(tag) or [] if isinstance(value, dict) else []


def test_the_documentation_has_the_queries() -> None:
    assert {
        "most_prolific_labels",
        "releases_by_genre_and_year",
        "artists_with_most_aliases",
        "artists_with_most_releases",
        "releases_of_a_master",
    } <= set(doc_queries())


def test_most_prolific_labels(db: Any, loaded: dict[Kind, dict[int, dict[str, Any]]]) -> None:
    releases_per_label: dict[int, set[int]] = defaultdict(set)
    for release_id, record in loaded[Kind.RELEASES].items():
        for label in _items(record, "labels", "label"):
            if isinstance(label, dict) and str(label.get("id", "")).isdigit():
                releases_per_label[int(label["id"])].add(release_id)
    labels = loaded[Kind.LABELS]
    ranking = sorted(
        (
            (label_id, labels[label_id].get("name"), len(ids))
            for label_id, ids in releases_per_label.items()
            if label_id in labels
        ),
        key=lambda row: (-row[2], row[0]),
    )[:10]
    assert ranking, "the samples should link some releases to stored labels"
    assert db.execute(doc_queries()["most_prolific_labels"]).fetchall() == ranking


def test_releases_by_genre_and_year(db: Any, loaded: dict[Kind, dict[int, dict[str, Any]]]) -> None:
    expected = []
    for release_id, record in loaded[Kind.RELEASES].items():
        genres = [g for g in _items(record, "genres", "genre") if g]
        released = record.get("released") or ""
        release_year = int(released[:4]) if released[:4].isdigit() and int(released[:4]) else None
        assert release_year == year(released)
        if "Jazz" in genres and release_year is not None and 1960 <= release_year <= 1999:
            expected.append((release_id, record.get("title"), release_year, genres))
    expected.sort(key=lambda row: (row[2], row[0]))
    assert len(expected) >= 5
    assert db.execute(doc_queries()["releases_by_genre_and_year"]).fetchall() == expected


def test_artists_with_most_aliases(db: Any, loaded: dict[Kind, dict[int, dict[str, Any]]]) -> None:
    counts = []
    for artist_id, record in loaded[Kind.ARTISTS].items():
        names = [a.get("#text") if isinstance(a, dict) else a for a in _items(record, "aliases", "name")]
        names = [name for name in names if name]
        if names:
            counts.append((artist_id, record.get("name"), len(names)))
    counts.sort(key=lambda row: (-row[2], row[0]))
    assert db.execute(doc_queries()["artists_with_most_aliases"]).fetchall() == counts[:20]


def test_artists_with_most_releases(db: Any, loaded: dict[Kind, dict[int, dict[str, Any]]]) -> None:
    releases: dict[int, set[int]] = defaultdict(set)
    names: dict[int, list[Any]] = defaultdict(list)
    for release_id, record in loaded[Kind.RELEASES].items():
        for artist in _items(record, "artists", "artist"):
            if isinstance(artist, dict) and str(artist.get("id", "")).isdigit() and int(artist["id"]):
                releases[int(artist["id"])].add(release_id)
                names[int(artist["id"])].append(artist.get("name"))
    ranking = sorted(
        ((a, min(names[a]), len(r)) for a, r in releases.items()), key=lambda row: (-row[2], row[0])
    )
    assert db.execute(doc_queries()["artists_with_most_releases"]).fetchall() == ranking[:10]
    assert Counter(len(r) for r in releases.values())[1] < len(releases)  # some artists have several


def test_releases_of_a_master(db: Any, loaded: dict[Kind, dict[int, dict[str, Any]]]) -> None:
    expected = []
    for release_id, record in sorted(loaded[Kind.RELEASES].items()):
        master = record.get("master_id")
        if isinstance(master, dict) and master.get("#text") == "1660109":
            labels = [label for label in _items(record, "labels", "label") if isinstance(label, dict)]
            for label in labels or [{}]:
                expected.append(
                    (
                        release_id,
                        record.get("title"),
                        year(record.get("released")),
                        label.get("name"),
                        label.get("catno"),
                    )
                )
    assert expected
    assert db.execute(doc_queries()["releases_of_a_master"]).fetchall() == expected
