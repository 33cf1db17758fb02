"""Memory per process of the running stack (RSS from /proc), from the local pid files."""

from __future__ import annotations

from pathlib import Path

from bench.common import rss_mb

PIDS = Path(__file__).resolve().parents[1] / ".data" / "pids"


async def main() -> None:
    for pidfile in sorted(PIDS.glob("*.pid")):
        try:
            pid = int(pidfile.read_text().split()[0])  # "<pid> <start time>"
            print(f"{pidfile.stem:<20} {rss_mb(pid):>8.0f} MB")
        except (OSError, ValueError):
            print(f"{pidfile.stem:<20} not running")
