"""RabbitMQ settings shared by the extractor and the tableinator."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr, field_validator

from discogsography.config.settings_base import ServiceSettings


class AmqpSettings(ServiceSettings):
    title = "RabbitMQ (extractor and tableinator)"

    amqp_connection: SecretStr = Field(
        default=SecretStr("amqp://guest:guest@localhost:5672/"),
        description="RabbitMQ URL, `amqp://` or `amqps://` (its password never appears in logs).",
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
        if not value.get_secret_value().startswith(("amqp://", "amqps://")):
            raise ValueError("must be an amqp:// or amqps:// URL")
        return value

    @property
    def amqp_url(self) -> str:
        return self.amqp_connection.get_secret_value()
