from __future__ import annotations

from plumbing.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service_name: str = "notifications"
    http_port: int = 4105
    mongo_db: str = "notifications"

    # E-mail goes over SMTP; the defaults point at the local sink (notifications-smtp-sink).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    smtp_from: str = "studio@notifications.localhost"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    # SMS and push go to a provider's HTTP webhook (locally: notifications-webhook-sink).
    sms_webhook_url: str = "http://127.0.0.1:2526/sms"
    push_webhook_url: str = "http://127.0.0.1:2526/push"
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    # Each message is tried this many times, waiting base * 2**n between tries.
    delivery_attempts: int = Field(default=3, ge=1)
    delivery_backoff_seconds: float = Field(default=0.5, ge=0)
