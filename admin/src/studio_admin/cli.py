"""`studioctl`: administer a studio through the public graph."""

from __future__ import annotations

import os
import time

import typer
from rich.console import Console
from rich.progress import Progress

from studio_admin.demo import steps
from studio_admin.demo.state import DemoState
from studio_admin.graph import DEFAULT_GATEWAY, Graph, GraphError, make_token

app = typer.Typer(help="Administer a studio through the public graph.", no_args_is_help=True)
console = Console(stderr=True)
ROLES = ["OWNER", "ADMIN", "OPERATOR", "CLIENT", "PARTNER"]
ROLES_HELP = "Roles (repeatable): " + ", ".join(ROLES)


def gateway_url(value: str | None) -> str:
    return value or os.environ.get("GATEWAY_URL", DEFAULT_GATEWAY)


@app.command()
def token(
    tenant: str = typer.Option("demo", help="The studio (tenant id) the token is for."),
    role: list[str] = typer.Option(["OWNER"], help=ROLES_HELP),
    client_id: str | None = typer.Option(
        None, help="For the CLIENT role: the client card it belongs to."
    ),
    subject: str = typer.Option("admin-cli", help="Who the token speaks for."),
    hours: int = typer.Option(12, min=1, max=24 * 30, help="How long the token is valid."),
) -> None:
    """Print a signed JWT for the local stack (HS256, the stack's generated secret)."""
    unknown = [r for r in role if r not in ROLES]
    if unknown:
        raise typer.BadParameter(f"unknown role(s) {unknown}; use {ROLES}")
    typer.echo(
        make_token(tenant, role, subject=subject, client_id=client_id, ttl_seconds=hours * 3600)
    )


@app.command()
def demo(
    tenant: str = typer.Option("demo", help="The demo studio's tenant id."),
    if_missing: bool = typer.Option(False, help="Do nothing if the studio already has clients."),
    gateway: str | None = typer.Option(None, help="Gateway URL (default: $GATEWAY_URL or local)."),
) -> None:
    """Fill a demo studio with real-looking data, through the public graph."""
    graph = Graph(gateway_url(gateway), make_token(tenant, ["OWNER"], subject="demo-loader"))
    try:
        existing = graph("{ clients(first: 1) { totalCount } }")["clients"]["totalCount"]
        if if_missing and existing:
            console.print(
                f"demo studio [bold]{tenant}[/] already has {existing} clients: left as it is"
            )
            return
        state = DemoState(tenant=tenant)
        started = time.monotonic()
        plan = steps()
        with Progress(console=console) as progress:
            task = progress.add_task("demo studio", total=len(plan))
            for label, step in plan:
                progress.update(task, description=label)
                step(graph, state)
                progress.advance(task)
        console.print(
            f"demo studio [bold]{tenant}[/] filled: {len(state.client_ids)} clients "
            f"in {time.monotonic() - started:.1f}s"
        )
    except GraphError as exc:
        console.print(f"[red]the graph refused the demo data:[/] {exc}")
        raise typer.Exit(1) from exc
    finally:
        graph.close()
