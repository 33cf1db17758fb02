"""`make bench`: run every benchmark against the running stack and print its figures.

Each `bench/<name>.py` with a `main()` coroutine is one benchmark; `--only NAME` runs one.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import inspect
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def discover() -> list[Path]:
    return sorted(p for p in HERE.glob("*.py") if p.stem not in {"run", "common", "__init__"})


async def run(paths: list[Path]) -> int:
    failed = 0
    sys.path.insert(0, str(HERE.parent))
    for path in paths:
        spec = importlib.util.spec_from_file_location(f"bench.{path.stem}", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if not hasattr(module, "main"):
            continue
        print(f"\n== {path.stem} ==", flush=True)
        started = time.perf_counter()
        try:
            if inspect.iscoroutinefunction(module.main):
                await module.main()
            else:  # a script with its own arguments: run it with its defaults
                process = await asyncio.create_subprocess_exec(sys.executable, str(path))
                if await process.wait():
                    raise RuntimeError(f"exit status {process.returncode}")
        except Exception as exc:
            failed += 1
            print(f"!! {path.stem} failed: {exc!r}")
        print(f"   ({time.perf_counter() - started:.0f} s)")
    return failed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", action="append", default=[])
    args = parser.parse_args()
    paths = [p for p in discover() if not args.only or p.stem in args.only]
    raise SystemExit(1 if asyncio.run(run(paths)) else 0)


if __name__ == "__main__":
    main()
