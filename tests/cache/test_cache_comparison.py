"""The comparison of issue 15, as a test: on a 5,000-release make_dump.py dump and a library of 172
real pairs (joins, articles, accents, suffixes, shortened titles) plus 20 that match nothing, the
cache builder keeps every release the old tool's logic keeps (KEEP or REVIEW: it never deletes
REVIEW), every library pair ends KEEP, and no non-matching pair keeps a release."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from discogsography.cache import cache_database
from discogsography.cache.classify import LibraryIndex, Verdict
from discogsography.cache.dump_to_csv import convert_dump
from discogsography.cache.enrich import enrich
from discogsography.cache.library import read_artist_list
from discogsography.cache.matching import ArtistMatcher
from discogsography.cache.verify import classify_database
from tests.cache.cache_testdata import make_library_db
from tests.cache.peer_logic import peer_kept
from tests.support.dumps import make_dump

pytestmark = pytest.mark.postgres

LIBRARY_FILE = Path(__file__).parent / "data" / "comparison_library.tsv"

# Real albums (and real sample artists with albums they do not have in the dump): match nothing.
NON_MATCHING = [
    ("Radiohead", "OK Computer"),
    ("PJ Harvey", "Rid Of Me"),
    ("Talking Heads", "Remain In Light"),
    ("Sonic Youth", "Daydream Nation"),
    ("Kate Bush", "Hounds Of Love"),
    ("Portishead", "Dummy"),
    ("Massive Attack", "Mezzanine"),
    ("Aphex Twin", "Selected Ambient Works 85-92"),
    ("Can", "Tago Mago"),
    ("Television", "Marquee Moon"),
    ("Wire", "Pink Flag"),
    ("Slint", "Spiderland"),
    ("Cocteau Twins", "Heaven Or Las Vegas"),
    ("My Bloody Valentine", "Loveless"),
    ("Beatles, The", "Revolver"),
    ("Persuader, The", "Unreleased Dubs"),
    ("Timo Maas", "Loud"),
    ("Bjork", "Homogenic"),
    ("Pearl Jam", "Vitalogy"),
    ("James Brown", "Live At The Apollo"),
]


@dataclass(frozen=True)
class LibraryPair:
    release_id: int
    kind: str
    artist: str
    title: str


def library_pairs() -> list[LibraryPair]:
    pairs = []
    for line in LIBRARY_FILE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        release_id, kind, artist, title = line.split("\t")
        pairs.append(LibraryPair(int(release_id), kind, artist, title.strip()))
    return pairs


def masters(url: str) -> dict[int, int]:
    """Release id -> its dedup group (master id, or the release itself)."""
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT id, master_id FROM release").fetchall()
    return {int(i): int(m) if m is not None else -int(i) for i, m in rows}


def release_rows(url: str) -> list[tuple[int, str, list[str], list[str]]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT r.id, r.title,"
            " coalesce(array_agg(a.artist_name) FILTER (WHERE a.extra = 0), '{}'),"
            " coalesce(array_agg(a.artist_name) FILTER (WHERE a.artist_name IS NOT NULL), '{}')"
            " FROM release r LEFT JOIN release_artist a ON a.release_id = r.id GROUP BY r.id, r.title"
        ).fetchall()
    return [(int(i), str(t), list(m), list(c)) for i, t, m, c in rows]


def build(url: str, csv_dir: Path) -> dict[int, int]:
    cache_database.create_schema(url)
    cache_database.import_csvs(url, csv_dir)
    cache_database.create_indexes(url)
    groups = masters(url)
    cache_database.dedup(url)
    return groups


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = make_dump(
        tmp_path_factory.mktemp("dump5000"),
        {"releases": 5000, "artists": 0, "labels": 0, "masters": 0},
        level=6,
    )
    (releases,) = out.glob("*_releases.xml.gz")
    return releases


def test_library_has_the_shapes_the_issue_names() -> None:
    pairs = library_pairs()
    assert len(pairs) >= 150
    artists = [p.artist for p in pairs]
    assert sum(" & " in a for a in artists) >= 10
    assert sum(any(j in a for j in (" feat. ", " Feat. ", " Featuring ", " ft. ")) for a in artists) >= 8
    assert sum(a.endswith(", The") for a in artists) >= 8
    assert sum(p.kind == "accent" for p in pairs) >= 15
    assert sum(p.kind == "short" for p in pairs) >= 10
    assert len(NON_MATCHING) == 20


def test_comparison_on_a_5000_release_dump(dump: Path, pg_factory: Callable[[], str], tmp_path: Path) -> None:
    pairs = library_pairs()
    library = [(p.artist, p.title) for p in pairs] + NON_MATCHING
    library_db = make_library_db(tmp_path / "library.db", library)

    # ours: enrich, convert with the filter, import, dedup, verify
    ours = pg_factory()
    enrich(library_db, tmp_path / "artists.txt")
    matcher = ArtistMatcher(read_artist_list(tmp_path / "artists.txt"))
    converted = convert_dump(dump, tmp_path / "ours", matcher)
    assert converted.releases_seen == 5000
    our_groups = build(ours, tmp_path / "ours")
    result = classify_database(ours, LibraryIndex(library))
    verdict = {i: v for v, ids in result.ids.items() for i in ids}
    kept_groups = {our_groups[i] for i, v in verdict.items() if v is not Verdict.PRUNE}

    # the old tool's logic, on the same dump unfiltered and deduplicated
    everything = pg_factory()
    convert_dump(dump, tmp_path / "all")
    all_groups = build(everything, tmp_path / "all")
    rows = release_rows(everything)
    theirs = peer_kept(rows, library)
    assert theirs, "the model of the old tool keeps nothing: the comparison would be empty"
    missing = {i for i in theirs if all_groups[i] not in kept_groups}
    assert not missing, sorted(missing)
    assert len(kept_groups) >= len({all_groups[i] for i in theirs})

    # every library pair ends KEEP: the survivor of its release's group
    survivors: dict[int, list[int]] = {}
    for release_id in verdict:
        survivors.setdefault(our_groups[release_id], []).append(release_id)
    not_keep = []
    for pair in pairs:
        found = survivors.get(all_groups[pair.release_id], [])
        if not found or any(verdict[i] is not Verdict.KEEP for i in found):
            not_keep.append((pair, [(i, verdict[i].name) for i in found]))
    assert not not_keep, not_keep

    # none of the 20 non-matching pairs keeps a release of the whole dump
    alone = LibraryIndex(NON_MATCHING)
    kept_by_them = [
        (release_id, title, main)
        for release_id, title, main, _ in rows
        if alone.classify(main, title).verdict is not Verdict.PRUNE
    ]
    assert not kept_by_them, kept_by_them
