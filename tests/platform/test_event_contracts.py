"""Every event type's JSON Schema is published under docs/events/ and up to date."""

from __future__ import annotations

import importlib.util
import json
import sys

import jsonschema
import pytest
from plumbing.testing import ROOT

spec = importlib.util.spec_from_file_location(
    "export_contracts", ROOT / "scripts" / "export_contracts.py"
)
assert spec and spec.loader
export = importlib.util.module_from_spec(spec)
sys.modules["export_contracts"] = export
spec.loader.exec_module(export)


def test_committed_contracts_match_the_code() -> None:
    assert export.stale(export.expected_files()) == [], "run `make schema`"


def test_a_changed_contract_is_detected(tmp_path: object) -> None:
    files = export.expected_files()
    path = next(p for p in files if p.suffix == ".json" and p.name != "index.json")
    changed = {**files, path: files[path].replace('"type"', '"kind"', 1)}
    assert str(path.relative_to(ROOT)) in export.stale(changed)


@pytest.mark.parametrize(
    "path", sorted((ROOT / "docs" / "events").glob("*.v*.json")), ids=lambda p: p.stem
)
def test_each_schema_is_valid_json_schema_for_its_topic(path: object) -> None:
    schema = json.loads(path.read_text())  # type: ignore[attr-defined]
    jsonschema.Draft202012Validator.check_schema(schema)
    context, _, version = schema["title"].split(".")
    assert version.startswith("v")
    assert schema["x-topic"].startswith((context, "ingest."))
