"""S3 (or an S3-compatible mirror): unsigned ListObjects v1 with paging, plain GET downloads.

``s3://BUCKET[/PREFIX]``: PREFIX defaults to ``data/`` (the Discogs layout ``data/YYYY/``). With
no endpoint setting the bucket is addressed on AWS (virtual-hosted style); with one (a mirror such
as MinIO) path style ``ENDPOINT/BUCKET`` is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

from lxml import etree

from discogsography.dumps.names import ListingEntry
from discogsography.errors import DiscogsographyError

_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


class ListingError(DiscogsographyError):
    """A listing that cannot be understood."""


@dataclass(frozen=True, slots=True)
class S3Location:
    bucket: str
    prefix: str
    base_url: str  # where GET /?prefix=... and GET /<key> go

    def list_url(
        self, prefix: str, *, delimiter: bool, marker: str | None = None, page_size: int | None = None
    ) -> str:
        query = {"prefix": prefix}
        if page_size:
            query["max-keys"] = str(page_size)
        if delimiter:
            query["delimiter"] = "/"
        if marker:
            query["marker"] = marker
        return f"{self.base_url}/?{urlencode(query)}"

    def object_url(self, key: str) -> str:
        return f"{self.base_url}/{quote(key, safe='/')}"


def s3_location(source: str, endpoint: str | None, region: str) -> S3Location:
    parts = urlsplit(source)
    bucket = parts.netloc
    if parts.scheme != "s3" or not bucket:
        raise ListingError(f"not an s3://BUCKET[/PREFIX] source: {source!r}")
    prefix = parts.path.lstrip("/") or "data/"
    if not prefix.endswith("/"):
        prefix += "/"
    base = f"{endpoint.rstrip('/')}/{bucket}" if endpoint else f"https://{bucket}.s3.{region}.amazonaws.com"
    return S3Location(bucket, prefix, base)


@dataclass(slots=True)
class ListPage:
    keys: list[tuple[str, int | None]]
    prefixes: list[str]
    next_marker: str | None  # None: this was the last page


def parse_list_objects(body: bytes) -> ListPage:
    """One ListObjects (v1) response page."""
    try:
        root = etree.fromstring(body, _XML_PARSER)
    except etree.XMLSyntaxError as exc:
        raise ListingError(f"S3 listing is not XML: {exc}") from None
    if etree.QName(root).localname != "ListBucketResult":
        raise ListingError(f"S3 listing has root <{etree.QName(root).localname}>, not <ListBucketResult>")
    keys: list[tuple[str, int | None]] = []
    for contents in root.iterfind("{*}Contents"):
        key = contents.findtext("{*}Key")
        size = contents.findtext("{*}Size")
        if key:
            keys.append((key, int(size) if size and size.isdigit() else None))
    prefixes = [text for p in root.iterfind("{*}CommonPrefixes") if (text := p.findtext("{*}Prefix"))]
    truncated = (root.findtext("{*}IsTruncated") or "false").strip().lower() == "true"
    next_marker = None
    if truncated:
        next_marker = root.findtext("{*}NextMarker") or max([key for key, _ in keys] + prefixes, default=None)
        if not next_marker:
            raise ListingError("S3 listing is truncated but names no marker to continue from")
    return ListPage(keys, prefixes, next_marker)


def entries_from_keys(location: S3Location, keys: list[tuple[str, int | None]]) -> list[ListingEntry]:
    return [
        ListingEntry(name=key.rsplit("/", 1)[-1], location=location.object_url(key), size=size)
        for key, size in keys
        if not key.endswith("/")
    ]
