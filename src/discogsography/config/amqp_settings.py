"""RabbitMQ settings shared by the extractor and the tableinator."""

from __future__ import annotations

import urllib.parse

from pydantic import AliasChoices, Field, SecretStr, field_validator

from discogsography.config.settings_base import ServiceSettings


class BadNodeList(ValueError):
    """AMQP_CONNECTION names no node, or a node that is not an amqp:// or amqps:// URL."""


def split_urls(value: str) -> list[str]:
    """The URLs of a comma-separated list (blanks around them ignored); raises BadNodeList.

    The message never repeats a URL (it may hold a password): it says which one is wrong by
    its position.
    """
    urls = [part.strip() for part in value.split(",")]
    if not any(urls):
        raise BadNodeList("names no RabbitMQ URL")
    several = len(urls) > 1
    for position, url in enumerate(urls, 1):
        which = f"URL {position} of {len(urls)}" if several else "the URL"
        if not url:
            raise BadNodeList(f"{which} is empty (a stray comma?)")
        if not url.startswith(("amqp://", "amqps://")):
            raise BadNodeList(f"{which} must be an amqp:// or amqps:// URL")
        try:
            parts = urllib.parse.urlsplit(url)
            parts.port  # noqa: B018 - reading the port is the check
        except ValueError as exc:
            raise BadNodeList(f"{which}: {exc}") from None
        if not parts.hostname:
            raise BadNodeList(f"{which} names no host")
    return urls


class AmqpSettings(ServiceSettings):
    title = "RabbitMQ (extractor and tableinator)"

    amqp_connection: SecretStr = Field(
        default=SecretStr("amqp://guest:guest@localhost:5672/"),
        description="RabbitMQ URL, `amqp://` or `amqps://` (its password never appears in logs); for a "
        "cluster, one URL per node separated by commas: a service connects to one that answers and "
        "moves to another when its node goes (docs/operations.md#a-rabbitmq-cluster).",
    )
    # The extractor's name and the tableinator's (spec) name for the same thing; both are read.
    amqp_prefix: str = Field(
        default="",
        validation_alias=AliasChoices("amqp_prefix", "amqp_queue_prefix"),
        description="Put in front of every exchange and queue name (separate deployments, tests). "
        "`AMQP_QUEUE_PREFIX` (the spec's name) is the same setting; `AMQP_PREFIX` wins when both are set.",
    )

    @field_validator("amqp_connection")
    @classmethod
    def _amqp_url(cls, value: SecretStr) -> SecretStr:
        try:
            split_urls(value.get_secret_value())
        except BadNodeList as exc:
            raise ValueError(str(exc)) from None
        return value

    @property
    def amqp_url(self) -> str:
        """The whole value: one URL, or several (amqp/nodes.py's BrokerNodes reads them)."""
        return self.amqp_connection.get_secret_value()
