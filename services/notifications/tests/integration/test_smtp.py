"""E-mail really goes over SMTP: the transport against the sink, both on this machine."""

from __future__ import annotations

import socket
from pathlib import Path

from aiosmtpd.controller import Controller
from notifications.adapters.delivery import DeliveryError, Outgoing, SmtpTransport
from notifications.config import Settings
from notifications.sinks import MailStore, received_mail


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def test_a_mail_reaches_the_sink_with_its_envelope_and_headers(tmp_path: Path) -> None:
    port = free_port()
    controller = Controller(MailStore(tmp_path), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        transport = SmtpTransport(Settings(smtp_port=port, smtp_from="dojo@example.com"))
        await transport.send(
            Outgoing(
                "t1:ev|EMAIL", "t1", "c1", "EMAIL", "ana@example.com", "¡Hola!", "Cinturón", "k"
            )
        )
    finally:
        controller.stop()
    [mail] = received_mail("ana@example.com", tmp_path)
    assert mail["record"]["mail_from"] == "dojo@example.com"
    assert (mail["subject"], mail["body"].strip()) == ("¡Hola!", "Cinturón")
    assert mail["headers"]["Message-ID"] == "<t1.ev.EMAIL@notifications>"


async def test_a_server_that_is_not_there_is_a_delivery_error() -> None:
    transport = SmtpTransport(Settings(smtp_port=free_port(), smtp_timeout_seconds=2))
    try:
        await transport.send(Outgoing("x", "t", "c", "EMAIL", "a@example.com", None, "b", "k"))
    except DeliveryError as exc:
        assert "SMTP 127.0.0.1" in str(exc)
    else:
        raise AssertionError("sending to a closed port must fail")
