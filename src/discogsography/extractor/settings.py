"""The extractor's configuration: every environment variable it reads, typed, in one place.

An invalid value stops the service with one line naming the variable. The broker URL is a
SecretStr, so neither its repr nor a log line can show the password.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from discogsography.errors import DiscogsographyError
from discogsography.parsing.parser import DEFAULT_MAX_SKIPPED_SHARE

DEFAULT_SOURCE = "https://data.discogs.com/"


class SettingsError(DiscogsographyError):
    """An environment variable with a value the extractor cannot use."""


class ExtractorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    amqp_connection: SecretStr = SecretStr("amqp://guest:guest@localhost:5672/")
    discogs_root: Path = Path("/discogs-data")
    periodic_check_days: Annotated[float, Field(gt=0)] = 15
    health_check_port: Annotated[int, Field(ge=0, le=65535)] = 8000
    force_reprocess: bool = False
    discogs_source: str = DEFAULT_SOURCE
    # Endpoint of an S3-compatible mirror (e.g. http://127.0.0.1:9000); empty: AWS, derived from the bucket.
    s3_endpoint: str | None = None
    s3_region: str = "us-west-2"
    # Keys per ListObjects page (S3's default and maximum is 1000).
    s3_page_size: Annotated[int, Field(ge=1, le=1000)] = 1000
    # Records carried by one AMQP message (1: the record itself; more: a "records" batch envelope).
    records_per_message: Annotated[int, Field(ge=1, le=10_000)] = 100
    # Messages published but not yet confirmed by the broker, at most.
    publish_window: Annotated[int, Field(ge=1, le=100_000)] = 1000
    # 0: parse in a thread of the service; N >= 1: in a separate process (with N parser workers).
    parser_workers: Annotated[int, Field(ge=0, le=64)] = 0
    # A file with more than this share of its records skipped (malformed) is marked failed.
    max_skipped_share: Annotated[float, Field(ge=0, le=1)] = DEFAULT_MAX_SKIPPED_SHARE
    # Put in front of every exchange and queue name (separate deployments, tests).
    amqp_prefix: str = ""
    # Download behaviour.
    download_attempts: Annotated[int, Field(ge=1, le=100)] = 6
    download_backoff_seconds: Annotated[float, Field(ge=0)] = 2.0
    max_retry_after_seconds: Annotated[float, Field(ge=0)] = 3600.0
    http_timeout_seconds: Annotated[float, Field(gt=0)] = 60.0
    # Tries to publish a file in one cycle; waits double from DOWNLOAD_BACKOFF_SECONDS,
    # so 5 tries ride out a broker restart (2 + 4 + 8 + 16 s).
    file_attempts: Annotated[int, Field(ge=1, le=100)] = 5
    # After a failed cycle, try again after this long instead of PERIODIC_CHECK_DAYS.
    retry_failed_cycle_seconds: Annotated[float, Field(gt=0)] = 3600.0
    # Dump versions whose files stay in DISCOGS_ROOT after a version completes (0: keep all).
    keep_versions: Annotated[int, Field(ge=0, le=1000)] = 2
    # Progress reports and stall detection.
    progress_interval_seconds: Annotated[float, Field(gt=0)] = 30.0
    stall_seconds: Annotated[float, Field(gt=0)] = 120.0
    log_level: str = "INFO"

    @field_validator("discogs_source")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if not value.startswith(("http://", "https://", "s3://", "file://")):
            raise ValueError("must start with https://, http://, s3:// or file://")
        return value

    @field_validator("amqp_connection")
    @classmethod
    def _amqp_url(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith(("amqp://", "amqps://")):
            raise ValueError("must be an amqp:// or amqps:// URL")
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value.upper()

    @property
    def periodic_check_seconds(self) -> float:
        return self.periodic_check_days * 86_400


def load_settings(**overrides: object) -> ExtractorSettings:
    """Settings from the environment (overrides win); a bad value becomes one clear SettingsError."""
    try:
        return ExtractorSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "?"
            problems.append(f"{name}: {error['msg']}")
        raise SettingsError("invalid configuration: " + "; ".join(problems)) from None
