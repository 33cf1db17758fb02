"""`studioctl kafka`: the platform's Kafka users, for the platform's operator.

A partner system that writes its facts straight onto Kafka (instead of through the graph)
gets a Kafka user of its own for one of its studio's partner keys: `grant-partner`
creates the user, its topics (one per ingest scope of the key) and the ACLs that allow it
to write those topics and nothing else, and prints what the partner configures.
"""

from __future__ import annotations

import os
import secrets

import httpx
import typer
from confluent_kafka.admin import AdminClient
from rich.console import Console

from studio_admin import kafka_access
from studio_admin.graph import make_token, repo_root

app = typer.Typer(help="Kafka users and ACLs (operator).", no_args_is_help=True)
console = Console(stderr=True)

KEYS_QUERY = "{ partnerKeys { id name scopes revokedAt } }"


def _admin() -> AdminClient:
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092")
    user = os.environ.get("KAFKA_ADMIN_USER", "operator")
    password = os.environ.get("KAFKA_ADMIN_PASSWORD")
    if password is None:
        path = repo_root() / ".data" / "secrets" / "kafka" / user
        if not path.exists():
            raise SystemExit("set KAFKA_ADMIN_PASSWORD (or start the local stack with `make up`)")
        password = path.read_text().strip()
    protocol = os.environ.get("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    return kafka_access.admin_client(bootstrap, user, password, protocol)


def _key_scopes(tenant: str, key_id: str, gateway: str) -> list[str]:
    token = make_token(tenant, ["OWNER"], subject="admin-cli-kafka")
    with httpx.Client(timeout=30, headers={"authorization": f"Bearer {token}"}) as http:
        body = http.post(gateway, json={"query": KEYS_QUERY}).json()
    for key in (body.get("data") or {}).get("partnerKeys") or []:
        if key["id"] == key_id:
            if key.get("revokedAt"):
                raise SystemExit(f"partner key {key_id} was revoked")
            return [kafka_access.scope_name(s) for s in key["scopes"]]
    raise SystemExit(f"studio {tenant!r} has no partner key {key_id!r}")


@app.command("grant-partner")
def grant_partner(
    tenant: str = typer.Option(..., help="The studio (tenant id) the key belongs to."),
    key: str = typer.Option(..., help="The partner key's id (partnerKeys in the graph)."),
    partitions: int = typer.Option(3, help="Partitions of each new topic."),
    gateway: str = typer.Option(
        os.environ.get("GATEWAY_URL", "http://127.0.0.1:4000/graphql"), help="Gateway URL."
    ),
) -> None:
    """Let a partner key write its studio's facts straight onto Kafka."""
    scopes = _key_scopes(tenant, key, gateway)
    password = secrets.token_urlsafe(32)
    names = kafka_access.grant_partner(_admin(), tenant, key, scopes, password, partitions)
    console.print(f"[green]Kafka user {kafka_access.partner_user(key)} may write:[/]")
    for name in names:
        console.print(f"  {name}")
    typer.echo("security.protocol=SASL_PLAINTEXT")
    typer.echo(f"sasl.mechanism={kafka_access.MECHANISM}")
    typer.echo(f"sasl.username={kafka_access.partner_user(key)}")
    typer.echo(f"sasl.password={password}")
    typer.echo(f"topics={','.join(names)}")


@app.command("revoke-partner")
def revoke_partner(key: str = typer.Option(..., help="The partner key's id.")) -> None:
    """Remove a partner key's Kafka user and ACLs (its topics and their facts stay)."""
    kafka_access.revoke_partner(_admin(), key)
    console.print(f"[green]Kafka user {kafka_access.partner_user(key)} removed[/]")


@app.command("script")
def script() -> None:
    """Print the topics, users and ACLs as a script for the Kafka image's tools."""
    typer.echo(kafka_access.shell_script(), nl=False)
