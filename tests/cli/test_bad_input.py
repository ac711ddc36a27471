"""A user's mistake in any command's paths or options: one line on stderr, exit status 1, no traceback,
and nothing contacted first.

Each command runs as a user runs it (a subprocess), with PostgreSQL, RabbitMQ and the MySQL catalog
pointed at a port where nobody listens: a command that went to a server before checking what it
was given would end with a line about that server (refused), not about the mistake.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLES_2020

NOBODY = "127.0.0.1:1"  # a port nobody listens on
RELEASES = SAMPLES_2020 / "discogs_20200806_releases.xml.gz"
MISSING = "/nonexistent/discogsography-input"
UNWRITABLE = "/proc/nope"  # not even root can create anything under /proc

# (arguments, a fragment of the one line: the mistake it names); {tmp} is a fresh directory.
MISSING_PATHS = {
    "parse": (["parse", MISSING], f"'{MISSING}' does not exist"),
    "load": (["load", MISSING], f"'{MISSING}' does not exist"),
    "export": (["export", MISSING, "-o", "{tmp}/out"], f"'{MISSING}' does not exist"),
    "cache build": (["cache", "build", "--xml", MISSING], f"'{MISSING}' does not exist"),
    "cache convert": (["cache", "convert", MISSING, "{tmp}/out"], f"'{MISSING}' does not exist"),
    "cache fix-newlines": (["cache", "fix-newlines", MISSING, "{tmp}/out"], f"'{MISSING}' does not exist"),
    "cache enrich": (["cache", "enrich", MISSING, "{tmp}/artists.txt"], f"'{MISSING}' does not exist"),
    "cache filter": (["cache", "filter", MISSING, "{tmp}", "{tmp}/out"], f"'{MISSING}' does not exist"),
    "cache import": (["cache", "import", MISSING], f"'{MISSING}' does not exist"),
    "cache verify": (["cache", "verify", MISSING], f"'{MISSING}' does not exist"),
    "cache dedup": (["cache", "dedup", "--library-labels", MISSING], f"'{MISSING}' does not exist"),
    "pipeline": (["pipeline", "DISCOGS_SOURCE=file://" + MISSING], f"DISCOGS_SOURCE file://{MISSING}"),
    "extractor": (
        ["extractor", "--once", "DISCOGS_SOURCE=file://" + MISSING],
        f"DISCOGS_SOURCE file://{MISSING}",
    ),
}

UNWRITABLE_OUTPUTS = {
    "parse": (
        ["parse", str(RELEASES), "-o", f"{UNWRITABLE}/out.jsonl"],
        f"cannot write {UNWRITABLE}/out.jsonl",
    ),
    "export": (
        ["export", str(RELEASES), "-f", "parquet", "-o", UNWRITABLE],
        f"cannot write into {UNWRITABLE}",
    ),
    "cache build": (
        ["cache", "build", "--xml", str(RELEASES), "--work-dir", UNWRITABLE],
        f"cannot write into {UNWRITABLE}",
    ),
    "cache build --state-file": (
        ["cache", "build", "--xml", str(RELEASES), "--state-file", f"{UNWRITABLE}/state.json"],
        f"cannot write {UNWRITABLE}/state.json",
    ),
    "cache convert": (["cache", "convert", str(RELEASES), UNWRITABLE], f"cannot write into {UNWRITABLE}"),
    "cache fix-newlines": (["cache", "fix-newlines", "{tmp}", UNWRITABLE], f"cannot write into {UNWRITABLE}"),
    "cache enrich": (
        ["cache", "enrich", str(RELEASES), f"{UNWRITABLE}/artists.txt"],
        f"cannot write {UNWRITABLE}/artists.txt",
    ),
    "cache filter": (
        ["cache", "filter", str(RELEASES), "{tmp}", UNWRITABLE],
        f"cannot write into {UNWRITABLE}",
    ),
    "cache library-labels": (
        ["cache", "library-labels", f"{UNWRITABLE}/labels.csv"],
        f"cannot write {UNWRITABLE}/labels.csv",
    ),
    "pipeline": (
        ["pipeline", f"DISCOGS_ROOT={UNWRITABLE}"],
        f"DISCOGS_ROOT {UNWRITABLE}: cannot write there",
    ),
    "extractor": (
        ["extractor", "--once", f"DISCOGS_ROOT={UNWRITABLE}"],
        f"DISCOGS_ROOT {UNWRITABLE}: cannot write",
    ),
}

BAD_OPTIONS = {
    "parse --workers": (
        ["parse", str(RELEASES), "--workers", "0"],
        "'--workers' / '-w': 0 is not in the range",
    ),
    "load --workers": (
        ["load", str(RELEASES), "--workers", "0"],
        "'--workers' / '-w': 0 is not in the range",
    ),
    "load without paths": (["load"], "give dump files or directories, or --from-source"),
    "export --format": (["export", str(RELEASES), "-f", "nope", "-o", "{tmp}/out"], "'nope' is not one of"),
    "cache build --workers": (
        ["cache", "build", "--xml", str(RELEASES), "--workers", "0"],
        "0 is not in the range",
    ),
    "cache build --prune --copy-to": (
        ["cache", "build", "--xml", str(RELEASES), "--prune", "--copy-to", "postgresql://x/y"],
        "--prune and --copy-to exclude each other",
    ),
    "cache convert --workers": (
        ["cache", "convert", str(RELEASES), "{tmp}/out", "-w", "0"],
        "0 is not in the range",
    ),
    "cache verify --keep-threshold": (
        ["cache", "verify", str(RELEASES), "--keep-threshold", "101"],
        "101.0 is not in the range",
    ),
    "cache search --limit": (["cache", "search", "--artist", "x", "--limit", "0"], "0 is not in the range"),
    "cache search without a query": (["cache", "search"], "give --artist, --title or --track"),
    "cache vacuum --log-level": (["cache", "vacuum", "--log-level", "nope"], "'nope' is not one of"),
    "dashboard --port": (["dashboard", "--port", "99999"], "99999 is not in the range"),
    "pipeline --timeout": (["pipeline", "--timeout", "0"], "0.0 is not in the range"),
    "extractor --log-level": (["extractor", "--log-level", "nope"], "'nope' is not one of"),
    "tableinator --log-level": (["tableinator", "--log-level", "nope"], "'nope' is not one of"),
    "db init --log-level": (["db", "init", "--log-level", "nope"], "'nope' is not one of"),
    "samples --log-level": (["samples", "--log-level", "nope"], "'nope' is not one of"),
    "serve --port": (["serve", "--port", "70000"], "70000 is not in the range"),
    "serve --processes": (["serve", "--processes", "0"], "0 is not in the range"),
    "serve --log-level": (["serve", "--log-level", "nope"], "'nope' is not one of"),
    "serve API_PORT": (["serve", "API_PORT=-1"], "API_PORT"),
    "serve API_PUBLIC_URL": (["serve", "API_PUBLIC_URL=ftp://x"], "API_PUBLIC_URL"),
    "completion": (["completion", "tcsh"], "'tcsh' is not one of"),
    "an unknown command": (["nope"], "No such command 'nope'"),
    "an unknown option": (["parse", str(RELEASES), "--nope"], "No such option '--nope'"),
}


def cases(table: dict[str, tuple[list[str], str]]) -> list[object]:
    return [pytest.param(args, fragment, id=name) for name, (args, fragment) in table.items()]


def run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """``args`` may end with NAME=VALUE settings for the run."""
    settings = dict(arg.split("=", 1) for arg in args if "=" in arg and arg.split("=", 1)[0].isupper())
    argv = [arg.replace("{tmp}", str(tmp_path)) for arg in args if arg.split("=", 1)[0] not in settings]
    env = {
        **{key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "LOG_LEVEL"}},
        "POSTGRES_ADDRESS": NOBODY,
        "AMQP_CONNECTION": f"amqp://guest:guest@{NOBODY}/",
        "WXYC_DB_URL": f"mysql://root@{NOBODY}/catalog",
        "DISCOGS_SOURCE": SAMPLES_2020.as_uri(),
        "DISCOGS_ROOT": str(tmp_path / "root"),
        **settings,
    }
    return subprocess.run(
        [sys.executable, "-m", "discogsography", *argv],
        env=env,
        cwd=tmp_path,  # no .env of the repository
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_one_line_about(result: subprocess.CompletedProcess[str], fragment: str) -> None:
    lines = result.stderr.splitlines()
    assert result.returncode == 1, result.stderr
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert fragment in lines[0]
    # Nothing was contacted: no server's refusal is what the command reports.
    assert "refused" not in lines[0].lower()
    assert NOBODY not in lines[0]


@pytest.mark.parametrize(("args", "fragment"), cases(MISSING_PATHS))
def test_a_missing_input_path_is_one_line_and_exit_1(args: list[str], fragment: str, tmp_path: Path) -> None:
    assert_one_line_about(run(args, tmp_path), fragment)


@pytest.mark.parametrize(("args", "fragment"), cases(UNWRITABLE_OUTPUTS))
def test_an_output_that_cannot_be_written_is_one_line_and_exit_1(
    args: list[str], fragment: str, tmp_path: Path
) -> None:
    result = run(args, tmp_path)
    assert_one_line_about(result, fragment)
    assert not Path(UNWRITABLE).exists()


@pytest.mark.parametrize(("args", "fragment"), cases(BAD_OPTIONS))
def test_a_bad_option_value_is_one_line_and_exit_1(args: list[str], fragment: str, tmp_path: Path) -> None:
    assert_one_line_about(run(args, tmp_path), fragment)


def test_the_hidden_earlier_name_of_database_url_still_works(tmp_path: Path) -> None:
    # load's --dsn, kept for scripts that use it: the same as --database-url (here: refused).
    result = run(["load", str(RELEASES), "--dsn", f"postgresql://postgres@{NOBODY}/x"], tmp_path)
    assert result.returncode == 1
    assert "PostgreSQL at" in result.stderr
    assert "--dsn" not in run(["load", "--help"], tmp_path).stdout


@pytest.mark.parametrize(
    "settings",
    [[], [f"DATABASE_URL=postgresql://postgres:pw-not-shown@{NOBODY}/x"]],
    ids=["POSTGRES_ADDRESS", "DATABASE_URL with a password"],
)
def test_serve_pointed_at_a_dead_port_is_one_line_and_exit_1(settings: list[str], tmp_path: Path) -> None:
    result = run(["serve", "--port", "0", *settings], tmp_path)
    lines = result.stderr.splitlines()
    assert result.returncode == 1, result.stderr
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "PostgreSQL at " in lines[0] and f"@{NOBODY}/" in lines[0]
    assert "pw-not-shown" not in result.stderr
