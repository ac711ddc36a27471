"""The extractor's configuration: every variable it reads, typed, in one place.

Read from the environment and a `.env` file (discogsography.config.settings_base); an invalid value stops
the service with one line naming the variable. The broker URL is a SecretStr, so neither its
repr nor a log line can show the password.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator

from discogsography.config.amqp_settings import AmqpSettings
from discogsography.config.service_ports import EXTRACTOR_HEALTH_PORT
from discogsography.config.settings_base import SettingsError, load
from discogsography.parsing.skip_guard import DEFAULT_MAX_SKIPPED_SHARE

__all__ = ["DEFAULT_SOURCE", "ExtractorSettings", "SettingsError", "load_settings"]

DEFAULT_SOURCE = "https://data.discogs.com/"


class ExtractorSettings(AmqpSettings):
    services = ("extractor", "pipeline")
    title = "Extractor"

    discogs_root: Path = Field(default=Path("/discogs-data"), description="Dump files and state markers.")
    discogs_source: str = Field(
        default=DEFAULT_SOURCE,
        description="Where dumps come from: `https://data.discogs.com/`, `s3://BUCKET[/PREFIX]` "
        "(with `S3_ENDPOINT` for a mirror) or `file:///PATH`.",
    )
    periodic_check_days: Annotated[
        float, Field(gt=0, description="Days between checks for a newer dump.")
    ] = 15
    health_check_port: Annotated[
        int, Field(ge=0, le=65535, description="Port of `GET /health` (0: any free port).")
    ] = EXTRACTOR_HEALTH_PORT
    force_reprocess: bool = Field(default=False, description="Republish the newest version (first cycle).")
    s3_endpoint: str | None = Field(
        default=None, description="Endpoint of an S3-compatible mirror (empty: AWS, derived from the bucket)."
    )
    s3_region: str = Field(default="us-west-2", description="S3 region.")
    s3_page_size: Annotated[
        int, Field(ge=1, le=1000, description="Keys per ListObjects page (S3's maximum is 1000).")
    ] = 1000
    records_per_message: Annotated[
        int,
        Field(
            ge=1,
            le=10_000,
            description='Records per AMQP message (1: the record itself; more: a "records" batch).',
        ),
    ] = 100
    publish_window: Annotated[
        int, Field(ge=1, le=100_000, description="Messages published but not yet confirmed, at most.")
    ] = 1000
    parser_workers: Annotated[
        int,
        Field(ge=0, le=64, description="0: parse in a thread; N ≥ 1: in a separate process with N workers."),
    ] = 0
    max_skipped_share: Annotated[
        float,
        Field(
            ge=0,
            le=1,
            description="A file with more than this share of its records skipped (malformed) fails.",
        ),
    ] = DEFAULT_MAX_SKIPPED_SHARE
    download_attempts: Annotated[int, Field(ge=1, le=100, description="Tries per download.")] = 6
    download_backoff_seconds: Annotated[
        float,
        Field(
            ge=0,
            description="First wait between tries (downloads, the broker, publishing); doubles each try.",
        ),
    ] = 2.0
    max_retry_after_seconds: Annotated[
        float,
        Field(
            ge=0, description="Longest wait a `Retry-After` header can impose (longer ones are cut to this)."
        ),
    ] = 3600.0
    http_timeout_seconds: Annotated[float, Field(gt=0, description="HTTP connect and read timeout.")] = 60.0
    # 5 tries ride out a broker restart (2 + 4 + 8 + 16 s).
    file_attempts: Annotated[
        int,
        Field(
            ge=1,
            le=100,
            description="Tries to publish one file in a cycle (`--once`: the broker's tries too).",
        ),
    ] = 5
    retry_failed_cycle_seconds: Annotated[
        float, Field(gt=0, description="After a failed cycle, try again after this long.")
    ] = 3600.0
    keep_versions: Annotated[
        int,
        Field(ge=0, le=1000, description="Dump versions kept on disk after a newer one completes (0: all)."),
    ] = 2
    progress_interval_seconds: Annotated[
        float, Field(gt=0, description="Seconds between progress reports.")
    ] = 30.0
    stall_seconds: Annotated[
        float, Field(gt=0, description="A kind without progress for this long is reported stalled.")
    ] = 120.0

    @field_validator("discogs_source")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if not value.startswith(("http://", "https://", "s3://", "file://")):
            raise ValueError("must start with https://, http://, s3:// or file://")
        return value

    @property
    def periodic_check_seconds(self) -> float:
        return self.periodic_check_days * 86_400


def load_settings(**overrides: object) -> ExtractorSettings:
    """Settings from the environment and .env (overrides win); a bad value is one SettingsError."""
    return load(ExtractorSettings, **overrides)
