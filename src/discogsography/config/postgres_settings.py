"""PostgreSQL settings shared by the tableinator, `db init`, `pipeline` and the cache builder.

Either one DSN in DATABASE_URL (a ``postgresql://`` URL or a ``key=value`` string), or the spec's
POSTGRES_ADDRESS / _USERNAME / _PASSWORD / _DATABASE. When DATABASE_URL is set it is used and
the POSTGRES_* connection variables are not.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, SecretStr, field_validator

from discogsography.config.settings_base import ServiceSettings


class PostgresSettings(ServiceSettings):
    title = "PostgreSQL (tableinator, `db init`, `pipeline`, cache builder)"
    also_read_by = ("db init",)
    # application_name in pg_stat_activity, unless the DSN names one.
    application_name: ClassVar[str] = "discogsography"

    database_url: SecretStr | None = Field(
        default=None,
        description="PostgreSQL as one DSN (`postgresql://user:pass@host:5432/db` or `host=... dbname=...`); "
        "when set, the `POSTGRES_*` connection variables are not read.",
    )
    postgres_address: str = Field(default="localhost:5432", description="PostgreSQL `host:port`.")
    postgres_username: str = Field(
        default="discogsography", description="PostgreSQL user (empty: libpq's default, the OS user)."
    )
    postgres_password: SecretStr = Field(
        default=SecretStr(""), description="PostgreSQL password (empty: none)."
    )
    postgres_database: str = Field(default="discogsography", description="PostgreSQL database.")

    @field_validator("postgres_address")
    @classmethod
    def _host_and_port(cls, value: str) -> str:
        host, _, port = value.strip().rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("expected host:port")
        return value.strip()

    @field_validator("database_url")
    @classmethod
    def _dsn(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        from psycopg import ProgrammingError
        from psycopg.conninfo import conninfo_to_dict

        try:
            conninfo_to_dict(value.get_secret_value())
        except ProgrammingError:
            raise ValueError("not a PostgreSQL URL or key=value connection string") from None
        return value

    @property
    def postgres_host(self) -> str:
        return self._parts().get("host") or "localhost"

    @property
    def postgres_port(self) -> int:
        return int(self._parts().get("port") or 5432)

    @property
    def postgres_dbname(self) -> str:
        """The database connected to, from the DSN or POSTGRES_DATABASE."""
        # libpq connects to the database named like the user when none is given.
        return str(self._parts().get("dbname") or self._parts().get("user") or "")

    def postgres_conninfo(self, database: str | None = None) -> str:
        """libpq connection string (holds the password: never log it; log ``postgres_target()``)."""
        from psycopg.conninfo import make_conninfo

        options = self._parts()
        if database:
            options["dbname"] = database
        options.setdefault("application_name", self.application_name)
        return make_conninfo(**options)

    def postgres_target(self) -> str:
        """user@host:port/database for messages: no password."""
        user = self._parts().get("user")
        where = f"{self.postgres_host}:{self.postgres_port}/{self.postgres_dbname}"
        return f"{user}@{where}" if user else where

    def _parts(self) -> dict[str, Any]:
        if self.database_url is not None:
            from psycopg.conninfo import conninfo_to_dict

            return dict(conninfo_to_dict(self.database_url.get_secret_value()))
        host, _, port = self.postgres_address.rpartition(":")
        parts: dict[str, Any] = {"host": host.strip("[]"), "port": port, "dbname": self.postgres_database}
        if self.postgres_username:
            parts["user"] = self.postgres_username
        if self.postgres_password.get_secret_value():
            parts["password"] = self.postgres_password.get_secret_value()
        return parts
