"""docs/configuration.md, generated from the settings classes (so it cannot drift from the code).

``python -m discogsography.config.reference --write`` (``make docs``) rewrites the file;
tests/config/test_reference.py fails when it is out of date.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, SecretStr
from pydantic.fields import FieldInfo

from discogsography.config.amqp_settings import AmqpSettings
from discogsography.config.postgres_settings import PostgresSettings
from discogsography.config.settings_base import ServiceSettings

# Every service's settings class, imported by name so this module pulls in no service code.
SETTINGS_CLASSES = (
    "discogsography.config.extractor_settings:ExtractorSettings",
    "discogsography.config.tableinator_settings:TableinatorSettings",
    "discogsography.config.cache_settings:CacheSettings",
    "discogsography.config.dashboard_settings:DashboardSettings",
    "discogsography.config.api_settings:ApiSettings",
)
# The shared parts, in the order they are listed; then each service's own variables.
SHARED = (ServiceSettings, AmqpSettings, PostgresSettings)
DOCUMENT = Path("docs/configuration.md")

INTRO = """\
# Configuration

<!-- Generated from the settings classes by `make docs`
     (python -m discogsography.config.reference --write); do not edit by hand. -->

Every command reads its settings in one typed place (`discogsography.config` and a
`config/<service>_settings.py` per service), from:

1. the **environment**, which wins;
2. a **`.env` file in the working directory** (`NAME=value` lines; values there are used when
   the environment does not set them);
3. the defaults below.

Names are case-insensitive. An invalid value stops the command with one line naming the
variable, exit status 1, for example
`error: invalid configuration: POSTGRES_BATCH_SIZE: Input should be greater than or equal to 1 (got '0')`.
Passwords (in `AMQP_CONNECTION`, `DATABASE_URL`, `POSTGRES_PASSWORD`, `WXYC_DB_URL`) never
appear in logs, errors or `/health`.

**PostgreSQL** is given either as one DSN in `DATABASE_URL` (the same name for the tableinator,
`db init`, `pipeline` and the cache builder; a `postgresql://` URL or a `key=value` string) or by
the `POSTGRES_*` variables of the specification. When `DATABASE_URL` is set, the `POSTGRES_*`
connection variables are not read. The cache builder's `--database-url` flag wins over both.

`pipeline` runs the extractor and the tableinator as processes of their own with the same
environment, so it reads the variables of both (and chooses free health ports itself);
`db init` reads the tableinator's PostgreSQL variables.
"""


@dataclass
class Variable:
    names: list[str]
    description: str
    shared: str | None  # the title of the shared part declaring it, None for a service's own
    defaults: dict[str, str] = field(default_factory=dict)  # settings class title -> default shown
    services: list[str] = field(default_factory=list)

    @property
    def group(self) -> str:
        return self.shared or " and ".join(self.defaults).capitalize()


def settings_classes() -> list[type[ServiceSettings]]:
    classes = []
    for target in SETTINGS_CLASSES:
        module, name = target.split(":")
        classes.append(getattr(importlib.import_module(module), name))
    return classes


def env_names(name: str, info: FieldInfo) -> list[str]:
    alias = info.validation_alias
    if isinstance(alias, AliasChoices):
        return [str(choice).upper() for choice in alias.choices]
    return [str(alias or name).upper()]


def shown_default(info: FieldInfo) -> str:
    value: Any = info.get_default(call_default_factory=True)
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if value == "":
        return "(empty)"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"`{value}`"


def owner(settings_class: type[ServiceSettings], name: str) -> type[ServiceSettings]:
    """The first class in the hierarchy that declares the field: a shared part or the service."""
    for klass in reversed(settings_class.__mro__):
        if isinstance(klass, type) and issubclass(klass, ServiceSettings) and name in klass.__annotations__:
            return klass
    return settings_class


def collect() -> list[Variable]:
    variables: dict[str, Variable] = {}
    for settings_class in settings_classes():
        for name, info in settings_class.model_fields.items():
            if not info.description:
                raise ValueError(f"{settings_class.__name__}.{name} has no description")
            part = owner(settings_class, name)
            shared = part.title if part in SHARED else None
            # A field several services declare on their own (HEALTH_CHECK_PORT) is listed once.
            variable = variables.setdefault(name, Variable(env_names(name, info), info.description, shared))
            variable.defaults[settings_class.title] = shown_default(info)
            # Only the part that declares also_read_by, not the services inheriting from it.
            for service in (*settings_class.services, *vars(part).get("also_read_by", ())):
                if service not in variable.services:
                    variable.services.append(service)
    return list(variables.values())


def _default_cell(variable: Variable) -> str:
    distinct = dict.fromkeys(variable.defaults.values())
    if len(distinct) == 1:
        return next(iter(distinct))
    by_default: dict[str, list[str]] = {}
    for title, default in variable.defaults.items():
        by_default.setdefault(default, []).append(title.lower())
    return "; ".join(f"{default} ({', '.join(titles)})" for default, titles in by_default.items())


def render() -> str:
    variables = collect()
    groups: dict[str, list[Variable]] = {}
    for klass in SHARED:
        groups[klass.title] = []
    for variable in variables:
        groups.setdefault(variable.group, []).append(variable)
    lines = [INTRO]
    for title, members in groups.items():
        if not members:
            continue
        lines += [f"## {title}", "", "| variable | default | meaning | read by |", "|---|---|---|---|"]
        for variable in members:
            names = " or ".join(f"`{n}`" for n in variable.names)
            cell = variable.description.replace("|", "\\|")
            read_by = ", ".join(f"`{s}`" for s in variable.services)
            lines.append(f"| {names} | {_default_cell(variable)} | {cell} | {read_by} |")
        lines.append("")
    lines += [
        "## Command-line flags",
        "",
        "Flags configure one run and win over the variables: `parse --workers N`,",
        "`--max-consecutive-failures N`, `--limit N`; `tableinator --log-level L`;",
        "`cache ... --database-url DSN --wxyc-db-url URL`; `pipeline --timeout S`.",
        "`discogsography COMMAND --help` lists them all.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write docs/configuration.md from the settings classes.")
    parser.add_argument("--write", action="store_true", help="rewrite docs/configuration.md (else: print)")
    parser.add_argument("--path", type=Path, default=DOCUMENT)
    args = parser.parse_args(argv)
    text = render()
    if args.write:
        args.path.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
