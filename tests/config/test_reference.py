"""docs/configuration.md is generated from the settings classes and kept up to date."""

from __future__ import annotations

import re

from discogsography.config import reference
from tests.conftest import REPO


def test_configuration_document_is_up_to_date() -> None:
    written = (REPO / reference.DOCUMENT).read_text(encoding="utf-8")
    assert written == reference.render(), "docs/configuration.md is out of date: run `make docs`"


def test_every_variable_of_every_service_is_listed_once() -> None:
    document = reference.render()
    listed = re.findall(r"^\| `([A-Z0-9_]+)`", document, flags=re.MULTILINE)
    assert len(listed) == len(set(listed))
    for settings_class in reference.settings_classes():
        for name, info in settings_class.model_fields.items():
            assert reference.env_names(name, info)[0] in listed, name
            assert info.description, f"{settings_class.__name__}.{name} needs a description"


def test_spec_names_and_shared_variables_are_documented_with_their_readers() -> None:
    rows = {
        row.split("|")[1].strip(): row for row in reference.render().splitlines() if row.startswith("| `")
    }
    assert "`AMQP_QUEUE_PREFIX`" in rows["`AMQP_PREFIX` or `AMQP_QUEUE_PREFIX`"]
    database_url = rows["`DATABASE_URL`"]
    for reader in ("`tableinator`", "`db init`", "`pipeline`", "`cache`"):
        assert reader in database_url
    for reader in ("`extractor`", "`tableinator`", "`cache`"):
        assert reader in rows["`LOG_LEVEL`"]
    assert "`8000` (extractor); `8002` (tableinator)" in rows["`HEALTH_CHECK_PORT`"]
    assert "`discogs` (cache builder)" in rows["`POSTGRES_DATABASE`"]
