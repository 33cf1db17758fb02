"""`make bench`: run every benchmark against the running stack, then print one table of
the headline figures (`RESULT` lines) of them all.

Each `bench/<name>.py` runs as its own process with its defaults (`--only NAME` picks
some; `--quick` passes `--quick` to those that accept it for a smaller run). Their own
output streams through as they go.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from bench.common import RESULT_MARK  # noqa: E402

# Helpers, and the soak, which runs on its own (10 minutes).
SKIP = {"run", "common", "__init__", "crm_history", "soak"}


def discover() -> list[Path]:
    return sorted(p for p in HERE.glob("*.py") if p.stem not in SKIP)


async def run_one(path: Path, extra: list[str]) -> tuple[int, list[list[str]]]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-u",
        str(path),
        *extra,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(HERE.parent)},
    )
    assert process.stdout is not None
    rows: list[list[str]] = []
    async for raw in process.stdout:
        line = raw.decode(errors="replace").rstrip("\n")
        if line.startswith(RESULT_MARK):
            rows.append(line[len(RESULT_MARK) :].split("\t"))
        else:
            print(line, flush=True)
    return await process.wait(), rows


async def run(paths: list[Path], extra: list[str]) -> int:
    failed = 0
    table: list[tuple[str, list[str]]] = []
    for path in paths:
        print(f"\n== {path.stem} ==", flush=True)
        started = time.perf_counter()
        status, rows = await run_one(path, extra)
        if status:
            failed += 1
            print(f"!! {path.stem} failed (exit status {status})")
        table.extend((path.stem, row) for row in rows)
        print(f"   ({time.perf_counter() - started:.0f} s)")
    print("\n== figures ==")
    print(f"{'benchmark':<18} {'figure':<52} {'value':>12} {'unit':<8} target")
    for bench, (figure, value, unit, target) in table:
        print(f"{bench:<18} {figure:<52} {value:>12} {unit:<8} {target}")
    return failed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", action="append", default=[])
    args, extra = parser.parse_known_args()
    paths = [p for p in discover() if not args.only or p.stem in args.only]
    raise SystemExit(1 if asyncio.run(run(paths, extra)) else 0)


if __name__ == "__main__":
    main()
