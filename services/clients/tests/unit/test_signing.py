"""C6: a document's signed link says when it stops working, and stops then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from clients.config import Settings
from clients.service_layer.signing import download_url, signing_key, valid


def test_the_link_expires_when_its_expiry_says() -> None:
    settings = Settings(download_url_seconds=300)
    now = datetime(2026, 3, 2, 9, 30, 0, 750000, tzinfo=UTC)
    url, expires_at = download_url(settings, "t1", "c1", "d1", now)
    assert expires_at == datetime(2026, 3, 2, 9, 35, tzinfo=UTC)
    query = parse_qs(urlsplit(url).query)
    expires, sig = int(query["expires"][0]), query["signature"][0]
    assert expires == int(expires_at.timestamp())
    key = signing_key(settings)
    assert valid(key, "t1", "c1", "d1", expires, sig, int(expires_at.timestamp()))
    after = int((expires_at + timedelta(seconds=1)).timestamp())
    assert not valid(key, "t1", "c1", "d1", expires, sig, after)
