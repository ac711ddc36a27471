"""Configuration from the environment: defaults, parsing, clear refusals, no leaked secrets."""

from __future__ import annotations

import pytest

from discogsography.config.settings_base import SettingsError
from discogsography.config.tableinator_settings import load_settings
from discogsography.tableinator.batching import (
    MAX_PREFETCH,
    prefetch_for,
    seconds_until_flush,
    should_flush,
)

ENV_NAMES = (
    "POSTGRES_ADDRESS",
    "POSTGRES_USERNAME",
    "POSTGRES_PASSWORD",
    "POSTGRES_DATABASE",
    "AMQP_CONNECTION",
    "HEALTH_CHECK_PORT",
    "CONSUMER_CANCEL_DELAY",
    "QUEUE_CHECK_INTERVAL",
    "POSTGRES_BATCH_MODE",
    "POSTGRES_BATCH_SIZE",
    "POSTGRES_BATCH_FLUSH_INTERVAL",
    "AMQP_QUEUE_PREFIX",
    "AMQP_PREFIX",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


def test_defaults_follow_the_specification() -> None:
    settings = load_settings()
    assert settings.health_check_port == 8002
    assert settings.consumer_cancel_delay == 300
    assert settings.queue_check_interval == 3600
    assert settings.postgres_batch_mode is True
    assert settings.postgres_batch_size == 100
    assert settings.postgres_batch_flush_interval == 5.0
    assert settings.amqp_queue_prefix == ""


def test_values_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTGRES_ADDRESS", "db.example:6543")
    monkeypatch.setenv("POSTGRES_USERNAME", "me")
    monkeypatch.setenv("POSTGRES_PASSWORD", "s3cret")
    monkeypatch.setenv("POSTGRES_DATABASE", "discogs")
    monkeypatch.setenv("AMQP_CONNECTION", "amqp://u:hunter2@mq:5672/")
    monkeypatch.setenv("POSTGRES_BATCH_MODE", "false")
    monkeypatch.setenv("POSTGRES_BATCH_SIZE", "500")
    monkeypatch.setenv("POSTGRES_BATCH_FLUSH_INTERVAL", "10.0")
    monkeypatch.setenv("AMQP_PREFIX", "test-")
    settings = load_settings()
    assert (settings.postgres_host, settings.postgres_port) == ("db.example", 6543)
    assert settings.postgres_batch_mode is False and settings.postgres_batch_size == 500
    assert settings.postgres_batch_flush_interval == 10.0
    assert settings.amqp_queue_prefix == "test-"
    conninfo = settings.postgres_conninfo()
    assert "password=s3cret" in conninfo and "dbname=discogs" in conninfo
    described = repr(settings.describe()) + repr(settings)
    assert "s3cret" not in described and "hunter2" not in described


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("POSTGRES_BATCH_SIZE", "0"),
        ("POSTGRES_BATCH_SIZE", "many"),
        ("POSTGRES_BATCH_FLUSH_INTERVAL", "-1"),
        ("POSTGRES_BATCH_MODE", "perhaps"),
        ("HEALTH_CHECK_PORT", "70000"),
        ("QUEUE_CHECK_INTERVAL", "0"),
        ("CONSUMER_CANCEL_DELAY", "-5"),
        ("POSTGRES_ADDRESS", "no-port"),
        ("AMQP_CONNECTION", "http://not-amqp"),
    ],
)
def test_invalid_values_are_refused_with_the_variable_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as refused:
        load_settings()
    message = str(refused.value)
    assert name in message and "\n" not in message


def test_a_refused_secret_is_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AMQP_CONNECTION", "http://user:hunter2@mq/")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert "hunter2" not in str(refused.value)


def test_prefetch_is_sized_in_messages_from_the_batch() -> None:
    assert prefetch_for(100, 1) == 200
    assert prefetch_for(1000, 100) == 20
    assert prefetch_for(100, 10_000) == 2
    assert prefetch_for(100_000, 1) == MAX_PREFETCH


def test_flush_triggers() -> None:
    assert should_flush(100, 100, True) and not should_flush(99, 100, True)
    assert should_flush(1, 100, False) and not should_flush(0, 100, False)
    assert seconds_until_flush(None, 5.0, 10.0) is None
    assert seconds_until_flush(10.0, 5.0, 12.0) == 3.0
    assert seconds_until_flush(10.0, 5.0, 20.0) == 0.0
