"""How identity reaches the clients service (cards) and notifications (delivery).

Identity has no Kafka (docs/identity.md), and what it needs is an answer now: is there a
card with this verified contact, make a LEAD card, send this code. So it calls the two
services over HTTP the way the gateway does: each request carries the gateway's
signature (`x-gateway-signature`, the secret every subgraph already holds) and a service
token identity signs for itself: ES256 like every access token, `sub` `service:identity`,
role ADMIN of the one studio concerned, 60 seconds. Clients finds a card by its contact
through its internal route `POST /internal/cards-by-contact` (exact and at once, not the
search) and makes a LEAD card through its public graph (`createClient`, source APP);
notifications sends through its internal route `POST /internal/security-messages`. Only
that subject may use either internal route, and the gateway passes neither on.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import structlog
from plumbing.auth import SIGNATURE_HEADER, sign_request
from plumbing.internal_calls import IDENTITY_SERVICE

from identity.adapters.keys import SigningKeys
from identity.domain.codes import same_phone
from identity.domain.people import IdentityRefused
from identity.service_layer.ports import Card, Messenger

log = structlog.get_logger()

SERVICE_SUBJECT = IDENTITY_SERVICE  # what the internal routes accept (plumbing.internal_calls)
SERVICE_TOKEN_SECONDS = 60

_STUDIO = "query StudioName { studio { name } }"
_LEAD = """mutation Lead($input: ClientInput!) {
  createClient(input: $input, source: APP) { client { id } userErrors { code message } }
}"""


class ServiceCalls:
    def __init__(
        self,
        keys: SigningKeys,
        *,
        issuer: str,
        clients_url: str,
        notifications_url: str,
        signing_secret: str,
        timeout: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._keys = keys
        self._issuer = issuer
        self._clients_url = clients_url
        # CLIENTS_URL names the subgraph's /graphql; the internal route is at its origin.
        self._cards_by_contact = str(
            httpx.URL(clients_url).copy_with(path="/internal/cards-by-contact")
        )
        # NOTIFICATIONS_URL may name the subgraph's /graphql (as the gateway reads it) or
        # the service's origin: the route is at the origin either way.
        origin = httpx.URL(notifications_url)
        self._security_messages = str(origin.copy_with(path="/internal/security-messages"))
        self._secret = signing_secret
        self._timeout = timeout
        self._transport = transport  # tests answer in-process

    def service_token(self, studio: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self._issuer,
            "sub": SERVICE_SUBJECT,
            "tenant": studio,
            "roles": ["ADMIN"],
            "iat": now,
            "exp": now + SERVICE_TOKEN_SECONDS,
        }
        return self._keys.sign(claims)

    async def _post(self, url: str, studio: str, payload: dict[str, Any]) -> httpx.Response:
        body = json.dumps(payload).encode()
        authorization = f"Bearer {self.service_token(studio)}"
        target = httpx.URL(url).raw_path.decode()
        headers = {
            "authorization": authorization,
            "content-type": "application/json",
            SIGNATURE_HEADER: sign_request(
                self._secret, method="POST", target=target, authorization=authorization, body=body
            ),
        }
        async with httpx.AsyncClient(timeout=self._timeout, transport=self._transport) as http:
            return await http.post(url, content=body, headers=headers)

    async def _graph(self, studio: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        try:
            response = await self._post(
                self._clients_url, studio, {"query": query, "variables": variables}
            )
            answer: dict[str, Any] = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.error("clients_unreachable", error=repr(exc))
            raise IdentityRefused("the studio cannot be reached now", "UNAVAILABLE") from exc
        if answer.get("errors") or not isinstance(answer.get("data"), dict):
            log.error("clients_refused", errors=answer.get("errors"), status=response.status_code)
            raise IdentityRefused("the studio cannot be reached now", "UNAVAILABLE")
        data: dict[str, Any] = answer["data"]
        return data

    async def holding(self, studio: str, channel: str, contact: str) -> list[Card]:
        payload = {"channel": channel, "contact": contact}
        try:
            response = await self._post(self._cards_by_contact, studio, payload)
            answer: Any = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.error("clients_unreachable", error=repr(exc))
            raise IdentityRefused("the studio cannot be reached now", "UNAVAILABLE") from exc
        if (
            response.status_code != 200
            or not isinstance(answer, dict)
            or not isinstance(answer.get("cards"), list)
        ):
            log.error("clients_refused", status=response.status_code, answer=answer)
            raise IdentityRefused("the studio cannot be reached now", "UNAVAILABLE")
        cards = [Card(str(c["id"]), c.get("email"), c.get("phone")) for c in answer["cards"]]
        # Only exact holders count (the route compares exactly; checked again here).
        if channel == "EMAIL":
            return [c for c in cards if (c.email or "").strip().lower() == contact]
        return [c for c in cards if c.phone and same_phone(c.phone, contact)]

    async def create_lead(
        self,
        studio: str,
        *,
        channel: str,
        contact: str,
        first_name: str,
        last_name: str,
        language: str | None,
    ) -> str:
        values: dict[str, Any] = {"firstName": first_name, "lastName": last_name, "status": "LEAD"}
        values["email" if channel == "EMAIL" else "phone"] = contact
        if language:
            values["language"] = language
        data = await self._graph(studio, _LEAD, {"input": values})
        created = data.get("createClient") or {}
        errors = created.get("userErrors") or []
        if errors or not created.get("client"):
            code = str(errors[0].get("code")) if errors else "UNAVAILABLE"
            message = str(errors[0].get("message")) if errors else "no card was made"
            raise IdentityRefused(message, "SIGN_UP_REFUSED" if errors else code)
        return str(created["client"]["id"])

    async def studio_name(self, studio: str) -> str | None:
        try:
            data = await self._graph(studio, _STUDIO, {})
        except IdentityRefused:
            return None  # logged by `_graph`; the name is only shown
        name = (data.get("studio") or {}).get("name")
        return str(name) if name else None

    async def send_code(
        self, studio: str, *, purpose: str, channel: str, to: str, language: str, code: str
    ) -> None:
        url = self._security_messages
        payload = {"purpose": purpose, "channel": channel, "to": to, "language": language}
        response = await self._post(url, studio, {**payload, "code": code})
        if response.status_code >= 300:
            raise RuntimeError(f"notifications answered {response.status_code}: {response.text}")


class InBackground:
    """Sends in a task of its own and answers at once, so that a request for a code to an
    unknown address (nothing sent) and to a known one take the same time; a failure is
    logged, never shown to the caller."""

    def __init__(self, messenger: Messenger) -> None:
        self._messenger = messenger
        self._tasks: set[asyncio.Task[None]] = set()

    async def send_code(
        self, studio: str, *, purpose: str, channel: str, to: str, language: str, code: str
    ) -> None:
        async def send() -> None:
            try:
                await self._messenger.send_code(
                    studio, purpose=purpose, channel=channel, to=to, language=language, code=code
                )
            except Exception as exc:  # logged; the caller was answered already
                log.error(
                    "security_message_failed", purpose=purpose, channel=channel, error=str(exc)
                )

        task = asyncio.create_task(send())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
