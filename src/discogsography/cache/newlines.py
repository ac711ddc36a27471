"""Step 2, fix newlines: CR/LF inside CSV fields become a space, for CSVs made by other tools.

Our own converter already writes one-line fields (rows.one_line); this step makes CSVs from
elsewhere safe for line-oriented tools and identical in form to ours. Files are rewritten through a
temporary file and renamed, so an interrupted run leaves either the old or the new file.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from discogsography.cache.cache_rows import one_line
from discogsography.cache.csv_tables import TABLES, CacheCsv
from discogsography.cache.csvfiles import require_tables
from discogsography.runtime import atomic


@dataclass
class NewlineResult:
    files: int = 0
    rows: int = 0
    fields_fixed: int = 0

    def summary(self) -> str:
        return f"{self.fields_fixed:,} fields fixed in {self.rows:,} rows of {self.files} files"


def fix_file(source: Path, target: Path) -> tuple[int, int]:
    """Returns (rows, fields fixed). ``source`` and ``target`` may be the same path."""
    temporary = target.with_name(target.name + ".part")
    rows = fixed = 0
    with (
        source.open(encoding="utf-8", newline="") as inp,
        temporary.open("w", encoding="utf-8", newline="") as out,
    ):
        writer = csv.writer(out, CacheCsv)
        for row in csv.reader(inp, CacheCsv):
            clean = []
            for value in row:
                if "\n" in value or "\r" in value:
                    fixed += 1
                    value = one_line(value) or ""
                clean.append(value)
            writer.writerow(clean)
            rows += 1
    atomic.replace(temporary, target)
    return rows - 1, fixed  # header excluded


def fix_directory(source_dir: Path, target_dir: Path) -> NewlineResult:
    require_tables(source_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    result = NewlineResult()
    for table in TABLES:
        rows, fixed = fix_file(table.path_in(source_dir), table.path_in(target_dir))
        result.files += 1
        result.rows += rows
        result.fields_fixed += fixed
    return result
