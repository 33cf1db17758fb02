"""The routes the gateway passes on (`/auth/*`, a document's download) answer a coded 503
in the caller's language when the service behind them cannot be reached, as the routes'
own refusals are shaped (docs/gateway.md). A gateway of the test's own, whose identity
and clients services are a port nobody listens on."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx

from .test_gateway_sampling import gateway


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when the block ends


async def test_an_unreachable_service_behind_a_route_is_a_coded_503(tmp_path: Path) -> None:
    nowhere = f"http://127.0.0.1:{closed_port()}/graphql"
    env = {"IDENTITY_URL": nowhere, "CLIENTS_URL": nowhere}
    async with (
        gateway(tmp_path / "gateway.log", **env) as url,
        httpx.AsyncClient(base_url=url.removesuffix("/graphql"), timeout=30) as http,
    ):
        sign_in = await http.post(
            "/auth/sign-in",
            json={"email": "ana@example.test", "password": "x" * 12},
            headers={"Accept-Language": "es"},
        )
        assert sign_in.status_code == 503
        assert sign_in.headers["retry-after"] == "5"
        body = sign_in.json()
        assert body["error"] == "SERVICE_UNAVAILABLE"
        assert body["params"] == {"service": "identity"}
        assert body["message"].startswith("No se puede contactar con el servicio identity")
        partner = await http.post("/auth/partner-token", headers={"Authorization": "ApiKey k"})
        assert partner.status_code == 503
        assert partner.json()["params"] == {"service": "clients"}
        assert partner.json()["message"] == "the clients service cannot be reached; try again"
