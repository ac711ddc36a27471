"""Properties of normalization and of the CSV contract, over generated text."""

from __future__ import annotations

import csv
import string
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st
from psycopg.conninfo import conninfo_to_dict

from discogsography.cache.cache_rows import ReleaseRows, one_line
from discogsography.cache.csv_tables import RELEASE, RELEASE_ARTIST, CacheCsv
from discogsography.cache.csvfiles import table_writers
from discogsography.cache.normalize import artist_key
from discogsography.config.cache_settings import DEFAULT_DATABASE_URL, load_cache_settings

names = st.text(alphabet=string.ascii_letters + " ", min_size=1, max_size=30).filter(lambda s: s.strip())


@given(names)
def test_library_forms_of_a_name_share_its_key(name: str) -> None:
    key = artist_key(name)
    assert artist_key(f"{name} (12)") == key
    assert artist_key(name.upper()) == artist_key(name.lower()) == key
    assert artist_key(f"The {name}") == artist_key(f"{name}, The")
    assert artist_key(f"  {name}  ") == key


@given(names, names)
@example("A X", "A")  # "x" joins too: the "and" after it used to stay in the key ("a and and a")
@example("A", "and B")  # two joins in a row
def test_ampersand_and_and_are_one(a: str, b: str) -> None:
    assert artist_key(f"{a} & {b}") == artist_key(f"{a} and {b}")


texts = st.one_of(st.none(), st.text(alphabet=st.characters(codec="utf-8"), max_size=40))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(texts, texts), min_size=1, max_size=5))
def test_csv_round_trip_keeps_every_value(
    tmp_path_factory: object, values: list[tuple[str | None, str | None]]
) -> None:
    directory: Path = tmp_path_factory.mktemp("rt")  # type: ignore[attr-defined]
    with table_writers(directory) as writers:
        for n, (title, artist) in enumerate(values, start=1):
            clean_title, clean_artist = one_line(title), one_line(artist)
            rows = ReleaseRows(release=(n, clean_title, None, None, None, None))
            if clean_artist:
                rows.artists.append((n, clean_artist, 1))
            writers.write_release(rows)
    with RELEASE.path_in(directory).open(encoding="utf-8", newline="") as handle:
        read = list(csv.reader(handle, CacheCsv))[1:]
    assert [row[1] for row in read] == [one_line(title) or "" for title, _ in values]
    with RELEASE_ARTIST.path_in(directory).open(encoding="utf-8", newline="") as handle:
        artists = list(csv.reader(handle, CacheCsv))[1:]
    assert [row[1] for row in artists] == [one_line(a) for _, a in values if one_line(a)]
    assert all(row[2] == "1" for row in artists)
    raw = RELEASE.path_in(directory).read_bytes()
    assert raw.count(b"\n") == len(values) + 1  # one line per row: no field holds a line break
    assert b"\r" not in raw


def test_database_url_comes_from_the_environment(monkeypatch: object) -> None:
    for name in ("DATABASE_URL", "POSTGRES_ADDRESS", "POSTGRES_USERNAME", "POSTGRES_DATABASE"):
        monkeypatch.delenv(name, raising=False)  # type: ignore[attr-defined]
    default = conninfo_to_dict(load_cache_settings().database)
    assert DEFAULT_DATABASE_URL == "postgresql://localhost:5432/discogs"
    assert {k: default[k] for k in ("host", "port", "dbname")} == conninfo_to_dict(DEFAULT_DATABASE_URL)
    assert "user" not in default
    monkeypatch.setenv("DATABASE_URL", "postgresql://elsewhere/db")  # type: ignore[attr-defined]
    assert conninfo_to_dict(load_cache_settings().database)["host"] == "elsewhere"
