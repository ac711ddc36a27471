"""Keep secrets out of logs, errors and health output."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

# scheme://user:password@host -> scheme://user:***@host, wherever it appears in a text.
_URL_PASSWORD = re.compile(
    r"(?P<head>[a-zA-Z][a-zA-Z0-9+.\-]*://[^:/@\s]*:)(?P<password>[^@\s/]+)(?P<tail>@)"
)
# key=value connection strings: password=secret
_KEYVALUE_PASSWORD = re.compile(r"(?i)(?P<head>\bpassword\s*=\s*)(?P<password>[^\s]+)")


def redact_url(url: str) -> str:
    """A URL with its password replaced by ***; the rest kept for diagnosis. Several URLs
    separated by commas (AMQP_CONNECTION of a cluster) come back each redacted."""
    if url.count("://") > 1:
        return ",".join(redact_url(part) for part in url.split(","))
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, f"{user}:***@{host}", parts.path, parts.query, parts.fragment))


def redact_text(text: str) -> str:
    """Every URL password and password=... in free text replaced by ***."""
    if "://" not in text and "password" not in text.lower():
        return text
    text = _URL_PASSWORD.sub(r"\g<head>***\g<tail>", text)
    return _KEYVALUE_PASSWORD.sub(r"\g<head>***", text)
