"""One configuration story: environment over `.env` over defaults, for every service alike."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from psycopg.conninfo import conninfo_to_dict

from discogsography.config import reference
from discogsography.config.cache_settings import load_cache_settings
from discogsography.config.extractor_settings import load_settings as load_extractor
from discogsography.config.settings_base import SettingsError
from discogsography.config.tableinator_settings import load_settings as load_tableinator

LOADERS = (load_extractor, load_tableinator, load_cache_settings)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No variable of ours from the test run's environment, and a working directory without .env."""
    for variable in reference.collect():
        for name in variable.names:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_dotenv_in_the_working_directory_is_read_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text(
        "# a comment\nPOSTGRES_BATCH_SIZE=500\nAMQP_PREFIX=from-file-\nRECORDS_PER_MESSAGE=7\n"
        "LOG_LEVEL=debug\nWXYC_DB_URL=mysql://catalog/wxyc\nSOMETHING_ELSE=ignored\n"
    )
    monkeypatch.setenv("AMQP_PREFIX", "from-env-")
    tableinator = load_tableinator()
    assert tableinator.postgres_batch_size == 500
    assert tableinator.amqp_queue_prefix == "from-env-"
    extractor = load_extractor()
    assert (extractor.records_per_message, extractor.amqp_prefix) == (7, "from-env-")
    cache = load_cache_settings()
    assert cache.wxyc_db_url == "mysql://catalog/wxyc"
    assert {load().log_level for load in LOADERS} == {"DEBUG"}


def test_an_invalid_value_in_dotenv_is_one_line_naming_the_variable(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("PERIODIC_CHECK_DAYS=soon\n")
    with pytest.raises(SettingsError) as refused:
        load_extractor()
    assert str(refused.value).startswith("invalid configuration: PERIODIC_CHECK_DAYS: ")
    assert "\n" not in str(refused.value)


def test_postgres_as_one_dsn_for_the_tableinator_and_the_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://me:s3cret@db.example:6543/music")
    monkeypatch.setenv("POSTGRES_ADDRESS", "ignored:1")  # the DSN wins over POSTGRES_*
    for settings in (load_tableinator(), load_cache_settings()):
        parts = conninfo_to_dict(settings.postgres_conninfo())
        assert (parts["host"], parts["port"], parts["dbname"], parts["user"], parts["password"]) == (
            "db.example",
            "6543",
            "music",
            "me",
            "s3cret",
        )
        assert settings.postgres_target() == "me@db.example:6543/music"
        assert settings.postgres_dbname == "music"
        assert conninfo_to_dict(settings.postgres_conninfo("postgres"))["dbname"] == "postgres"
        assert "s3cret" not in repr(settings)
    assert "s3cret" not in repr(load_tableinator().describe())


def test_postgres_by_the_spec_variables_for_the_cache_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTGRES_ADDRESS", "db.example:6543")
    monkeypatch.setenv("POSTGRES_USERNAME", "me")
    monkeypatch.setenv("POSTGRES_DATABASE", "cache")
    parts = conninfo_to_dict(load_cache_settings().database)
    assert (parts["host"], parts["port"], parts["user"], parts["dbname"]) == (
        "db.example",
        "6543",
        "me",
        "cache",
    )
    assert parts["application_name"] == "discogsography-cache"


def test_a_bad_dsn_is_refused_without_echoing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "host=db password=hunter2 nonsense")
    for load in (load_tableinator, load_cache_settings):
        with pytest.raises(SettingsError) as refused:
            load()
        assert str(refused.value).startswith("invalid configuration: DATABASE_URL: ")
        assert "hunter2" not in str(refused.value)


def test_the_spec_queue_prefix_name_works_in_both_services(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AMQP_QUEUE_PREFIX", "spec-")
    assert load_tableinator().amqp_queue_prefix == "spec-"
    assert load_extractor().amqp_prefix == "spec-"
    monkeypatch.setenv("AMQP_PREFIX", "short-")  # both set: AMQP_PREFIX wins, as documented
    assert load_tableinator().amqp_queue_prefix == load_extractor().amqp_prefix == "short-"


@pytest.mark.parametrize("load", LOADERS)
def test_log_level_is_read_and_checked_by_every_service(
    monkeypatch: pytest.MonkeyPatch, load: object
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "warning")
    assert load().log_level == "WARNING"  # type: ignore[operator]
    monkeypatch.setenv("LOG_LEVEL", "loud")
    with pytest.raises(SettingsError, match=r"^invalid configuration: LOG_LEVEL: .*\(got 'loud'\)$"):
        load()  # type: ignore[operator]


def _command(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "discogsography", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


SAMPLE = str(next((Path(__file__).parents[2] / "samples" / "discogs_20200806").glob("*_labels.xml.gz")))


@pytest.mark.parametrize(
    "args",
    [
        ("tableinator",),
        ("db", "init"),
        ("cache", "search", "--artist", "x"),
        ("extractor", "--once"),
        ("parse", SAMPLE, "-o", os.devnull),
        ("load", SAMPLE),
        ("export", SAMPLE, "-f", "jsonl", "-o", tempfile.gettempdir()),
    ],
)
def test_every_command_refuses_a_bad_log_level_with_one_line(args: tuple[str, ...]) -> None:
    result = _command(*args, LOG_LEVEL="loud")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: invalid configuration: LOG_LEVEL: Value error, "
        "must be DEBUG, INFO, WARNING, ERROR or CRITICAL (got 'loud')"
    ]


def test_no_settings_are_read_at_import_time() -> None:
    modules = "discogsography.cache.cache_command, discogsography.tableinator.tableinator_command, discogsography.extractor.extractor_command"
    result = subprocess.run(
        [sys.executable, "-c", f"import {modules}"],
        env={**os.environ, "LOG_LEVEL": "loud", "DATABASE_URL": "not a dsn", "HEALTH_CHECK_PORT": "x"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
