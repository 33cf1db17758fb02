"""Memory per process of the running stack (RSS from /proc), from the local pid files."""

from __future__ import annotations

from bench.common import PIDS, result, rss_mb


def main() -> None:
    for pidfile in sorted(PIDS.glob("*.pid")):
        try:
            pid = int(pidfile.read_text().split()[0])  # "<pid> <start time>"
            result(f"memory: {pidfile.stem}", round(rss_mb(pid)), "MB RSS")
        except (OSError, ValueError):
            print(f"{pidfile.stem:<20} not running")


if __name__ == "__main__":
    main()
