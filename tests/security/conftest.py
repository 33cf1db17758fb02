from __future__ import annotations

import httpx
import pytest
from plumbing.testing import GATEWAY_URL


@pytest.fixture(scope="session", autouse=True)
def stack_is_up() -> None:
    try:
        httpx.get(GATEWAY_URL.replace("/graphql", "/healthcheck"), timeout=5).raise_for_status()
    except httpx.HTTPError as exc:
        pytest.fail(f"the local stack is not running ({exc}); start it with `make up`")
