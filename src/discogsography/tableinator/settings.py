"""The tableinator's configuration: every environment variable it reads, typed, in one place."""

from __future__ import annotations

from typing import Any

from psycopg.conninfo import make_conninfo
from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from discogsography.errors import DiscogsographyError
from discogsography.redact import redact_url


class ConfigError(DiscogsographyError):
    """An environment variable with a value the service cannot use."""


class TableinatorSettings(BaseSettings):
    model_config = SettingsConfigDict(
        case_sensitive=False, extra="ignore", frozen=True, populate_by_name=True
    )

    postgres_address: str = Field("localhost:5432", description="host:port of PostgreSQL")
    postgres_username: str = "discogsography"
    postgres_password: SecretStr = SecretStr("")
    postgres_database: str = "discogsography"
    amqp_connection: SecretStr = SecretStr("amqp://guest:guest@localhost:5672/")
    health_check_port: int = Field(8002, ge=0, le=65535)
    consumer_cancel_delay: float = Field(300, ge=0)
    queue_check_interval: float = Field(3600, gt=0)
    postgres_batch_mode: bool = True
    postgres_batch_size: int = Field(100, ge=1, le=100_000)
    postgres_batch_flush_interval: float = Field(5.0, gt=0)
    # Put in front of every exchange and queue name (tests and benchmarks use one per run);
    # AMQP_PREFIX, the extractor's name for it, is accepted too.
    amqp_queue_prefix: str = Field("", validation_alias=AliasChoices("amqp_queue_prefix", "amqp_prefix"))

    @field_validator("postgres_address")
    @classmethod
    def _host_and_port(cls, value: str) -> str:
        host, _, port = value.strip().rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"expected host:port, got {value!r}")
        return value.strip()

    @field_validator("amqp_connection")
    @classmethod
    def _amqp_url(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith(("amqp://", "amqps://")):
            raise ValueError("expected an amqp:// or amqps:// URL")
        return value

    @property
    def postgres_host(self) -> str:
        return self.postgres_address.rpartition(":")[0].strip("[]")

    @property
    def postgres_port(self) -> int:
        return int(self.postgres_address.rpartition(":")[2])

    def postgres_conninfo(self, database: str | None = None) -> str:
        """libpq connection string (holds the password: never log it; log ``describe()``)."""
        options: dict[str, Any] = {
            "host": self.postgres_host,
            "port": self.postgres_port,
            "user": self.postgres_username,
            "dbname": database or self.postgres_database,
            "application_name": "discogsography-tableinator",
        }
        password = self.postgres_password.get_secret_value()
        if password:
            options["password"] = password
        return make_conninfo(**options)

    @property
    def amqp_url(self) -> str:
        return self.amqp_connection.get_secret_value()

    def describe(self) -> dict[str, Any]:
        """The settings for a log line: no secret in it."""
        return {
            "postgres": f"{self.postgres_username}@{self.postgres_address}/{self.postgres_database}",
            "amqp": redact_url(self.amqp_url),
            "batch_mode": self.postgres_batch_mode,
            "batch_size": self.postgres_batch_size,
            "flush_interval": self.postgres_batch_flush_interval,
            "consumer_cancel_delay": self.consumer_cancel_delay,
            "queue_check_interval": self.queue_check_interval,
            "health_check_port": self.health_check_port,
            "queue_prefix": self.amqp_queue_prefix,
        }


def load_settings(**overrides: Any) -> TableinatorSettings:
    """Read the environment (overrides win); a bad value becomes one clear ConfigError."""
    try:
        return TableinatorSettings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = "_".join(str(part) for part in error["loc"]).upper() or "configuration"
            shown = "" if "PASSWORD" in name or "AMQP" in name else f" (got {error.get('input')!r})"
            problems.append(f"{name}: {error['msg']}{shown}")
        raise ConfigError("invalid configuration: " + "; ".join(problems)) from None
