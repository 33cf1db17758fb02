from __future__ import annotations

from plumbing.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service_name: str = "clients"
    http_port: int = 4101
    mongo_db: str = "clients"

    # Where callers reach this service's download route (signed document URLs point here):
    # the gateway, which passes `/documents/...` on to this service.
    public_base_url: str = "http://127.0.0.1:4000"
    # How long a signed download URL stays valid.
    download_url_seconds: int = Field(default=300, gt=0, le=3600)
    # Signs download URLs; empty means "derive from JWT_SECRET".
    download_url_secret: str = ""
    # C6 documents: the largest file accepted.
    max_document_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    # C1 imports: the largest CSV accepted and its most rows.
    max_import_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    max_import_rows: int = Field(default=50_000, gt=0)
