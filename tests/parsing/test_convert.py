"""The XML-to-record rules of docs/records.md, one by one, on small real-shaped snippets."""

from __future__ import annotations

import pytest
from lxml import etree

from discogsography.parsing.convert import TEXT_KEY, convert_element, element_to_record, element_to_value

CONVERTERS = {"python": element_to_value, "compiled": convert_element}
_in_use = {"convert": convert_element}


@pytest.fixture(params=sorted(CONVERTERS), autouse=True)
def converter(request: pytest.FixtureRequest) -> None:
    """Every rule holds for the pure-Python converter and for the compiled one."""
    _in_use["convert"] = CONVERTERS[request.param]


def value(xml: str) -> object:
    return _in_use["convert"](etree.fromstring(xml))


def test_leaf_is_its_text() -> None:
    assert value("<title>Stockholm</title>") == "Stockholm"


def test_empty_element_is_none() -> None:
    assert value("<anv/>") is None
    assert value("<anv></anv>") is None


def test_whitespace_text_is_kept_as_is() -> None:
    assert value("<join> , </join>") == " , "


def test_attributes_are_plain_keys() -> None:
    assert value('<label name="Svek" catno="SK032" id="5"/>') == {"name": "Svek", "catno": "SK032", "id": "5"}


def test_empty_attribute_stays_empty_string() -> None:
    assert value('<format name="Vinyl" qty="2" text=""/>') == {"name": "Vinyl", "qty": "2", "text": ""}


def test_text_with_attributes_goes_under_text_key() -> None:
    assert value('<name id="239">Jesper</name>') == {"id": "239", TEXT_KEY: "Jesper"}
    assert value('<master_id is_main_release="true">1660109</master_id>') == {
        "is_main_release": "true",
        TEXT_KEY: "1660109",
    }


def test_container_children_are_lists_even_with_one_item() -> None:
    assert value("<genres><genre>Electronic</genre></genres>") == {"genre": ["Electronic"]}
    assert value("<urls><url>a</url><url>b</url></urls>") == {"url": ["a", "b"]}


def test_mixed_container_keeps_both_tags_as_lists() -> None:
    members = value(
        '<members><id>26</id><name id="26">Alexi</name><id>27</id><name id="27">Cari</name></members>'
    )
    assert members == {
        "id": ["26", "27"],
        "name": [{"id": "26", TEXT_KEY: "Alexi"}, {"id": "27", TEXT_KEY: "Cari"}],
    }


def test_unexpected_repeated_tag_becomes_list_not_lost() -> None:
    assert value("<track><title>a</title><title>b</title><title>c</title></track>") == {
        "title": ["a", "b", "c"]
    }


def test_nested_sub_tracks() -> None:
    track = value(
        "<track><position>1</position><title>Suite</title><sub_tracks>"
        "<track><position>1a</position><title>I</title></track></sub_tracks></track>"
    )
    assert track == {
        "position": "1",
        "title": "Suite",
        "sub_tracks": {"track": [{"position": "1a", "title": "I"}]},
    }


def test_attribute_colliding_with_child_moves_to_at_key() -> None:
    assert value('<x id="1"><id>2</id></x>') == {"@id": "1", "id": "2"}
    assert value('<labels label="a"><label>b</label></labels>') == {"@label": "a", "label": ["b"]}


def test_mixed_content_text_is_kept() -> None:
    assert value("<notes>before<b>bold</b>after</notes>") == {"b": "bold", TEXT_KEY: "beforeafter"}


def test_record_id_attribute_becomes_int() -> None:
    record = element_to_record(
        etree.fromstring('<release id="42"><title>T</title></release>'), id_is_attribute=True
    )
    assert record == {"id": 42, "title": "T"}


def test_record_id_child_becomes_int() -> None:
    record = element_to_record(etree.fromstring("<label><id>212</id></label>"), id_is_attribute=False)
    assert record == {"id": 212}


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ("<release><title>T</title></release>", "no usable id attribute"),
        ('<release id="abc"/>', "is not an integer"),
        ('<release id=""/>', "is not an integer"),
        ('<release id="-1"/>', "is not an integer"),
    ],
)
def test_record_without_usable_id_is_refused(xml: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        element_to_record(etree.fromstring(xml), id_is_attribute=True)
