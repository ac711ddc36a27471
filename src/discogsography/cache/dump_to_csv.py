"""Step 1, convert: a releases dump (XML, .gz or not) streamed into the table CSVs.

With a matcher, only releases whose main artists (or their joined credit line, "Simon & Garfunkel")
are library artists are written: filtering while streaming means a 60 GB dump never lands on disk
whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from discogsography.cache.cache_errors import CacheError
from discogsography.cache.cache_rows import credit_line, main_artist_names, release_rows
from discogsography.cache.csvfiles import table_writers
from discogsography.cache.matching import ArtistMatcher
from discogsography.errors import RecordError
from discogsography.kinds import Kind
from discogsography.parsing import DumpParser
from discogsography.parsing.skip_guard import DEFAULT_MAX_SKIPPED_SHARE
from discogsography.runtime.logs import get_logger
from discogsography.runtime.progress_bars import byte_progress

log = get_logger(__name__)


@dataclass
class ConvertResult:
    releases_seen: int = 0
    releases_written: int = 0
    skipped_records: int = 0
    rows: dict[str, int] = field(default_factory=dict)

    filtered: bool = False

    def summary(self) -> str:
        what = "matched the library" if self.filtered else "written"
        text = f"{self.releases_written:,}/{self.releases_seen:,} releases {what}"
        if self.skipped_records:
            text += f", {self.skipped_records:,} malformed records skipped"
        return text


def convert_dump(
    xml_path: Path,
    out_dir: Path,
    matcher: ArtistMatcher | None = None,
    *,
    workers: int = 1,
    progress: bool = False,
    max_skipped_share: float = DEFAULT_MAX_SKIPPED_SHARE,
) -> ConvertResult:
    def report_failure(error: RecordError) -> None:
        log.warning("⚠️ Skipped malformed record", file=str(xml_path), error=str(error))

    # Past the share (0.1 % by default) the step fails after the last record, like parse.
    parser = DumpParser(
        xml_path, workers=workers, max_skipped_share=max_skipped_share, on_failure=report_failure
    )
    if parser.kind is not Kind.RELEASES:
        raise CacheError(f"{xml_path}: a {parser.kind} dump; the cache is built from a releases dump")
    result = ConvertResult(filtered=matcher is not None)
    with (
        table_writers(out_dir) as writers,
        byte_progress(progress, parser.source.compressed_size, f"converting {xml_path.name}") as advance,
    ):
        # The converter's dicts as they are: no JSON line is written, hashed and decoded again.
        for data in parser.dicts():
            result.releases_seen += 1
            if result.releases_seen % 5000 == 0:  # every release read, matching or not
                advance(parser.source.compressed_position())
            # decide before building rows: most releases of a full dump are not the library's
            if matcher is not None and not (
                matcher.matches_any(main_artist_names(data)) or matcher.matches_any([credit_line(data)])
            ):
                continue
            writers.write_release(release_rows(data))
            result.releases_written += 1
        advance(parser.source.compressed_position())
    result.skipped_records = parser.stats.skipped
    result.rows = dict(writers.counts)
    return result
