"""The compiled converter (_fastconvert.pyx) gives exactly the records of the Python one."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from discogsography.parsing import DumpParser, convert
from discogsography.parsing.parser import _XML_PARSER
from discogsography.parsing.splitter import split_block

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def compiled(element: etree._Element) -> object:
    assert convert._COMPILED is not None
    return convert._COMPILED[0](element)


def test_the_build_compiled_the_converter() -> None:
    # hatch_build.py compiles it on `uv sync`; without it the parser is several times slower.
    assert convert.COMPILED, "discogsography.parsing._fastconvert was not built"


def sample_records() -> list[tuple[str, bytes]]:
    found = []
    for path in sorted(SAMPLES.glob("*/*.xml.gz")):
        parser = DumpParser(path)
        for block in parser.blocks():
            for raw in split_block(block, parser.kind.spec.record_opening):
                found.append((path.name, raw.xml))
    return found


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


@settings(max_examples=400, deadline=None)
@given(_elements())
def test_random_trees_convert_identically(xml: str) -> None:
    element = etree.fromstring(xml.encode(), _XML_PARSER)
    assert compiled(element) == convert.element_to_value(element)


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
