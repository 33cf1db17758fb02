from __future__ import annotations

from plumbing.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service_name: str = "clients"
    http_port: int = 4101
    mongo_db: str = "clients"
