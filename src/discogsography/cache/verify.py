"""Step 8, verify: classify every cached release against library.db; report, prune or copy.

Remembered decisions (decisions.py) settle releases the scores leave at REVIEW. The report
(report.py) gives the counts per class, the REVIEW releases grouped by artist, and the rows and bytes
pruning deletes. Default is a dry run. ``prune`` deletes PRUNE releases (children go by cascade);
``copy_to`` copies KEEP and REVIEW releases into a target database (created if missing, with
schema, constraints and indexes) and leaves the source whole.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from discogsography.cache import cache_database
from discogsography.cache.cache_errors import CacheError
from discogsography.cache.classify import LibraryIndex, Thresholds, Verdict, release_names
from discogsography.cache.csv_tables import RELEASE, TABLES
from discogsography.cache.decisions import Decisions, load_decisions
from discogsography.cache.library import read_library_pairs
from discogsography.cache.report import Footprint, ReviewEntry, format_report, prune_footprint

# Main artists in the order they were imported (the dump's order): the joined credit line.
RELEASES_WITH_ARTISTS = """
SELECT r.id, r.title,
       coalesce(array_agg(a.artist_name ORDER BY a.ctid) FILTER (WHERE a.artist_name IS NOT NULL), '{}')
  FROM release r
  LEFT JOIN release_artist a ON a.release_id = r.id AND a.extra = 0
 GROUP BY r.id, r.title
"""


@dataclass
class VerifyResult:
    counts: Counter[Verdict] = field(default_factory=Counter)
    ids: dict[Verdict, list[int]] = field(default_factory=lambda: {v: [] for v in Verdict})
    pruned: int = 0
    copied: int = 0
    action: str = "dry run"
    decided: Counter[str] = field(default_factory=Counter)
    review: list[ReviewEntry] = field(default_factory=list)
    footprint: list[Footprint] = field(default_factory=list)

    def summary(self) -> str:
        total = sum(self.counts.values())
        parts = ", ".join(f"{v.name} {self.counts[v]:,}" for v in reversed(Verdict))
        tail = {"prune": f"; {self.pruned:,} pruned", "copy": f"; {self.copied:,} copied"}.get(
            self.action, ""
        )
        return f"{total:,} releases: {parts} ({self.action}){tail}"

    def report(self) -> str:
        counts = {v.name: self.counts[v] for v in reversed(Verdict)}
        return format_report(
            counts, dict(self.decided), self.review, self.footprint, pruned=self.action == "prune"
        )


def classify_database(url: str, index: LibraryIndex, decisions: Decisions | None = None) -> VerifyResult:
    decisions = decisions or Decisions()
    result = VerifyResult()
    with cache_database.connect(url) as conn, conn.cursor(name="verify_releases") as cur:
        cur.itersize = 10_000
        cur.execute(RELEASES_WITH_ARTISTS)
        for release_id, title, artists in cur:
            rid = int(release_id)
            names = [str(a) for a in artists]
            text = title if isinstance(title, str) else ""
            found = index.classify(names, text)
            verdict = found.verdict
            if verdict is Verdict.REVIEW:
                decision = decisions.decide(release_names(names))
                if decision:
                    result.decided[decision] += 1
                    verdict = Verdict.KEEP if decision == "keep" else Verdict.PRUNE
                else:
                    entry = ReviewEntry(", ".join(names), rid, text, found.score, found.matched_title)
                    result.review.append(entry)
            result.counts[verdict] += 1
            result.ids[verdict].append(rid)
    with cache_database.connect(url) as conn:
        result.footprint = prune_footprint(conn, result.ids[Verdict.PRUNE])
    return result


def verify(
    url: str,
    library_db: Path,
    *,
    thresholds: Thresholds | None = None,
    prune: bool = False,
    copy_to: str | None = None,
    mappings_file: Path | None = None,
) -> VerifyResult:
    if prune and copy_to:
        raise CacheError("--prune and --copy-to exclude each other: prune in place, or copy to a target")
    index = LibraryIndex(read_library_pairs(library_db), thresholds)
    result = classify_database(url, index, load_decisions(mappings_file))
    if prune:
        result.action = "prune"
        result.pruned = prune_releases(url, result.ids[Verdict.PRUNE])
    elif copy_to:
        result.action = "copy"
        keep = result.ids[Verdict.KEEP] + result.ids[Verdict.REVIEW]
        result.copied = copy_releases(url, copy_to, keep)
    return result


def prune_releases(url: str, release_ids: list[int]) -> int:
    deleted = 0
    with cache_database.connect(url) as conn:
        for start in range(0, len(release_ids), 50_000):
            chunk = release_ids[start : start + 50_000]
            deleted += conn.execute("DELETE FROM release WHERE id = ANY(%s)", (chunk,)).rowcount
    return deleted


def _columns(conn: psycopg.Connection[tuple[object, ...]], table: str) -> list[str]:
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return [str(row[0]) for row in rows]


def copy_releases(source_url: str, target_url: str, release_ids: list[int]) -> int:
    """Copies the given releases and their rows (and cache_metadata) into the target cache_database."""
    if cache_database.same_database(source_url, target_url):
        raise CacheError("--copy-to names the source database itself")
    cache_database.create_database_if_missing(target_url)
    cache_database.create_schema(target_url)
    tables = [table.name for table in TABLES] + ["cache_metadata"]
    with cache_database.connect(source_url) as source, cache_database.connect(target_url) as target:
        source_release_columns = _columns(source, RELEASE.name)
        if "master_id" not in source_release_columns and cache_database.has_master_id(target):
            target.execute("ALTER TABLE release DROP COLUMN master_id")
        target.execute("TRUNCATE release CASCADE")
        source.execute("CREATE TEMP TABLE copy_ids (id integer PRIMARY KEY) ON COMMIT DROP")
        with source.cursor().copy("COPY copy_ids (id) FROM STDIN") as copy:
            for release_id in release_ids:
                copy.write_row((release_id,))
        for table in tables:
            columns = _columns(source, table)
            key = "id" if table == RELEASE.name else "release_id"
            column_list = sql.SQL(", ").join(map(sql.Identifier, columns))
            out = sql.SQL(
                "COPY (SELECT {cols} FROM {table} t WHERE t.{key} IN (SELECT id FROM copy_ids))"
                " TO STDOUT (FORMAT binary)"
            ).format(
                cols=sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(c)) for c in columns),
                table=sql.Identifier(table),
                key=sql.Identifier(key),
            )
            into = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT binary)").format(
                sql.Identifier(table), column_list
            )
            with (
                source.cursor().copy(out) as reader,
                target.cursor().copy(into) as writer,
            ):
                for block in reader:
                    writer.write(block)
        copied = target.execute("SELECT count(*) FROM release").fetchone()
    cache_database.create_indexes(target_url)
    return int(copied[0]) if copied else 0
