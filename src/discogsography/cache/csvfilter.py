"""Step 3 for CSV input, filter: keep the releases whose main artists are library artists.

Two passes: release_artist decides which release ids stay, then every table is copied keeping only
rows of those releases. Output goes to a separate directory; files appear under their real names
only when complete.
"""

from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass
from pathlib import Path

from discogsography.cache.csv_tables import RELEASE, RELEASE_ARTIST, TABLES, CacheCsv
from discogsography.cache.csvfiles import read_table, require_tables
from discogsography.cache.matching import ArtistMatcher
from discogsography.runtime import atomic


@dataclass
class FilterResult:
    releases_total: int = 0
    releases_matched: int = 0

    def summary(self) -> str:
        share = self.releases_matched / self.releases_total if self.releases_total else 0.0
        return f"{self.releases_matched:,}/{self.releases_total:,} releases matched ({share:.1%})"


def matching_release_ids(source_dir: Path, matcher: ArtistMatcher) -> set[str]:
    """Releases with a library artist among their main artists, or as their joined credit line
    (the main artists in file order: "Fredrik Stark" + "City Dreams" for "Fredrik Stark & City
    Dreams"). The converter writes a release's rows together, so one pass with one group in memory."""
    keep: set[str] = set()
    with read_table(source_dir, RELEASE_ARTIST) as rows:
        main_rows = (row for row in rows if len(row) == 3 and row[2] != "1")
        for release_id, group in itertools.groupby(main_rows, key=lambda row: row[0]):
            names = [row[1] for row in group]
            if release_id in keep:
                continue
            if matcher.matches_any(names) or (len(names) > 1 and matcher.matches_name(" & ".join(names))):
                keep.add(release_id)
    return keep


def filter_directory(source_dir: Path, target_dir: Path, matcher: ArtistMatcher) -> FilterResult:
    require_tables(source_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    keep = matching_release_ids(source_dir, matcher)
    result = FilterResult(releases_matched=0)
    for table in TABLES:
        target = table.path_in(target_dir)
        temporary = target.with_name(target.name + ".part")
        with read_table(source_dir, table) as rows, temporary.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, CacheCsv)
            writer.writerow(table.columns)
            for row in rows:
                if table is RELEASE:
                    result.releases_total += 1
                if row and row[0] in keep:
                    writer.writerow(row)
                    if table is RELEASE:
                        result.releases_matched += 1
        atomic.replace(temporary, target)
    return result
