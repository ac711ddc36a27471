"""The tableinator's configuration: every variable it reads, typed, in one place.

PostgreSQL and RabbitMQ come from the shared parts (discogsography.config), read from the
environment and a `.env` file; `db init` and `pipeline` use these settings too.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from discogsography.config.amqp_settings import AmqpSettings
from discogsography.config.postgres_settings import PostgresSettings
from discogsography.config.service_ports import TABLEINATOR_HEALTH_PORT
from discogsography.config.settings_base import load
from discogsography.runtime.redact import redact_url

__all__ = ["TableinatorSettings", "load_settings"]


class TableinatorSettings(AmqpSettings, PostgresSettings):
    services = ("tableinator", "pipeline")
    title = "Tableinator"
    application_name = "discogsography-tableinator"

    health_check_port: int = Field(
        default=TABLEINATOR_HEALTH_PORT,
        ge=0,
        le=65535,
        description="Port of `GET /health` (0: any free port).",
    )
    consumer_cancel_delay: float = Field(
        default=300,
        ge=0,
        description="Seconds after `file_complete` before a kind's consumer is cancelled (0: never).",
    )
    queue_check_interval: float = Field(
        default=3600, gt=0, description="Seconds between checks of idle queues for new messages."
    )
    postgres_batch_mode: bool = Field(default=True, description="false: one transaction per message.")
    postgres_batch_size: int = Field(
        default=100, ge=1, le=100_000, description="Records per batch (1000 for bulk loads)."
    )
    postgres_batch_flush_interval: float = Field(
        default=5.0, gt=0, description="Seconds a record waits for its batch at most."
    )

    @property
    def amqp_queue_prefix(self) -> str:
        """The spec's name for AMQP_PREFIX."""
        return self.amqp_prefix

    def describe(self) -> dict[str, Any]:
        """The settings for a log line: no secret in it."""
        return {
            "postgres": self.postgres_target(),
            "amqp": redact_url(self.amqp_url),
            "batch_mode": self.postgres_batch_mode,
            "batch_size": self.postgres_batch_size,
            "flush_interval": self.postgres_batch_flush_interval,
            "consumer_cancel_delay": self.consumer_cancel_delay,
            "queue_check_interval": self.queue_check_interval,
            "health_check_port": self.health_check_port,
            "queue_prefix": self.amqp_prefix,
            "log_level": self.log_level,
        }


def load_settings(**overrides: Any) -> TableinatorSettings:
    """Settings from the environment and .env (overrides win); a bad value is one SettingsError."""
    return load(TableinatorSettings, **overrides)
