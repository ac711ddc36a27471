"""`discogsography serve`'s configuration: where it listens, how many processes, its limits."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator

from discogsography.config.postgres_settings import PostgresSettings
from discogsography.config.service_ports import API_PORT
from discogsography.config.settings_base import load


class ApiSettings(PostgresSettings):
    services = ("serve",)
    title = "Local Discogs API (`serve`)"
    application_name = "discogsography-api"

    api_host: str = Field(
        default="127.0.0.1",
        description="Address the API listens on (`0.0.0.0`: every interface; it has no login).",
    )
    api_port: Annotated[int, Field(ge=0, le=65535, description="Port of the API.")] = API_PORT
    api_processes: Annotated[
        int,
        Field(ge=1, le=64, description="Server processes (each with its own connection pool)."),
    ] = 2
    api_pool_size: Annotated[
        int, Field(ge=1, le=100, description="PostgreSQL connections per server process.")
    ] = 4
    api_public_url: str | None = Field(
        default=None,
        description="Base of the `resource_url`s in answers, as clients reach the API "
        "(default: `http://API_HOST:API_PORT`).",
    )
    api_statement_timeout_ms: Annotated[
        int,
        Field(ge=100, le=600_000, description="A query running longer is cancelled and answered 503."),
    ] = 5000
    api_max_items: Annotated[
        int,
        Field(
            ge=100,
            le=1_000_000,
            description="Lists and searches count and page up to this many items (Discogs: 10,000).",
        ),
    ] = 10_000

    @field_validator("api_public_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    def public_url(self, port: int | None = None) -> str:
        """The base clients use: API_PUBLIC_URL, else this host and port."""
        if self.api_public_url:
            return self.api_public_url
        host = self.api_host
        if host in ("0.0.0.0", "::", ""):  # noqa: S104 - naming the wildcard, not binding it
            host = "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{port if port is not None else self.api_port}"


def load_settings(**overrides: Any) -> ApiSettings:
    """Settings from the environment and .env (overrides win); a bad value is one SettingsError."""
    return load(ApiSettings, **overrides)
