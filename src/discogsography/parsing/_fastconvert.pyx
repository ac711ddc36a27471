# cython: language_level=3, boundscheck=False, wraparound=False
"""The record conversion of convert.py, compiled: the same rules, read straight off libxml2's tree.

The pure-Python converter spends most of its time creating one lxml proxy object per element
and decoding its text through them. This walks the parsed document's nodes directly (through
lxml's public C API, so the tree stays owned by lxml) and builds the same dicts, lists and
strings. Anything outside what the dumps contain (namespaces, entity references, node types
other than elements, text and CDATA) raises Unsupported, and the caller converts that record
with the Python converter instead, so both always give the same result.
"""

from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.string cimport strlen

from lxml.includes cimport tree
from lxml.includes.tree cimport xmlAttr, xmlNode
cimport lxml.includes.etreepublic as cetree

cetree.import_lxml__etree()


class Unsupported(Exception):
    """A construct the compiled walk leaves to the Python converter."""


cdef frozenset _list_containers = frozenset()
cdef str _text_key = "#text"


def configure(list_containers, text_key):
    """The rules' constants, defined once in convert.py."""
    global _list_containers, _text_key
    _list_containers = frozenset(list_containers)
    _text_key = text_key


cdef inline str _utf8(const char* value):
    return PyUnicode_DecodeUTF8(value, strlen(value), "strict")


cdef inline bint _is_text(xmlNode* node):
    return node.type == tree.XML_TEXT_NODE or node.type == tree.XML_CDATA_SECTION_NODE


cdef object _attributes(xmlNode* element):
    """The attributes as a dict in document order, or None when there are none."""
    cdef xmlAttr* attribute = element.properties
    cdef xmlNode* part
    cdef dict found
    cdef str value
    if attribute is NULL:
        return None
    found = {}
    while attribute is not NULL:
        if attribute.ns is not NULL:
            raise Unsupported("namespaced attribute")
        value = ""
        part = attribute.children
        while part is not NULL:
            if part.type != tree.XML_TEXT_NODE:
                raise Unsupported("entity reference in an attribute")
            if part.content is not NULL:
                value += _utf8(<const char*>part.content)
            part = part.next
        found[_utf8(<const char*>attribute.name)] = value
        attribute = attribute.next
    return found


cdef object _leaf(xmlNode* element, object attributes):
    """An element without element children: its text, or its attributes (and text) as a dict."""
    cdef xmlNode* child = element.children
    cdef str text = ""
    while child is not NULL:
        if child.content is not NULL:
            text += _utf8(<const char*>child.content)
        child = child.next
    if attributes is None:
        return text or None
    if text:
        attributes[_text_key] = text
    return attributes


cdef object _convert(xmlNode* element):
    cdef xmlNode* child
    cdef bint has_elements = False
    cdef bint as_list
    cdef object attributes
    cdef dict node
    cdef list mixed_text = None
    cdef str run = ""
    cdef str tag
    cdef object value
    cdef object existing

    if element.ns is not NULL:
        raise Unsupported("namespaced element")
    child = element.children
    while child is not NULL:
        if child.type == tree.XML_ELEMENT_NODE:
            has_elements = True
        elif not _is_text(child):
            raise Unsupported("node type %d" % child.type)
        child = child.next
    attributes = _attributes(element)
    if not has_elements:
        return _leaf(element, attributes)

    node = dict(attributes) if attributes is not None else {}
    as_list = _utf8(<const char*>element.name) in _list_containers
    child = element.children
    while child is not NULL:
        if child.type != tree.XML_ELEMENT_NODE:
            if child.content is not NULL:
                run += _utf8(<const char*>child.content)
            child = child.next
            continue
        # The text before this element (the parent's text, or the previous element's tail).
        if run and not run.isspace():
            if mixed_text is None:
                mixed_text = []
            mixed_text.append(run)
        run = ""
        tag = _utf8(<const char*>child.name)
        value = _convert(child)
        if as_list:
            existing = node.get(tag)
            if existing is None:
                node[tag] = [value]
            elif type(existing) is list:
                (<list>existing).append(value)
            else:
                node["@" + tag] = node.pop(tag)
                node[tag] = [value]
        elif tag in node:
            existing = node[tag]
            if attributes is not None and ("@" + tag) not in node and tag in attributes:
                node["@" + tag] = node.pop(tag)
                node[tag] = value
            elif type(existing) is list:
                (<list>existing).append(value)
            else:
                node[tag] = [existing, value]
        else:
            node[tag] = value
        child = child.next
    if run and not run.isspace():
        if mixed_text is None:
            mixed_text = []
        mixed_text.append(run)
    if mixed_text:
        node[_text_key] = "".join(mixed_text)
    return node


def element_to_value(cetree._Element element):
    """convert.element_to_value for an element of a parsed lxml tree; raises Unsupported."""
    return _convert(element._c_node)
