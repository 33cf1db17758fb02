"""Local stand-ins for the outside world, for development and the end-to-end tests.

- `notifications-smtp-sink`: an SMTP server (aiosmtpd) on 127.0.0.1:2525 that keeps
  every message it receives as one JSON file under `<repo>/.data/mail/` (envelope
  sender, envelope recipients, the raw message).
- `notifications-webhook-sink`: an HTTP receiver on 127.0.0.1:2526 standing in for SMS
  and push providers; every POST is kept as one JSON file under `<repo>/.data/webhooks/`
  (path, headers, body). `POST /fail/<n>/...` answers 503 n times per idempotency key
  first, to exercise retries.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[4]


def _write(directory: Path, record: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.json"
    tmp = directory / f".{name}.tmp"
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1))
    # Renamed into place: a reader never sees half a file.
    final = directory / name
    os.replace(tmp, final)
    return final


class MailStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content or b""
        raw = content.decode("utf-8", errors="replace") if isinstance(content, bytes) else content
        _write(
            self.directory,
            {
                "mail_from": envelope.mail_from,
                "rcpt_tos": list(envelope.rcpt_tos),
                "received_at": datetime.now(UTC).isoformat(),
                "raw": raw,
            },
        )
        return "250 Message accepted for delivery"


def _wait_for_signal() -> None:
    async def forever() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()

    asyncio.run(forever())


def smtp_sink() -> None:
    from aiosmtpd.controller import Controller

    parser = argparse.ArgumentParser(prog="notifications-smtp-sink")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--dir", type=Path, default=ROOT / ".data" / "mail")
    args = parser.parse_args()
    controller = Controller(MailStore(args.dir), hostname=args.host, port=args.port)
    controller.start()
    print(f"smtp sink on {args.host}:{args.port}, writing to {args.dir}", flush=True)
    try:
        _wait_for_signal()
    finally:
        controller.stop()


def webhook_app(directory: Path) -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    failures: dict[str, int] = {}

    async def receive(request: Request) -> JSONResponse:
        path = "/" + request.path_params["path"]
        raw = await request.body()
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", errors="replace")
        parts = path.strip("/").split("/")
        if len(parts) >= 2 and parts[0] == "fail" and parts[1].isdigit():
            key = request.headers.get("idempotency-key", "")
            failures[key] = failures.get(key, 0) + 1
            if failures[key] <= int(parts[1]):
                return JSONResponse({"error": "try again"}, status_code=503)
        _write(
            directory,
            {
                "path": path,
                "headers": {k: v for k, v in request.headers.items() if k != "authorization"},
                "received_at": datetime.now(UTC).isoformat(),
                "body": body,
            },
        )
        return JSONResponse({"accepted": True})

    return Starlette(routes=[Route("/{path:path}", receive, methods=["POST"])])


def webhook_sink() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(prog="notifications-webhook-sink")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2526)
    parser.add_argument("--dir", type=Path, default=ROOT / ".data" / "webhooks")
    args = parser.parse_args()
    print(f"webhook sink on {args.host}:{args.port}, writing to {args.dir}", flush=True)
    uvicorn.run(webhook_app(args.dir), host=args.host, port=args.port, log_level="warning")


def received_mail(recipient: str, directory: Path | None = None) -> list[dict[str, Any]]:
    """Messages the SMTP sink received for `recipient`, oldest first, parsed: `to`,
    `subject`, `body`, `headers` and the raw record."""
    from email import message_from_bytes, policy
    from email.message import EmailMessage

    found: list[dict[str, Any]] = []
    for path in sorted((directory or ROOT / ".data" / "mail").glob("*.json")):
        record = json.loads(path.read_text())
        if recipient.lower() not in [r.lower() for r in record["rcpt_tos"]]:
            continue
        mail = message_from_bytes(record["raw"].encode("utf-8"), policy=policy.default)
        assert isinstance(mail, EmailMessage)
        part = mail.get_body(preferencelist=("plain",))
        found.append(
            {
                "to": record["rcpt_tos"],
                "subject": str(mail["Subject"] or ""),
                "body": part.get_content() if part is not None else "",
                "headers": dict(mail.items()),
                "record": record,
            }
        )
    return found


def received_webhooks(to: str, directory: Path | None = None) -> list[dict[str, Any]]:
    """What the webhook sink received addressed to `to` (a phone number or client id)."""
    found: list[dict[str, Any]] = []
    for path in sorted((directory or ROOT / ".data" / "webhooks").glob("*.json")):
        record = json.loads(path.read_text())
        body = record.get("body")
        if isinstance(body, dict) and body.get("to") == to:
            found.append(record)
    return found
