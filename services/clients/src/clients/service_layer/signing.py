"""Short-lived signed download URLs for client documents (C6).

The URL names the tenant, the client and the document and carries an expiry and an
HMAC over all four: whoever holds it may download that one file until it expires, with
no token (browsers follow it directly); nothing else can be derived from it.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from urllib.parse import quote

from plumbing.settings import ServiceSettings


def signing_key(settings: ServiceSettings) -> bytes:
    own = str(getattr(settings, "download_url_secret", "") or "")
    if own:
        return own.encode()
    return hmac.new(settings.jwt_secret.encode(), b"clients-download-urls", hashlib.sha256).digest()


def signature(key: bytes, tenant: str, client_id: str, document_id: str, expires: int) -> str:
    message = f"{tenant}\n{client_id}\n{document_id}\n{expires}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def download_url(
    settings: ServiceSettings, tenant: str, client_id: str, document_id: str, now: datetime
) -> tuple[str, datetime]:
    """The signed link and the moment it stops working (whole seconds, as signed)."""
    base = str(getattr(settings, "public_base_url", "")).rstrip("/")
    seconds = int(getattr(settings, "download_url_seconds", 300))
    expires = int(now.timestamp()) + seconds
    sig = signature(signing_key(settings), tenant, client_id, document_id, expires)
    path = "/".join(quote(p, safe="") for p in (tenant, client_id, document_id))
    url = f"{base}/documents/{path}?expires={expires}&signature={sig}"
    return url, datetime.fromtimestamp(expires, UTC)


def valid(
    key: bytes, tenant: str, client_id: str, document_id: str, expires: int, sig: str, now: int
) -> bool:
    if expires < now:
        return False
    expected = signature(key, tenant, client_id, document_id, expires)
    return hmac.compare_digest(expected, sig)
