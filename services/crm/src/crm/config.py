from __future__ import annotations

from plumbing.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service_name: str = "crm"
    http_port: int = 4104
    mongo_db: str = "crm"
