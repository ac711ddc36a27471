"""The whole `discogsography cache build` as a subprocess, on the real samples."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from tests.cache.cache_testdata import SAMPLE_2020, SAMPLE_2025, make_library_db

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

STEP_NAMES = ("create_schema", "import", "create_indexes", "dedup", "verify", "vacuum")


# The installed console script, as a user runs it (falls back to the same entry point via python).
SCRIPT = Path(sys.executable).with_name("discogsography")
ENTRY = (
    [str(SCRIPT)]
    if SCRIPT.exists()
    else [sys.executable, "-c", "from discogsography.cli import main; main()"]
)


def run(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    command = [*ENTRY, "cache", *map(str, args)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def state(path: Path) -> dict[str, dict[str, object]]:
    steps: dict[str, dict[str, object]] = json.loads(path.read_text())["steps"]
    return steps


def test_build_from_xml_then_copy_to_and_search(pg_factory: object, library_db: Path, tmp_path: Path) -> None:
    source = pg_factory()  # type: ignore[operator]
    target = pg_factory.fresh_name()  # type: ignore[attr-defined]
    state_file = tmp_path / "state.json"
    labels = tmp_path / "library_labels.csv"
    labels.write_text(
        'artist_name,release_title,label_name\n"Persuader, The",Stockholm,Svek\n', encoding="utf-8"
    )
    mappings = tmp_path / "artist_mappings.json"
    mappings.write_text('{"keep": {}, "prune": {}}', encoding="utf-8")
    result = run(
        "build",
        "--xml",
        SAMPLE_2020,
        "--library-db",
        library_db,
        "--library-labels",
        labels,
        "--mappings-file",
        mappings,
        "--database-url",
        source,
        "--copy-to",
        target,
        "--work-dir",
        tmp_path / "work",
        "--state-file",
        state_file,
    )
    for step in ("enrich", "convert", *STEP_NAMES):
        assert f"✅ {step} done in " in result.stderr, result.stderr
    assert "releases matched the library" in result.stderr
    assert "1 on the library's label (preferred)" in result.stderr
    assert "verify report:\n  KEEP " in result.stderr and "pruning would delete" in result.stderr
    assert "📦 cache size: " in result.stderr
    assert "cache build finished in" in result.stderr
    steps = state(state_file)
    assert {name for name, entry in steps.items() if entry["status"] == "completed"} == {
        "enrich",
        "convert",
        *STEP_NAMES,
    }
    with psycopg.connect(target) as conn:
        ids = {row[0] for row in conn.execute("SELECT id FROM release")}
    assert {1, 46, 1586364} <= ids  # Persuader, Håkan Lidbo, Banlieue Rouge: library albums
    with psycopg.connect(source) as conn:
        source_count = conn.execute("SELECT count(*) FROM release").fetchone()
    assert source_count is not None and source_count[0] > len(ids)  # the source stays whole

    found = run(
        "search", "--artist", "banlieu rouje", "--title", "sous un ciel ecarlatte", "--database-url", target
    )
    assert found.stdout.splitlines()[0].split()[1] == "1586364"
    as_json = run("search", "--track", "ostermalm", "--json", "--database-url", target)
    first = json.loads(as_json.stdout.splitlines()[0])
    assert first["release_id"] == 1 and first["track_title"] == "Östermalm"


def test_build_from_the_2025_sample_with_an_artist_list_and_prune(pg_factory: object, tmp_path: Path) -> None:
    pg_url = pg_factory.fresh_name()  # type: ignore[attr-defined]  # not created: build creates it
    artists = tmp_path / "library_artists.txt"
    artists.write_text("GusGus\n", encoding="utf-8")
    result = run(
        "build",
        "--xml",
        SAMPLE_2025,
        "--library-artists",
        artists,
        "--database-url",
        pg_url,
        "--work-dir",
        tmp_path / "work",
        "--state-file",
        tmp_path / "state.json",
    )
    assert "verify: no --library-db" in result.stderr
    assert "✅ create_schema done in" in result.stderr and "database created" in result.stderr
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "SELECT DISTINCT a.artist_name FROM release r JOIN release_artist a ON a.release_id = r.id"
            " WHERE a.extra = 0"
        ).fetchall()
    assert rows == [("GusGus",)]


def test_csv_mode_records_a_failure_and_resumes(pg_url: str, library_db: Path, tmp_path: Path) -> None:
    csv_dir = tmp_path / "csv"
    run("convert", SAMPLE_2020, csv_dir)
    # A track credit without a name: the import's NOT NULL refuses it.
    with (csv_dir / "release_track_artist.csv").open("a", encoding="utf-8") as handle:
        handle.write("1,999,\n")
    work, state_file = tmp_path / "work", tmp_path / "state.json"
    args = (
        "build",
        "--csv-dir",
        csv_dir,
        "--library-db",
        library_db,
        "--database-url",
        pg_url,
        "--work-dir",
        work,
        "--state-file",
        state_file,
        "--prune",
    )
    failed = run(*args, check=False)
    assert failed.returncode == 1
    assert failed.stderr.strip().splitlines()[-1].startswith("error: import: ")
    assert "Traceback" not in failed.stderr
    steps = state(state_file)
    assert steps["import"]["status"] == "failed"
    assert "not-null" in str(steps["import"]["error"])
    assert {n for n, e in steps.items() if e["status"] == "completed"} == {
        "fix_newlines",
        "enrich",
        "filter",
        "create_schema",
    }
    # The operator repairs the filtered CSV and resumes: finished steps are skipped.
    broken = work / "filtered" / "release_track_artist.csv"
    broken.write_text(broken.read_text(encoding="utf-8").replace("1,999,\n", ""), encoding="utf-8")
    resumed = run(*args, "--resume")
    for step in ("fix_newlines", "enrich", "filter", "create_schema"):
        assert f"⏭️  {step}: already completed" in resumed.stderr
    assert "✅ import done" in resumed.stderr and "✅ vacuum done" in resumed.stderr
    assert all(entry["status"] == "completed" for entry in state(state_file).values())

    # Without a state file, resume reads the database: schema, rows, indexes and dedup are done.
    state_file.unlink()
    inferred = run(*args, "--resume")
    assert "the database shows done: create_indexes, create_schema, dedup, import" in inferred.stderr
    for step in ("import", "create_indexes", "dedup"):
        assert f"⏭️  {step}: already completed" in inferred.stderr
    assert "✅ verify done" in inferred.stderr

    # verify counts as done only for the action it ran: a dry run after the prune runs again
    dry = run(*[a for a in args if a != "--prune"], "--resume")
    assert "(dry run)" in dry.stderr and "✅ vacuum done" in dry.stderr
    assert "⏭️  dedup: already completed" in dry.stderr
    assert state(state_file)["verify"]["variant"] == "dry run"


def test_option_errors_are_one_clear_line(tmp_path: Path, library_db: Path) -> None:
    refused = run(
        "build",
        "--xml",
        SAMPLE_2025,
        "--resume",
        "--database-url",
        "postgresql://nowhere/x",
        "--state-file",
        tmp_path / "s.json",
        check=False,
    )
    assert refused.returncode == 1
    assert "--resume works with --csv-dir only" in refused.stderr
    both = run("verify", library_db, "--prune", "--copy-to", "postgresql://x/y", check=False)
    assert both.returncode == 1
    assert "--prune and --copy-to exclude each other" in both.stderr
    no_library = run(
        "build", "--xml", SAMPLE_2025, "--prune", "--state-file", tmp_path / "s.json", check=False
    )
    assert no_library.returncode == 1 and "give it too" in no_library.stderr
    neither = run("build", "--state-file", tmp_path / "s.json", check=False)
    assert neither.returncode == 1 and "exactly one of --xml" in neither.stderr


@pytest.mark.mysql
def test_csv_build_enriched_from_the_catalog(
    pg_url: str, tmp_path: Path, mysql_catalog: Callable[[list[str]], str]
) -> None:
    csv_dir = tmp_path / "csv"
    run("convert", SAMPLE_2020, csv_dir)
    library = make_library_db(tmp_path / "library.db", [("John Tejada", "Significant Numbers")])
    # In the catalog, Håkan Lidbo is cross-referenced with John Tejada (made up for the test)
    catalog = mysql_catalog(
        [
            "INSERT INTO LIBRARY_CODE VALUES (1, 'John Tejada'), (2, 'Håkan Lidbo')",
            "INSERT INTO LIBRARY_CODE_CROSS_REFERENCE (CROSS_REFERENCING_ARTIST_ID,"
            " CROSS_REFERENCED_LIBRARY_CODE_ID) VALUES (1, 2)",
            "INSERT INTO LIBRARY_RELEASE VALUES (1, 1, 'Significant Numbers', NULL)",
            "INSERT INTO FLOWSHEET_ENTRY_PROD (LIBRARY_RELEASE_ID, LABEL_NAME) VALUES (1, '7th City')",
        ]
    )
    args = ("build", "--csv-dir", csv_dir, "--library-db", library, "--database-url", pg_url,
            "--work-dir", tmp_path / "work", "--state-file", tmp_path / "state.json")  # fmt: skip
    result = run(*args, "--wxyc-db-url", catalog)
    assert "1 from artist cross-references" in result.stderr
    # the catalog also gives dedup the library's labels, kept in the work dir
    assert "1 on the library's label (preferred)" in result.stderr
    labels = (tmp_path / "work" / "library_labels.csv").read_text(encoding="utf-8")
    assert labels == "artist_name,release_title,label_name\nJohn Tejada,Significant Numbers,7th City\n"
    with psycopg.connect(pg_url) as conn:
        artists = {r[0] for r in conn.execute("SELECT artist_name FROM release_artist WHERE extra = 0")}
    assert {"John Tejada", "Håkan Lidbo"} <= artists
    # Without the catalog, only John Tejada's releases pass the filter
    plain = run(*args)
    assert "from artist cross-references" not in plain.stderr
    with psycopg.connect(pg_url) as conn:
        artists = {r[0] for r in conn.execute("SELECT artist_name FROM release_artist WHERE extra = 0")}
    assert "Håkan Lidbo" not in artists and "John Tejada" in artists
