from __future__ import annotations

from pathlib import Path

import pytest

from discogsography.config.extractor_settings import SettingsError, load_settings


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "AMQP_CONNECTION",
        "DISCOGS_ROOT",
        "PERIODIC_CHECK_DAYS",
        "HEALTH_CHECK_PORT",
        "DISCOGS_SOURCE",
    ):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.discogs_root == Path("/discogs-data")
    assert settings.periodic_check_days == 15
    assert settings.health_check_port == 8000
    assert settings.discogs_source == "https://data.discogs.com/"
    assert settings.force_reprocess is False


def test_environment_and_secret_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AMQP_CONNECTION", "amqp://user:hunter2@broker:5672/")
    monkeypatch.setenv("FORCE_REPROCESS", "true")
    monkeypatch.setenv("PERIODIC_CHECK_DAYS", "1.5")
    monkeypatch.setenv("RECORDS_PER_MESSAGE", "1")
    settings = load_settings()
    assert settings.force_reprocess is True
    assert settings.periodic_check_seconds == 1.5 * 86400
    assert settings.records_per_message == 1
    assert settings.amqp_connection.get_secret_value().endswith("hunter2@broker:5672/")
    assert "hunter2" not in repr(settings)
    assert "hunter2" not in str(settings.model_dump())


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PERIODIC_CHECK_DAYS", "soon"),
        ("PERIODIC_CHECK_DAYS", "0"),
        ("HEALTH_CHECK_PORT", "70000"),
        ("FORCE_REPROCESS", "maybe"),
        ("DISCOGS_SOURCE", "ftp://example.com/"),
        ("AMQP_CONNECTION", "http://user:hunter2@x/"),
        ("RECORDS_PER_MESSAGE", "0"),
    ],
)
def test_invalid_value_is_one_clear_error(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert name in message
    assert "\n" not in message
    assert "hunter2" not in message


def test_command_refuses_an_invalid_value_with_one_line(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "PERIODIC_CHECK_DAYS": "soon", "AMQP_CONNECTION": "amqp://u:hunter2@x/"}
    result = subprocess.run(
        [sys.executable, "-c", "from discogsography.cli import main; main()", "extractor", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: invalid configuration: PERIODIC_CHECK_DAYS: Input should be a valid number, "
        "unable to parse string as a number (got 'soon')"
    ]
    assert "hunter2" not in result.stderr + result.stdout
