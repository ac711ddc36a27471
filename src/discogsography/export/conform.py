"""A record's value made to fit its Arrow type, for the rare records off the common shape.

The dumps' records almost always fit the schema as they are, and pyarrow converts them in C.
When a batch does not (a text element that gained an attribute, a repeated tag that became a
list), each of its records is passed through ``conform``: nothing is dropped silently, a value
that has no place in the type is kept as its JSON text in the nearest string.
"""

from __future__ import annotations

from typing import Any

import orjson
import pyarrow as pa


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def conform(value: Any, arrow_type: pa.DataType) -> Any:
    if value is None:
        return None
    if pa.types.is_string(arrow_type):
        return value if isinstance(value, str) else _json_text(value)
    if pa.types.is_integer(arrow_type):
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if pa.types.is_list(arrow_type):
        item_type = arrow_type.value_type
        values = value if isinstance(value, list) else [value]
        return [conform(item, item_type) for item in values]
    if pa.types.is_struct(arrow_type):
        names = [arrow_type.field(i).name for i in range(arrow_type.num_fields)]
        if isinstance(value, str):  # text where the element may also carry attributes
            return {"#text": value} if "#text" in names else None
        if isinstance(value, list):  # a repeated element: the first in place, all as JSON text
            first = conform(value[0], arrow_type) if value else None
            if first is not None and "#text" in names:
                first["#text"] = _json_text(value)
            return first
        if isinstance(value, dict):
            return {
                arrow_type.field(i).name: conform(
                    value.get(arrow_type.field(i).name), arrow_type.field(i).type
                )
                for i in range(arrow_type.num_fields)
            }
    return None
