"""Write the contracts the code defines: each subgraph's SDL and each event's JSON Schema.

    uv run python scripts/export_contracts.py          # write
    uv run python scripts/export_contracts.py --check  # exit 1 if a committed file is stale

Tests run the same comparison, so a stale contract fails the build.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

from plumbing.contracts import Catalog
from plumbing.runner import sdl

ROOT = Path(__file__).resolve().parents[1]
CONTEXTS = ["clients", "ranks", "loyalty", "crm", "notifications", "identity"]


def catalogs() -> dict[str, Catalog]:
    return {ctx: importlib.import_module(f"{ctx}.events").catalog for ctx in CONTEXTS}


def expected_files() -> dict[Path, str]:
    files: dict[Path, str] = {}
    for ctx in CONTEXTS:
        service = importlib.import_module(f"{ctx}.entrypoints.service")
        files[ROOT / "services" / ctx / "schema.graphql"] = sdl(service.definition())
    index: list[dict[str, Any]] = []
    for ctx, catalog in catalogs().items():
        for name, schema in catalog.json_schemas().items():
            files[ROOT / "docs" / "events" / f"{name}.json"] = (
                json.dumps(schema, indent=2, sort_keys=True) + "\n"
            )
            index.append({"type": name, "topic": schema["x-topic"], "producer": f"services/{ctx}"})
    files[ROOT / "docs" / "events" / "index.json"] = json.dumps(index, indent=2) + "\n"
    files[EVENT_TYPES] = event_types_module(sorted(entry["type"] for entry in index))
    return files


EVENT_TYPES = ROOT / "libs" / "plumbing" / "src" / "plumbing" / "event_types.py"


def event_types_module(names: list[str]) -> str:
    """The platform's event types as plumbing reads them at run time (a consumer image
    holds one service's code, not every catalog)."""
    lines = "".join(f'        "{name}",\n' for name in names)
    return (
        '"""Every event type of the platform\'s contract, from each context\'s catalog (written\n'
        "by `make schema`, checked against the code by tests/platform/test_event_contracts.py).\n"
        "\n"
        "A consumer skips a type it does not read when it is here (a topic carries many types)\n"
        "and parks one that is not (`UNKNOWN_TYPE`): a type nobody publishes, or a version\n"
        "newer than this build.\n"
        '"""\n'
        "\n"
        "from __future__ import annotations\n"
        "\n"
        "KNOWN: frozenset[str] = frozenset(\n"
        "    {\n"
        f"{lines}"
        "    }\n"
        ")\n"
    )


def stale(files: dict[Path, str]) -> list[str]:
    problems = [
        str(p.relative_to(ROOT))
        for p, text in files.items()
        if not p.exists() or p.read_text() != text
    ]
    known = set(files)
    problems += [
        f"{p.relative_to(ROOT)} (no longer produced)"
        for p in (ROOT / "docs" / "events").glob("*.json")
        if p not in known
    ]
    return problems


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    files = expected_files()
    if args.check:
        problems = stale(files)
        for problem in problems:
            print(f"stale: {problem}", file=sys.stderr)
        return 1 if problems else 0
    for path in (ROOT / "docs" / "events").glob("*.json"):
        if path not in files:
            path.unlink()
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
