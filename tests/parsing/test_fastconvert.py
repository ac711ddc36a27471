"""The compiled converter (_fastconvert.pyx) gives exactly the records of the Python one."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from discogsography.parsing import DumpParser, convert
from discogsography.parsing.canonical import canonical_json
from discogsography.parsing.records import _XML_PARSER
from discogsography.parsing.splitter import split_block

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def compiled(element: etree._Element) -> object:
    assert convert._COMPILED is not None
    return convert._COMPILED.element_to_value(element)


def test_the_build_compiled_the_converter_or_the_fallback_is_in_use() -> None:
    # hatch_build.py compiles it on `uv sync`; without it the parser is several times slower.
    # A machine without a C compiler, or a run with the switch set, uses the Python fallback.
    element = etree.fromstring(b'<release id="7"><title>T</title></release>', _XML_PARSER)
    if os.environ.get(convert.PURE_PYTHON_VARIABLE):
        assert not convert.COMPILED, (
            f"{convert.PURE_PYTHON_VARIABLE} is set but the compiled converter is used"
        )
    elif not convert.COMPILED:
        assert shutil.which("cc") is None and shutil.which("gcc") is None, (
            "a C compiler is here but discogsography.parsing._fastconvert was not built"
        )
    if convert.COMPILED:
        assert convert.record_to_canonical_json(element) == (7, b'{"id":7,"title":"T"}')
    else:
        assert convert.record_to_canonical_json(element) is None
        assert convert.element_to_record(element, id_is_attribute=True) == {"id": 7, "title": "T"}


needs_compiled = pytest.mark.skipif(not convert.COMPILED, reason="the compiled converter is not in use here")


def sample_records() -> list[tuple[str, bytes]]:
    found = []
    for path in sorted(SAMPLES.glob("*/*.xml.gz")):
        parser = DumpParser(path)
        for block in parser.blocks():
            for raw in split_block(block):
                found.append((path.name, raw.xml))
    return found


@needs_compiled
def test_every_sample_record_converts_identically() -> None:
    records = sample_records()
    assert len(records) > 4000  # 1,000 of each kind from 2020, plus the 2025/2026 ones
    for name, xml in records:
        element = etree.fromstring(xml, _XML_PARSER)
        assert compiled(element) == convert.element_to_value(element), f"{name}: {xml[:80]!r}"


# Trees with the shapes that matter: attributes, repeated and container tags, attributes named
# like a child, mixed and whitespace-only text, CDATA, non-ASCII and character references.
_tags = st.sampled_from(["release", "artists", "artist", "name", "id", "track", "tracklist", "sub_tracks"])
_texts = st.sampled_from(
    ["", " ", "\n  ", "x", "Björk", "a &amp; b", "&#13;", "<![CDATA[c<d]]>", "\u00a0", "1"]
)


@st.composite
def _elements(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(_tags)
    names = draw(st.lists(st.sampled_from(["id", "name", "type", "track"]), unique=True, max_size=3))
    attributes = "".join(f' {n}="{draw(_texts.filter(lambda t: "CDATA" not in t))}"' for n in names)
    children = draw(st.lists(_elements(depth + 1), max_size=4)) if depth < 3 else []
    parts = [draw(_texts)]
    for child in children:
        parts += [child, draw(_texts)]
    return f"<{tag}{attributes}>{''.join(parts)}</{tag}>"


@needs_compiled
@settings(max_examples=400, deadline=None)
@given(_elements())
def test_random_trees_convert_identically(xml: str) -> None:
    element = etree.fromstring(xml.encode(), _XML_PARSER)
    assert compiled(element) == convert.element_to_value(element)


@needs_compiled
@pytest.mark.parametrize(
    "xml",
    [
        b'<release xmlns:d="urn:d" id="1"><d:title>T</d:title></release>',
        b'<release xmlns:d="urn:d" d:id="1"><title>T</title></release>',
    ],
)
def test_constructs_the_dumps_do_not_use_fall_back_to_python(xml: bytes) -> None:
    element = etree.fromstring(xml, _XML_PARSER)
    with pytest.raises(Exception, match="namespaced"):
        compiled(element)
    assert convert.convert_element(element) == convert.element_to_value(element)


# --- record_json: canonical JSON written straight from the tree ------------------------------


def dict_path_json(element: etree._Element) -> tuple[int, bytes]:
    record = convert.element_to_record(element, id_is_attribute=True)
    return record["id"], canonical_json(record)


@needs_compiled
def test_every_sample_record_is_written_straight_to_the_same_json() -> None:
    for name, xml in sample_records():
        element = etree.fromstring(xml, _XML_PARSER)
        written = convert.record_to_canonical_json(element)
        assert written is not None, f"{name}: left to the dict path: {xml[:80]!r}"
        assert written == dict_path_json(element), f"{name}: {xml[:80]!r}"


_record_ids = st.sampled_from(["1", " 42 ", "0007", "\n9\n", "123456789012345678"])


@st.composite
def _records(draw: st.DrawFn) -> str:
    # A record: the id as an attribute or an <id> child, then any content but a second id.
    inner = draw(_elements(1).filter(lambda xml: not xml.startswith("<id")))
    record_id = draw(_record_ids)
    if draw(st.booleans()):
        return f'<release id="{record_id}">{inner}{draw(_texts)}</release>'
    return f"<artist>{draw(_texts)}<id>{record_id}</id>{inner}</artist>"


@needs_compiled
@settings(max_examples=400, deadline=None)
@given(_records())
def test_random_records_are_written_straight_to_the_same_json(xml: str) -> None:
    element = etree.fromstring(xml.encode(), _XML_PARSER)
    written = convert.record_to_canonical_json(element)
    assert written is not None
    assert written == dict_path_json(element)


@needs_compiled
def test_escapes_are_those_of_orjson() -> None:
    # Quotes, backslashes, the control characters XML allows, and text that is not ASCII.
    xml = '<release id="1"><notes>a"b\\c&#9;&#10;&#13;\u2028é/\x7f</notes><t k="&#9;&quot;"/></release>'
    element = etree.fromstring(xml.encode(), _XML_PARSER)
    written = convert.record_to_canonical_json(element)
    assert written == dict_path_json(element)
    assert written is not None and orjson.loads(written[1])["notes"] == 'a"b\\c\t\n\r\u2028é/\x7f'


@needs_compiled
@pytest.mark.parametrize(
    "xml",
    [
        b'<release xmlns:d="urn:d" id="1"><d:title>T</d:title></release>',  # namespaces
        b'<release id="1"/>',  # no children: the dict path decides
        b'<release id="x1"><title>T</title></release>',  # not an integer id
        b'<release id="1234567890123456789"><title>T</title></release>',  # past 18 digits
        b"<release><id>1</id><id>2</id></release>",  # two ids
        b'<release><id k="v">1</id><title>T</title></release>',  # an id with attributes
    ],
)
def test_records_outside_the_common_shape_are_left_to_the_dict_path(xml: bytes) -> None:
    assert convert.record_to_canonical_json(etree.fromstring(xml, _XML_PARSER)) is None


@needs_compiled
def test_an_element_with_more_keys_than_the_compiled_walk_holds_is_left_to_the_dict_path() -> None:
    many = "".join(f"<k{n}>v</k{n}>" for n in range(70))
    element = etree.fromstring(f'<release id="1">{many}</release>'.encode(), _XML_PARSER)
    assert convert.record_to_canonical_json(element) is None
    assert canonical_json(convert.element_to_record(element, id_is_attribute=True))
