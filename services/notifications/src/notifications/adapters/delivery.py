"""Real delivery: e-mail over SMTP, SMS and push through a provider's HTTP webhook.

Every transport answers the same question — did the provider accept the message? — and
raises `DeliveryError` when it did not. Retrying is the caller's job (`deliver`), so
the transports stay one attempt each.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Protocol

import aiosmtplib
import httpx

from notifications.config import Settings


class DeliveryError(Exception):
    """The provider did not accept the message (this attempt)."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    message_id: str  # stable per triggering event and channel: providers may dedupe on it
    tenant: str
    client_id: str
    channel: str
    to: str
    subject: str | None
    body: str
    template_key: str
    # PUSH: the registered devices as (token, platform); none for an app a partner reports.
    devices: tuple[tuple[str, str], ...] = ()


class Transport(Protocol):
    async def send(self, message: Outgoing) -> None: ...


class SmtpTransport:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def send(self, message: Outgoing) -> None:
        s = self._settings
        mail = EmailMessage()
        mail["From"] = s.smtp_from
        mail["To"] = message.to
        mail["Subject"] = message.subject or ""
        mail["Date"] = formatdate(localtime=False)
        # Stable per event and channel, so a mail system can spot a duplicate.
        mail["Message-ID"] = f"<{re.sub(r'[^A-Za-z0-9_-]', '.', message.message_id)}@notifications>"
        mail["X-Studio-Tenant"] = message.tenant
        mail["X-Studio-Template"] = message.template_key
        mail.set_content(message.body)
        try:
            await aiosmtplib.send(
                mail,
                hostname=s.smtp_host,
                port=s.smtp_port,
                username=s.smtp_username or None,
                password=s.smtp_password or None,
                start_tls=s.smtp_starttls,
                timeout=s.smtp_timeout_seconds,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP {s.smtp_host}:{s.smtp_port}: {exc}") from exc


class WebhookTransport:
    """A provider reached by posting JSON to its webhook (SMS gateways, push services)."""

    def __init__(self, url: str, timeout: float) -> None:
        self._url = url
        self._timeout = timeout

    async def send(self, message: Outgoing) -> None:
        payload: dict[str, object] = {
            "message_id": message.message_id,
            "tenant": message.tenant,
            "client_id": message.client_id,
            "channel": message.channel,
            "to": message.to,
            "subject": message.subject,
            "body": message.body,
            "template_key": message.template_key,
        }
        if message.devices:
            payload["devices"] = [{"token": t, "platform": p} for t, p in message.devices]
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as http:
                response = await http.post(
                    self._url, json=payload, headers={"Idempotency-Key": message.message_id}
                )
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{self._url}: {exc!r}") from exc
        if response.status_code >= 300:
            raise DeliveryError(f"{self._url} answered {response.status_code}")


def transports(settings: Settings) -> dict[str, Transport]:
    return {
        "EMAIL": SmtpTransport(settings),
        "SMS": WebhookTransport(settings.sms_webhook_url, settings.webhook_timeout_seconds),
        "PUSH": WebhookTransport(settings.push_webhook_url, settings.webhook_timeout_seconds),
    }


@dataclass(frozen=True, slots=True)
class Outcome:
    sent: bool
    attempts: int
    error: str | None = None


async def deliver(
    by_channel: Mapping[str, Transport],
    message: Outgoing,
    *,
    attempts: int,
    backoff_seconds: float,
) -> Outcome:
    """Try a message up to `attempts` times, waiting base * 2**n between tries."""
    transport = by_channel[message.channel]
    error = ""
    for attempt in range(1, attempts + 1):
        try:
            await transport.send(message)
            return Outcome(sent=True, attempts=attempt)
        except DeliveryError as exc:
            error = str(exc)
            if attempt < attempts:
                await asyncio.sleep(backoff_seconds * 2 ** (attempt - 1))
    return Outcome(sent=False, attempts=attempts, error=error)
