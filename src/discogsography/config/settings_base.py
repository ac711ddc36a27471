"""What every service's settings share: where values come from, LOG_LEVEL, one error, one loader.

Values come from, in this order: keyword overrides (tests, CLI flags), the environment, a
``.env`` file in the working directory, the defaults. Nothing is read at import time: a service
calls ``load(ItsSettings)`` when it starts, so a bad value stops it with one line naming the
variable.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from discogsography.errors import ConfigurationError

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Values of these variables are never echoed in an error: they may hold a password.
_SECRET_HINTS = ("PASSWORD", "URL", "CONNECTION", "DSN")


class SettingsError(ConfigurationError):
    """A setting with a value the service cannot use."""


class ServiceSettings(BaseSettings):
    """Base of every service's settings."""

    model_config = SettingsConfigDict(
        env_prefix="",
        env_file=".env",
        env_file_encoding="utf-8",
        case_sensitive=False,
        extra="ignore",
        populate_by_name=True,
        frozen=True,
    )

    # The commands that read this class, for docs/configuration.md.
    services: ClassVar[tuple[str, ...]] = ()
    # The heading of this class's own variables in docs/configuration.md.
    title: ClassVar[str] = "Every service"
    # Commands that read this part's variables besides the services using the class.
    also_read_by: ClassVar[tuple[str, ...]] = ("db init", "parse", "load", "export")

    log_level: str = Field(
        default="INFO", description="Least severe log level written: " + ", ".join(LOG_LEVELS) + "."
    )

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError("must be " + ", ".join(LOG_LEVELS[:-1]) + " or " + LOG_LEVELS[-1])
        return value.upper()


S = TypeVar("S", bound=ServiceSettings)


def load(settings_class: type[S], **overrides: Any) -> S:
    """The settings of one service; a bad value becomes one SettingsError naming the variable."""
    try:
        return settings_class(**overrides)
    except ValidationError as exc:
        raise SettingsError("invalid configuration: " + describe_errors(exc)) from None


def describe_errors(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        name = "_".join(str(part) for part in error["loc"]).upper() or "configuration"
        secret = any(hint in name for hint in _SECRET_HINTS)
        shown = "" if secret or "input" not in error else f" (got {error['input']!r})"
        problems.append(f"{name}: {error['msg']}{shown}")
    return "; ".join(problems)
