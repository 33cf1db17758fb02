"""`studioctl run-job`: run a service's periodic job now for one studio, on the local stack
(or any stack outside production), through the service's `/_dev/jobs/<name>` route."""

from __future__ import annotations

import os
from datetime import datetime

import httpx

# Where each service listens on the local stack; `<SERVICE>_URL` (the subgraph URL the
# gateway is given) wins when set.
PORTS = {"clients": 4101, "ranks": 4102, "loyalty": 4103, "crm": 4104, "notifications": 4105}


def service_base(service: str) -> str:
    found = os.environ.get(f"{service.upper()}_URL")
    if found:
        return found.removesuffix("/graphql").rstrip("/")
    return f"http://127.0.0.1:{PORTS[service]}"


def run_job(service: str, name: str, token: str, as_of: datetime | None) -> dict[str, object]:
    """The job's answer, e.g. `{"tenants": 1, "checked": 1, "changed": 1}` for seniority."""
    body = {"as_of": as_of.isoformat()} if as_of is not None else {}
    response = httpx.post(
        f"{service_base(service)}/_dev/jobs/{name}",
        json=body,
        headers={"authorization": f"Bearer {token}"},
        timeout=120,
    )
    if response.status_code != 200:
        raise RuntimeError(f"{service} answered {response.status_code}: {response.text[:300]}")
    answer: dict[str, object] = response.json()
    return answer
