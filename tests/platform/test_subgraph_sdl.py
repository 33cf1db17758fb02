"""Each subgraph's committed SDL is exactly what its code prints (`make schema` rewrites)."""

from __future__ import annotations

import importlib

import pytest
from plumbing.runner import sdl
from plumbing.testing import ROOT

CONTEXTS = ["clients", "ranks", "loyalty", "crm", "notifications"]


@pytest.mark.parametrize("context", CONTEXTS)
def test_committed_sdl_matches_the_code(context: str) -> None:
    service = importlib.import_module(f"{context}.entrypoints.service")
    printed = sdl(service.definition())
    committed = (ROOT / "services" / context / "schema.graphql").read_text()
    assert printed == committed, f"services/{context}/schema.graphql is stale: run `make schema`"


@pytest.mark.parametrize("context", CONTEXTS)
def test_sdl_pins_a_federation_version_the_composer_accepts(context: str) -> None:
    committed = (ROOT / "services" / context / "schema.graphql").read_text()
    assert 'url: "https://specs.apollo.dev/federation/v2.9"' in committed
    assert '@key(fields: "id")' in committed and "type Client" in committed
