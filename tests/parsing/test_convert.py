"""The XML-to-record rules of docs/records.md, one by one, on small real-shaped snippets.

Every rule is checked against each implementation: the pure-Python dict converter, the compiled
dict converter, and the compiled writer of canonical JSON (the snippet wrapped in a record, its
JSON decoded back). Where the compiled module is not built or is switched off
(DISCOGSOGRAPHY_PURE_PYTHON=1), its two implementations are skipped, by name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pytest
from lxml import etree

from discogsography.parsing import convert
from discogsography.parsing.canonical import canonical_json
from discogsography.parsing.convert import TEXT_KEY, element_to_record, element_to_value
from discogsography.parsing.records import _XML_PARSER


def _compiled_dict(element: etree._Element) -> Any:
    assert convert._COMPILED is not None
    return convert._COMPILED.element_to_value(element)


def _compiled_json(element: etree._Element) -> Any:
    wrapped = etree.fromstring(b'<release id="1">' + etree.tostring(element) + b"</release>", _XML_PARSER)
    written = convert.record_to_canonical_json(wrapped)
    assert written is not None, "the writer left a rule's snippet to the dict path"
    record_id, body = written
    decoded = orjson.loads(body)
    assert record_id == 1 and body == canonical_json(decoded)
    return decoded[element.tag]


CONVERTERS: dict[str, Callable[[etree._Element], Any]] = {
    "python": element_to_value,
    "compiled-dict": _compiled_dict,
    "compiled-json": _compiled_json,
}
_in_use: dict[str, Callable[[etree._Element], Any]] = {"convert": element_to_value}


@pytest.fixture(params=list(CONVERTERS), autouse=True)
def converter(request: pytest.FixtureRequest) -> str:
    """Every rule holds for every implementation."""
    if request.param != "python" and not convert.COMPILED:
        pytest.skip(f"{request.param}: the compiled converter is not in use here")
    _in_use["convert"] = CONVERTERS[request.param]
    return str(request.param)


def value(xml: str) -> object:
    return _in_use["convert"](etree.fromstring(xml, _XML_PARSER))


def record(xml: str, converter: str) -> dict[str, Any]:
    """A whole record, by the dict path or by the writer."""
    element = etree.fromstring(xml, _XML_PARSER)
    if converter == "compiled-json":
        written = convert.record_to_canonical_json(element)
        assert written is not None
        decoded: dict[str, Any] = orjson.loads(written[1])
        assert decoded["id"] == written[0]
        return decoded
    if converter == "compiled-dict":
        return element_to_record(element, id_is_attribute=element.get("id") is not None)
    return _python_record(element)


def _python_record(element: etree._Element, id_is_attribute: bool | None = None) -> dict[str, Any]:
    if id_is_attribute is None:
        id_is_attribute = element.get("id") is not None
    compiled, convert._COMPILED = convert._COMPILED, None
    try:
        return element_to_record(element, id_is_attribute=id_is_attribute)
    finally:
        convert._COMPILED = compiled


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


def test_record_id_attribute_becomes_int(converter: str) -> None:
    assert record('<release id="42"><title>T</title></release>', converter) == {"id": 42, "title": "T"}
    assert record('<release id=" 0042 "><title>T</title></release>', converter) == {"id": 42, "title": "T"}


def test_record_id_child_becomes_int(converter: str) -> None:
    assert record("<label><id>212</id><name>N</name></label>", converter) == {"id": 212, "name": "N"}


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ("<release><title>T</title></release>", "no usable id attribute"),
        ('<release id="abc"/>', "is not an integer"),
        ('<release id=""/>', "is not an integer"),
        ('<release id="-1"/>', "is not an integer"),
    ],
)
def test_record_without_usable_id_is_refused(xml: str, message: str, converter: str) -> None:
    element = etree.fromstring(xml, _XML_PARSER)
    if converter == "compiled-json":
        # The writer leaves such records to the dict path, which decides the error.
        assert convert.record_to_canonical_json(element) is None
    with pytest.raises(ValueError, match=message):
        if converter == "python":
            _python_record(element, id_is_attribute=True)
        else:
            element_to_record(element, id_is_attribute=True)
