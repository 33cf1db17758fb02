"""`<ctx>-service api|consumer|relay|all|sdl`: run one process of a service.

`sdl` prints the subgraph's SDL (what `services/<ctx>/schema.graphql` must hold).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

import uvicorn

from plumbing.app import ProcessRole, ServiceDefinition, create_app
from plumbing.settings import ServiceSettings


def main(definition: Callable[[], ServiceDefinition], settings: ServiceSettings) -> None:
    parser = argparse.ArgumentParser(prog=f"{settings.service_name}-service")
    roles = [r.value for r in ProcessRole]
    parser.add_argument("role", choices=[*roles, "sdl"], nargs="?", default="all")
    args = parser.parse_args()
    if args.role == "sdl":
        sys.stdout.write(sdl(definition()))
        return
    app = create_app(definition(), settings, ProcessRole(args.role))
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_level="warning",
        access_log=False,
        lifespan="on",
    )


def sdl(definition: ServiceDefinition) -> str:
    return definition.schema.as_str().rstrip() + "\n"
