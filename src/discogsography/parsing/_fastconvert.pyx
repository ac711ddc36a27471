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
    _configure_containers(list_containers)


cdef inline str _utf8(const char* value):
    return PyUnicode_DecodeUTF8(value, strlen(value), "strict")


cdef inline bint _is_text(xmlNode* node):
    return node.type == tree.XML_TEXT_NODE or node.type == tree.XML_CDATA_SECTION_NODE


cdef bint _has_elements(xmlNode* element) except -1:
    """Whether it has child elements; Unsupported for namespaces and other node types."""
    cdef xmlNode* child = element.children
    cdef bint found = False
    if element.ns is not NULL:
        raise Unsupported("namespaced element")
    while child is not NULL:
        if child.type == tree.XML_ELEMENT_NODE:
            found = True
        elif not _is_text(child):
            raise Unsupported("node type %d" % child.type)
        child = child.next
    return found


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
    cdef bint has_elements
    cdef bint as_list
    cdef object attributes
    cdef dict node
    cdef list mixed_text = None
    cdef str run = ""
    cdef str tag
    cdef object value
    cdef object existing

    has_elements = _has_elements(element)
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


# --- a record straight to canonical JSON ---------------------------------------------------
#
# record_json gives the bytes of canonical_json(element_to_record(element)) without building
# the dicts in between: keys sorted, no whitespace, UTF-8 as is, control characters escaped as
# orjson escapes them. It covers the records the dumps hold; anything else (namespaces, entity
# references, non-ASCII tag names, more than _MAX_KEYS keys in one element, an id that is not
# plain digits) raises Unsupported and the caller takes the dict path, which decides errors.

from cpython.bytes cimport PyBytes_FromStringAndSize
from libc.stdlib cimport free, malloc, qsort, realloc
from libc.string cimport memcpy, strcmp

cdef enum:
    _MAX_KEYS = 64
    _MAX_ID_DIGITS = 18  # fits an int64, as orjson requires

cdef enum KeyKind:
    KEY_ATTRIBUTE
    KEY_CHILDREN
    KEY_TEXT

cdef struct Key:
    const char* name
    char prefix  # '@' for an attribute named like a child element, 0 otherwise
    KeyKind kind
    xmlAttr* attribute
    xmlNode* first  # first child element of that name
    int count

cdef struct Out:
    char* data
    size_t length
    size_t capacity

cdef list _container_names = []  # bytes, kept alive for _containers
cdef const char** _containers = NULL
cdef Py_ssize_t _container_count = 0
cdef const char* _HEX = b"0123456789abcdef"


cdef _configure_containers(list_containers):
    """The container tags as C strings, for record_json."""
    global _containers, _container_count, _container_names
    names = sorted(name.encode() for name in list_containers)
    table = <const char**>realloc(_containers, max(1, len(names)) * sizeof(const char*))
    if table is NULL:
        raise MemoryError()
    _containers = table
    _container_names = names
    _container_count = len(names)
    for index, name in enumerate(names):
        _containers[index] = <const char*>(<bytes>name)


cdef bint _is_container(const char* name):
    cdef Py_ssize_t index
    for index in range(_container_count):
        if strcmp(name, _containers[index]) == 0:
            return True
    return False


cdef int _reserve(Out* out, size_t extra) except -1:
    cdef size_t capacity = out.capacity
    cdef char* grown
    if out.length + extra <= capacity:
        return 0
    while capacity < out.length + extra:
        capacity *= 2
    grown = <char*>realloc(out.data, capacity)
    if grown is NULL:
        raise MemoryError()
    out.data = grown
    out.capacity = capacity
    return 0


cdef inline int _put(Out* out, const char* text, size_t size) except -1:
    _reserve(out, size)
    memcpy(out.data + out.length, text, size)
    out.length += size
    return 0


cdef inline int _put_char(Out* out, char c) except -1:
    _reserve(out, 1)
    out.data[out.length] = c
    out.length += 1
    return 0


cdef int _put_escaped(Out* out, const unsigned char* text) except -1:
    """String content as orjson writes it: '"', '\\' and control characters escaped."""
    cdef const unsigned char* run = text
    cdef unsigned char c
    while True:
        c = text[0]
        if c >= 0x20 and c != 0x22 and c != 0x5C:
            text += 1
            continue
        if text > run:
            _put(out, <const char*>run, text - run)
        if c == 0:
            return 0
        _reserve(out, 6)
        out.data[out.length] = b'\\'
        if c == 0x22 or c == 0x5C:
            out.data[out.length + 1] = c
            out.length += 2
        elif c == 0x08 or c == 0x09 or c == 0x0A or c == 0x0C or c == 0x0D:
            out.data[out.length + 1] = b"btn?fr"[c - 0x08]
            out.length += 2
        else:
            memcpy(out.data + out.length + 1, b"u00", 3)
            out.data[out.length + 4] = _HEX[c >> 4]
            out.data[out.length + 5] = _HEX[c & 0x0F]
            out.length += 6
        text += 1
        run = text


cdef bint _is_ascii_name(const unsigned char* name):
    while name[0]:
        if name[0] >= 0x80:
            return False
        name += 1
    return True


cdef bint _is_blank(xmlNode* node) except -1:
    """str.isspace() of a text node, True when it is empty too (it then adds nothing to a run)."""
    cdef const unsigned char* text = <const unsigned char*>node.content
    cdef const unsigned char* start = text
    if text is NULL:
        return True
    while text[0]:
        if text[0] >= 0x80:  # Unicode spaces: let Python decide
            return _utf8(<const char*>start).isspace()
        if text[0] != 0x20 and text[0] != 0x09 and text[0] != 0x0A and text[0] != 0x0D:
            return False
        text += 1
    return True


cdef int _put_nodes_text(Out* out, xmlNode* child) except -1:
    """The content of text nodes from child to the next element (or the end), escaped."""
    while child is not NULL and child.type != tree.XML_ELEMENT_NODE:
        if child.content is not NULL:
            _put_escaped(out, <const unsigned char*>child.content)
        child = child.next
    return 0


cdef bint _has_text(xmlNode* child):
    while child is not NULL:
        if child.content is not NULL and child.content[0] != 0:
            return True
        child = child.next
    return False


cdef int _run_counts(xmlNode* child) except -1:
    """1 when the run of text nodes starting at child is not all whitespace (mixed text)."""
    cdef bint blank = True
    while child is not NULL and child.type != tree.XML_ELEMENT_NODE:
        if not _is_blank(child):
            blank = False
        child = child.next
    return 0 if blank else 1


cdef int _key_char(const Key* key, size_t index) noexcept nogil:
    if key.prefix:
        if index == 0:
            return key.prefix
        index -= 1
    return (<const unsigned char*>key.name)[index]


cdef int _compare_keys(const void* a, const void* b) noexcept nogil:
    cdef const Key* x = <const Key*>a
    cdef const Key* y = <const Key*>b
    cdef size_t index = 0
    cdef int cx, cy
    while True:
        cx = _key_char(x, index)
        cy = _key_char(y, index)
        if cx != cy or cx == 0:
            return cx - cy
        index += 1


cdef int _put_key(Out* out, const Key* key) except -1:
    _put_char(out, b'"')
    if key.prefix:
        _put_char(out, key.prefix)
    _put(out, key.name, strlen(key.name))
    _put(out, b'":', 2)
    return 0


cdef int _put_attribute(Out* out, xmlAttr* attribute) except -1:
    cdef xmlNode* part = attribute.children
    _put_char(out, b'"')
    while part is not NULL:
        if part.content is not NULL:
            _put_escaped(out, <const unsigned char*>part.content)
        part = part.next
    _put_char(out, b'"')
    return 0


cdef int _collect(xmlNode* element, Key* keys, bint* mixed) except -1:
    """The keys of an element's object (attributes, child tags, "#text"), unsorted; their count."""
    cdef int count = 0
    cdef int index
    cdef xmlAttr* attribute = element.properties
    cdef xmlNode* child
    cdef xmlNode* part
    cdef bint found
    cdef bint at_run_start = True
    mixed[0] = False
    while attribute is not NULL:
        if attribute.ns is not NULL:
            raise Unsupported("namespaced attribute")
        part = attribute.children
        while part is not NULL:
            if part.type != tree.XML_TEXT_NODE:
                raise Unsupported("entity reference in an attribute")
            part = part.next
        _add_key(keys, &count, <const char*>attribute.name, KEY_ATTRIBUTE, attribute, NULL, 1)
        attribute = attribute.next
    child = element.children
    while child is not NULL:
        if child.type != tree.XML_ELEMENT_NODE:
            if not _is_text(child):
                raise Unsupported("node type %d" % child.type)
            if at_run_start:
                at_run_start = False
                if not mixed[0] and _run_counts(child):
                    mixed[0] = True
            child = child.next
            continue
        at_run_start = True
        found = False
        for index in range(count):
            if strcmp(keys[index].name, <const char*>child.name) == 0:
                if keys[index].kind == KEY_CHILDREN:
                    keys[index].count += 1
                    found = True
                    break
                keys[index].prefix = b'@'  # the attribute gives way to the element
        if not found:
            _add_key(keys, &count, <const char*>child.name, KEY_CHILDREN, NULL, child, 1)
        child = child.next
    return count


cdef int _put_mixed_text(Out* out, xmlNode* element) except -1:
    """The runs of text between child elements that are not all whitespace, joined."""
    cdef xmlNode* child = element.children
    cdef bint at_run_start = True
    _put_char(out, b'"')
    while child is not NULL:
        if child.type == tree.XML_ELEMENT_NODE:
            at_run_start = True
        elif at_run_start:
            at_run_start = False
            if _run_counts(child):
                _put_nodes_text(out, child)
        child = child.next
    _put_char(out, b'"')
    return 0


cdef int _put_object(Out* out, xmlNode* element, Key* keys, int count, bint as_list,
                     const char* id_digits) except -1:
    cdef int index
    cdef xmlNode* child
    cdef const Key* key
    qsort(keys, count, sizeof(Key), _compare_keys)
    _put_char(out, b'{')
    for index in range(count):
        key = &keys[index]
        if index:
            _put_char(out, b',')
        _put_key(out, key)
        if id_digits is not NULL and key.prefix == 0 and strcmp(key.name, b"id") == 0:
            _put(out, id_digits, strlen(id_digits))
        elif key.kind == KEY_ATTRIBUTE:
            _put_attribute(out, key.attribute)
        elif key.kind == KEY_TEXT:
            if key.count == 0:
                _put_mixed_text(out, element)
            else:  # a leaf's text
                _put_char(out, b'"')
                _put_nodes_text(out, element.children)
                _put_char(out, b'"')
        elif key.count == 1 and not as_list:
            _put_value(out, key.first)
        else:
            _put_char(out, b'[')
            child = key.first
            _put_value(out, child)
            child = child.next
            while child is not NULL:
                if child.type == tree.XML_ELEMENT_NODE and strcmp(<const char*>child.name, key.name) == 0:
                    _put_char(out, b',')
                    _put_value(out, child)
                child = child.next
            _put_char(out, b']')
    _put_char(out, b'}')
    return 0


cdef int _put_value(Out* out, xmlNode* element) except -1:
    cdef Key keys[_MAX_KEYS]
    cdef int count
    cdef bint mixed
    if not _has_elements(element):
        if element.properties is NULL:
            if _has_text(element.children):
                _put_char(out, b'"')
                _put_nodes_text(out, element.children)
                _put_char(out, b'"')
            else:
                _put(out, b"null", 4)
            return 0
        count = _collect(element, keys, &mixed)
        if _has_text(element.children):
            _add_text_key(keys, &count, 1)
        return _put_object(out, element, keys, count, False, NULL)
    count = _collect(element, keys, &mixed)
    if mixed:
        _add_text_key(keys, &count, 0)
    return _put_object(out, element, keys, count, _is_container(<const char*>element.name), NULL)


cdef int _add_key(Key* keys, int* count, const char* name, KeyKind kind, xmlAttr* attribute,
                  xmlNode* first, int found) except -1:
    if not _is_ascii_name(<const unsigned char*>name):
        raise Unsupported("non-ASCII name")
    if count[0] == _MAX_KEYS:
        raise Unsupported("too many keys")
    keys[count[0]].name = name
    keys[count[0]].prefix = 0
    keys[count[0]].kind = kind
    keys[count[0]].attribute = attribute
    keys[count[0]].first = first
    keys[count[0]].count = found
    count[0] += 1
    return 0


cdef int _add_text_key(Key* keys, int* count, int leaf) except -1:
    """The "#text" key; its count says where the text is: 1 a leaf's, 0 mixed content."""
    return _add_key(keys, count, b"#text", KEY_TEXT, NULL, NULL, leaf)


cdef bytes _plain_text(xmlNode* part):
    """The content of a run of text nodes, unescaped."""
    cdef list parts = []
    while part is not NULL and part.type != tree.XML_ELEMENT_NODE:
        if part.content is not NULL:
            parts.append(<bytes>(<const char*>part.content))
        part = part.next
    return b"".join(parts)


cdef bytes _id_digits(const Key* keys, int count, bint as_list):
    """The record id as canonical digits ("0042" -> "42"), or Unsupported."""
    cdef int index
    cdef const Key* key = NULL
    cdef bytes raw
    for index in range(count):
        if keys[index].prefix == 0 and strcmp(keys[index].name, b"id") == 0:
            key = &keys[index]
            break
    if key is NULL:
        raise Unsupported("no id")
    if key.kind == KEY_ATTRIBUTE:
        raw = _plain_text(key.attribute.children)
    elif key.kind == KEY_CHILDREN and key.count == 1 and not as_list:
        if key.first.properties is not NULL or _has_elements(key.first):
            raise Unsupported("id is not text")
        raw = _plain_text(key.first.children)
    else:
        raise Unsupported("id is not text")
    raw = raw.strip(b" \t\n\r")
    if not raw or len(raw) > _MAX_ID_DIGITS or not raw.isdigit():
        raise Unsupported("id is not plain digits")
    return str(int(raw)).encode()


def record_json(cetree._Element element):
    """(id, canonical JSON) of a record element, as element_to_record and canonical_json give
    them; raises Unsupported for what the dict path must decide."""
    cdef xmlNode* node = element._c_node
    cdef Key keys[_MAX_KEYS]
    cdef int count
    cdef bint mixed
    cdef bint as_list
    cdef bytes digits
    cdef Out out
    if not _has_elements(node):
        raise Unsupported("record without child elements")
    count = _collect(node, keys, &mixed)
    if mixed:
        _add_text_key(keys, &count, 0)
    as_list = _is_container(<const char*>node.name)
    digits = _id_digits(keys, count, as_list)
    out.capacity = 8192
    out.length = 0
    out.data = <char*>malloc(out.capacity)
    if out.data is NULL:
        raise MemoryError()
    try:
        _put_object(&out, node, keys, count, as_list, digits)
        return int(digits), PyBytes_FromStringAndSize(out.data, out.length)
    finally:
        free(out.data)
