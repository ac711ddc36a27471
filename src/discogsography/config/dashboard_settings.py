"""The dashboard's configuration: where to listen, and where each thing it shows lives."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator

from discogsography.config.amqp_settings import AmqpSettings
from discogsography.config.postgres_settings import PostgresSettings
from discogsography.config.service_ports import (
    DASHBOARD_PORT,
    EXTRACTOR_HEALTH_PORT,
    TABLEINATOR_HEALTH_PORT,
    local_url,
)
from discogsography.config.settings_base import load


class DashboardSettings(AmqpSettings, PostgresSettings):
    services = ("dashboard",)
    title = "Dashboard"
    application_name = "discogsography-dashboard"

    dashboard_host: str = Field(
        default="127.0.0.1",
        description="Address the dashboard listens on (`0.0.0.0`: every interface; it has no login).",
    )
    dashboard_port: Annotated[
        int, Field(ge=0, le=65535, description="Port of the dashboard's page (0: any free port).")
    ] = DASHBOARD_PORT
    extractor_health_url: str = Field(
        default=local_url(EXTRACTOR_HEALTH_PORT),
        description="The extractor's health server; the dashboard reads `/health` and `/metrics` there.",
    )
    tableinator_health_url: str = Field(
        default=local_url(TABLEINATOR_HEALTH_PORT),
        description="The tableinator's health server; the dashboard reads `/health` and `/metrics` there.",
    )
    discogs_root: Path = Field(default=Path("/discogs-data"), description="Dump files and state markers.")
    dashboard_interval_seconds: Annotated[
        float,
        Field(gt=0, le=3600, description="Seconds between the dashboard's readings (and page updates)."),
    ] = 2.0
    dashboard_rate_window_seconds: Annotated[
        float,
        Field(gt=0, le=86_400, description="Rates on the dashboard are averaged over this many seconds."),
    ] = 10.0

    @field_validator("extractor_health_url", "tableinator_health_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")


def load_settings(**overrides: Any) -> DashboardSettings:
    """Settings from the environment and .env (overrides win); a bad value is one SettingsError."""
    return load(DashboardSettings, **overrides)
