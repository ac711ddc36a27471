"""The CSV contract of the cache (`--csv-dir`): one file per table, defined here and nowhere else.

Each file is ``<table>.csv``: UTF-8, a header row with exactly the columns below, comma separated,
fields quoted with " only when needed ("" inside quotes), lines ending in LF. An empty field is NULL,
except in the NOT NULL title columns (``empty_is_text``), where it is the empty string; extra is
0 (main artist) or 1 (credit). The same names
are the PostgreSQL columns (sql/create_database.sql), so import is a plain COPY.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path


class CacheCsv(csv.excel):
    """The csv module dialect of the contract: excel quoting, LF line ends."""

    lineterminator = "\n"


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    # NOT NULL text columns: an empty CSV field there is "" (COPY's FORCE_NOT_NULL), never NULL.
    empty_is_text: tuple[str, ...] = ()

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"

    def path_in(self, directory: Path) -> Path:
        return directory / self.file_name


RELEASE = Table(
    "release",
    ("id", "title", "release_year", "country", "artwork_url", "master_id"),
    empty_is_text=("title",),
)
RELEASE_ARTIST = Table("release_artist", ("release_id", "artist_name", "extra"))
RELEASE_LABEL = Table("release_label", ("release_id", "label_name", "catalog_number"))
RELEASE_TRACK = Table(
    "release_track", ("release_id", "sequence", "position", "title", "duration"), empty_is_text=("title",)
)
RELEASE_TRACK_ARTIST = Table("release_track_artist", ("release_id", "track_sequence", "artist_name"))

# Parents first: that is the order files are imported and copied in.
TABLES: tuple[Table, ...] = (RELEASE, RELEASE_ARTIST, RELEASE_LABEL, RELEASE_TRACK, RELEASE_TRACK_ARTIST)
CHILD_TABLES: tuple[Table, ...] = TABLES[1:]
