"""The URLs an answer carries: our own API's resource URLs and the discogs.com page URIs.

``resource_url``s point at this server (its public base URL), so a client following them stays
here; ``uri``s point at the Discogs web site, as the API gives them: ``/release/{id}-{slug}``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

WEB_SITE = "https://www.discogs.com"

# The kinds' path segments: plural in the API, singular on the web site.
_API_PATHS = {"release": "releases", "master": "masters", "artist": "artists", "label": "labels"}

# Slug rules read off the site's URLs ("AC/DC" -> "ACDC", "Mr. James Barth & A.D." ->
# "Mr-James-Barth-AD"): punctuation goes, runs of spaces and hyphens become one hyphen, letters
# of any script stay (percent-encoded in the URI).
_PUNCTUATION = re.compile(r"[^\w\s-]|_")
_SEPARATORS = re.compile(r"[\s-]+")


def slug(title: str) -> str:
    """The web site's slug of a name or title; "" when nothing is left."""
    kept = _PUNCTUATION.sub("", unicodedata.normalize("NFC", title))
    return "-".join(part for part in _SEPARATORS.split(kept) if part)


@dataclass(frozen=True)
class Links:
    """URLs for one server, built from its public base URL (e.g. "http://127.0.0.1:8080")."""

    base_url: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))

    def resource_url(self, kind: str, entity_id: int) -> str:
        """Our API's URL of one release, master, artist or label (``kind`` singular)."""
        return f"{self.base_url}/{_API_PATHS[kind]}/{entity_id}"

    # One f-string each: an answer builds dozens of these (every credit, label and company).
    def release(self, release_id: int) -> str:
        return f"{self.base_url}/releases/{release_id}"

    def master(self, master_id: int) -> str:
        return f"{self.base_url}/masters/{master_id}"

    def artist(self, artist_id: int) -> str:
        return f"{self.base_url}/artists/{artist_id}"

    def label(self, label_id: int) -> str:
        return f"{self.base_url}/labels/{label_id}"

    def master_versions(self, master_id: int) -> str:
        return f"{self.master(master_id)}/versions"

    def artist_releases(self, artist_id: int) -> str:
        return f"{self.artist(artist_id)}/releases"

    def label_releases(self, label_id: int) -> str:
        return f"{self.label(label_id)}/releases"

    @staticmethod
    def web_path(kind: str, entity_id: int, title: str) -> str:
        """The web site's path of an entity, as search results give it: "/release/1-Slug"."""
        page_slug = quote(slug(title), safe="-")
        return f"/{kind}/{entity_id}-{page_slug}" if page_slug else f"/{kind}/{entity_id}"

    @classmethod
    def uri(cls, kind: str, entity_id: int, title: str) -> str:
        """The discogs.com page of an entity, as the API's ``uri`` gives it."""
        return WEB_SITE + cls.web_path(kind, entity_id, title)
