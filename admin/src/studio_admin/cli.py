"""`studioctl`: administer a studio through the public graph."""

from __future__ import annotations

import json
import os
import time
from datetime import datetime
from pathlib import Path

import httpx
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from studio_admin import jobs, kafka_cli
from studio_admin.demo import steps
from studio_admin.demo.state import DemoState
from studio_admin.graph import DEFAULT_GATEWAY, Graph, GraphError, make_token

app = typer.Typer(help="Administer a studio through the public graph.", no_args_is_help=True)
app.add_typer(kafka_cli.app, name="kafka")
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


IMPORT_MUTATION = (
    "mutation($f: Upload!) { importClients(file: $f) "
    "{ job { id status total } userErrors { field message code } } }"
)
IMPORT_JOB = """query($id: ID!) { importJob(id: $id) {
  status total processed created duplicates errors { row message } } }"""


@app.command("import")
def import_clients(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="The CSV file to import."),
    tenant: str = typer.Option(..., help="The studio (tenant id) to import into."),
    gateway: str | None = typer.Option(None, help="Gateway URL (default: $GATEWAY_URL or local)."),
    show_errors: int = typer.Option(20, help="How many row errors to list at the end."),
) -> None:
    """Import clients from a CSV file (C1), with a progress bar that follows the job."""
    url = gateway_url(gateway)
    headers = {
        "authorization": f"Bearer {make_token(tenant, ['OWNER'], subject='admin-cli-import')}",
        "graphql-preflight": "1",
    }
    operations = {"query": IMPORT_MUTATION, "variables": {"f": None}}
    with httpx.Client(timeout=120, headers=headers) as http:
        with file.open("rb") as handle:
            response = http.post(
                url,
                data={
                    "operations": json.dumps(operations),
                    "map": json.dumps({"0": ["variables.f"]}),
                },
                files={"0": (file.name, handle, "text/csv")},
            )
        body = response.json()
        if body.get("errors"):
            console.print(f"[red]the import was refused:[/] {body['errors'][0]['message']}")
            raise typer.Exit(1)
        payload = body["data"]["importClients"]
        if payload["userErrors"]:
            console.print(f"[red]the import was refused:[/] {payload['userErrors'][0]['message']}")
            raise typer.Exit(1)
        job = payload["job"]
        started = time.monotonic()
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("created {task.fields[created]} · duplicates {task.fields[dups]}"),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task(
                f"importing {file.name}", total=job["total"], created=0, dups=0
            )
            while True:
                polled = http.post(url, json={"query": IMPORT_JOB, "variables": {"id": job["id"]}})
                state = polled.json()["data"]["importJob"]
                progress.update(
                    task,
                    completed=state["processed"],
                    created=state["created"],
                    dups=state["duplicates"],
                )
                if state["status"] != "RUNNING":
                    break
                time.sleep(0.3)
    elapsed = time.monotonic() - started
    problems = state["errors"]
    console.print(
        f"import {state['status'].lower()}: {state['created']} created, "
        f"{state['duplicates']} duplicates, {len(problems) - state['duplicates']} invalid "
        f"of {state['total']} rows in {elapsed:.1f}s"
    )
    for error in problems[:show_errors]:
        console.print(f"  row {error['row']}: {error['message']}")
    if len(problems) > show_errors:
        console.print(f"  … and {len(problems) - show_errors} more")
    if state["status"] != "COMPLETED":
        raise typer.Exit(1)


EXPORT_QUERY = """query($id: ID!) {
  clientExport(id: $id)
  client(id: $id) {
    id
    ranks { category { id name } rank { id name } since visitsInRank daysInRank stripes }
    rankHistory { id category { id name } fromRank { id name } toRank { id name } kind
      trigger actorId note at fromStripes toStripes }
    loyalty { balance balanceValue { amount currency }
      ledger(first: 200) { edges { node { id kind points value { amount currency } branchId
        invoiceNumber sourceType sourceId sourceName note actorId at expiresAt } } } }
    activity { upcomingBookings { id sessionId serviceId serviceName startsAt status fromApp }
      pastBookings(first: 200) { id sessionId serviceId serviceName startsAt status fromApp }
      unpaidSales { id invoiceNumber total { amount currency } paid { amount currency } at }
      memberships { id plan branchId sellerId status validFrom validUntil toleranceDays
        credits { id kind status expiresAt } note }
      giftCards { id code balance { amount currency } expiresAt }
      hasApp appPlatform }
    timeline(first: 200) { edges { node { id at kind summary source } } }
  }
}"""


@app.command("run-job")
def run_job_now(
    name: str = typer.Argument(..., help="The job, e.g. seniority (ranks), birthday_points."),
    service: str = typer.Option("ranks", help=f"The service: {', '.join(jobs.PORTS)}."),
    tenant: str = typer.Option("demo", help="The studio the job runs for."),
    as_of: str | None = typer.Option(
        None, help="The instant it runs as of, ISO with an offset; default: now."
    ),
) -> None:
    """Run a job now for one studio instead of waiting for its next run (outside
    production). `studioctl run-job seniority` promotes the demo studio's clients whose
    time in rank is up (R5)."""
    if service not in jobs.PORTS:
        raise typer.BadParameter(f"unknown service {service!r}; use {list(jobs.PORTS)}")
    try:
        instant = datetime.fromisoformat(as_of) if as_of is not None else None
    except ValueError as exc:
        raise typer.BadParameter(f"--as-of: {exc}") from exc
    if instant is not None and instant.tzinfo is None:
        raise typer.BadParameter("--as-of needs an offset, e.g. 2026-12-06T10:00:00+01:00")
    token = make_token(tenant, ["OWNER"], subject="admin-cli-job")
    try:
        answer = jobs.run_job(service, name, token, instant)
    except (httpx.HTTPError, RuntimeError) as exc:
        console.print(f"[red]the job did not run:[/] {exc}")
        raise typer.Exit(1) from exc
    console.print(f"{service} {name} for [bold]{tenant}[/]: {answer.get('result')}")


@app.command("export-client")
def export_client(
    client_id: str = typer.Argument(..., help="The client's id."),
    tenant: str = typer.Option(..., help="The studio (tenant id) the client belongs to."),
    output: Path | None = typer.Option(None, help="Where to write (default: client-<id>.json)."),
    gateway: str | None = typer.Option(None, help="Gateway URL (default: $GATEWAY_URL or local)."),
) -> None:
    """Export everything every service holds about one client (C12) as one JSON file."""
    url = gateway_url(gateway)
    token = make_token(tenant, ["OWNER"], subject="admin-cli-export")
    with httpx.Client(timeout=120, headers={"authorization": f"Bearer {token}"}) as http:
        body = http.post(url, json={"query": EXPORT_QUERY, "variables": {"id": client_id}}).json()
    data = body.get("data") or {}
    if data.get("client") is None and data.get("clientExport") is None:
        message = (body.get("errors") or [{"message": "unknown client"}])[0]["message"]
        console.print(f"[red]nothing to export:[/] {message}")
        raise typer.Exit(1)
    document = {
        "client_id": client_id,
        "tenant": tenant,
        "clients": json.loads(data["clientExport"]) if data.get("clientExport") else None,
        "graph": data.get("client"),
        # Parts a service could not answer are listed, never silently dropped.
        "errors": body.get("errors") or [],
    }
    target = output or Path(f"client-{client_id}.json")
    target.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    console.print(
        f"wrote [bold]{target}[/]"
        + (f" ([yellow]{len(document['errors'])} parts missing[/])" if document["errors"] else "")
    )
