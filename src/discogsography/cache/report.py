"""What verify decided, for a person: counts per class, REVIEW releases grouped by artist, and the
rows and bytes pruning deletes (or would delete). Pure formatting, plus the one size query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import psycopg
from psycopg import sql

# Every table holding rows of a release, and its release column.
RELEASE_TABLES = (
    ("release", "id"),
    ("release_artist", "release_id"),
    ("release_label", "release_id"),
    ("release_track", "release_id"),
    ("release_track_artist", "release_id"),
    ("cache_metadata", "release_id"),
)


@dataclass(frozen=True)
class ReviewEntry:
    artist: str
    release_id: int
    title: str
    score: float
    library_title: str | None


@dataclass(frozen=True)
class Footprint:
    table: str
    rows: int
    bytes: int


def human_bytes(count: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if abs(count) < 1024:
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} TB"


def prune_footprint(
    conn: psycopg.Connection[tuple[object, ...]], release_ids: Sequence[int]
) -> list[Footprint]:
    """Rows of these releases per table, and their share of the table's size on disk (an estimate:
    the table's total size, indexes and TOAST included, times the share of its rows).

    The ids go through a temporary table: a join stays fast for millions of ids, where
    ``= ANY(array)`` would compare every row with the whole array."""
    conn.execute("CREATE TEMP TABLE footprint_ids (id integer PRIMARY KEY) ON COMMIT DROP")
    with conn.cursor().copy("COPY footprint_ids (id) FROM STDIN") as copy:
        for release_id in release_ids:
            copy.write_row((release_id,))
    conn.execute("ANALYZE footprint_ids")
    out = []
    for table, column in RELEASE_TABLES:
        row = conn.execute(
            sql.SQL(
                "SELECT (SELECT count(*) FROM {table} WHERE {col} IN (SELECT id FROM footprint_ids)),"
                " (SELECT count(*) FROM {table}), pg_total_relation_size(%s)"
            ).format(col=sql.Identifier(column), table=sql.Identifier(table)),
            (table,),
        ).fetchone()
        if row is None:
            continue
        rows, total, size = (int(v) for v in row)  # type: ignore[call-overload]
        out.append(Footprint(table, rows, round(size * rows / total) if total else 0))
    conn.rollback()  # drops the temporary table; nothing else was written
    return out


def review_by_artist(entries: Sequence[ReviewEntry]) -> dict[str, list[ReviewEntry]]:
    groups: dict[str, list[ReviewEntry]] = {}
    for entry in sorted(entries, key=lambda e: (e.artist.casefold(), e.release_id)):
        groups.setdefault(entry.artist, []).append(entry)
    return groups


def format_report(
    counts: dict[str, int],
    decided: dict[str, int],
    review: Sequence[ReviewEntry],
    footprint: Sequence[Footprint],
    *,
    pruned: bool,
    review_limit: int = 50,
) -> str:
    lines = ["verify report:"]
    by_mapping = ""
    if any(decided.values()):
        by_mapping = (
            f" (by the mappings file: keep {decided.get('keep', 0):,}, prune {decided.get('prune', 0):,})"
        )
    lines.append("  " + ", ".join(f"{name} {count:,}" for name, count in counts.items()) + by_mapping)
    groups = review_by_artist(review)
    if groups:
        lines.append(f"  REVIEW by artist ({len(groups):,} artists; decide them in the mappings file):")
        for artist, entries in list(groups.items())[:review_limit]:
            shown = "; ".join(
                f"{e.release_id} {e.title!r} {e.score:.0f}"
                + (f" ~ {e.library_title!r}" if e.library_title else "")
                for e in entries[:5]
            )
            more = f"; ... {len(entries) - 5} more" if len(entries) > 5 else ""
            lines.append(f"    {artist} ({len(entries)}): {shown}{more}")
        if len(groups) > review_limit:
            lines.append(f"    ... {len(groups) - review_limit:,} more artists")
    verb = "pruning deleted" if pruned else "pruning would delete"
    total_rows = sum(f.rows for f in footprint)
    total_bytes = sum(f.bytes for f in footprint)
    parts = ", ".join(f"{f.table} {f.rows:,} ({human_bytes(f.bytes)})" for f in footprint)
    lines.append(f"  {verb} {total_rows:,} rows, about {human_bytes(total_bytes)}: {parts}")
    return "\n".join(lines)


def size_report(conn: psycopg.Connection[tuple[object, ...]]) -> str:
    """The cache's size at the end of a build: the database, and rows and bytes per table."""
    db_size = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    parts = []
    for table, _ in RELEASE_TABLES:
        row = conn.execute(
            sql.SQL("SELECT count(*), pg_total_relation_size(%s) FROM {}").format(sql.Identifier(table)),
            (table,),
        ).fetchone()
        if row:
            parts.append(f"{table} {int(row[0]):,} rows {human_bytes(int(row[1]))}")  # type: ignore[call-overload]
    total = human_bytes(int(db_size[0])) if db_size else "?"  # type: ignore[call-overload]
    return f"cache size: {total} in all; " + ", ".join(parts)
