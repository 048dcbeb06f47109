"""``cccd keys create|list|revoke`` and ``cccd purge``: the database side of ``cccd serve`` (docs/service.md).

``--db`` defaults to ``$CCCD_SERVICE_DB``, else the same SQLite file ``cccd serve``
uses (``cccd-service.db`` in the working folder). The schema is migrated first.
A new key is printed once on stdout and never again (only its digest is stored).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import click

from cccd_chip.errors import UsageError

from .. import render

if TYPE_CHECKING:
    from cccd_chip.service.repository import Repository

DB_ENV = "CCCD_SERVICE_DB"


def db_option(f: Any) -> Any:
    from cccd_chip.service import DEFAULT_DB_URL as DEFAULT_URL

    return click.option("--db", "db_url", envvar=DB_ENV, default=DEFAULT_URL, show_default=True,
                        help=f"Database URL (sqlite:///FILE or postgresql://...; env {DB_ENV}).")(f)


def _repo(db_url: str) -> "Repository":
    try:
        from cccd_chip.service.repository import Repository
    except ImportError:
        raise UsageError("the service needs its extra: pip install 'cccd-chip[service]'") from None
    return Repository.open(db_url)


@click.group()
def keys() -> None:
    """API keys of `cccd serve` (stored hashed)."""


@keys.command("create")
@db_option
@click.option("--name", required=True, help="Who or what uses the key (e.g. the app's name).")
@click.option("--scope", type=click.Choice(["verify", "admin"]), default="verify", show_default=True,
              help="verify: POST/GET verifications; admin: also add trust material.")
def keys_create(db_url: str, name: str, scope: str) -> int:
    """Create a key and print it once."""
    repo = _repo(db_url)
    try:
        key, full = repo.create_key(name, scope)
    finally:
        repo.close()
    click.echo(full)
    click.echo(f"cccd keys: created key {key.key_id} ({key.scope}) for {key.name!r}; it is shown only now",
               err=True)
    return 0


@keys.command("list")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
def keys_list(db_url: str, as_json: bool) -> int:
    """List keys (id, name, scope, created, revoked); never the keys themselves."""
    repo = _repo(db_url)
    try:
        items = repo.list_keys()
    finally:
        repo.close()
    if as_json:
        render.print_json({"schema": "cccd-keys/1", "keys": [k.to_json() for k in items]})
    else:
        for k in items:
            state = "active" if k.active else f"revoked {k.revoked_at:%Y-%m-%d %H:%M}"
            click.echo(f"{k.key_id}  {k.scope:<6}  {k.created_at:%Y-%m-%d %H:%M}  {state}  {k.name}")
    return 0


@keys.command("revoke")
@db_option
@click.argument("key")
def keys_revoke(db_url: str, key: str) -> int:
    """Revoke a key by its key id or name (takes effect on the next request)."""
    repo = _repo(db_url)
    try:
        n = repo.revoke_key(key)
    finally:
        repo.close()
    if not n:
        raise UsageError("no active key with that id or name")
    click.echo(f"cccd keys: revoked {n} key(s)", err=True)
    return 0


@click.command()
@db_option
@click.option("--older-than", "days", type=click.IntRange(0, 36500), required=True, metavar="DAYS",
              help="Delete records created more than DAYS days ago.")
@click.option("--dumps-only", is_flag=True, help="Keep the records, delete only their stored (sealed) dumps.")
def purge(db_url: str, days: int, dumps_only: bool) -> int:
    """Retention: delete old verification records (or only their stored dumps)."""
    repo = _repo(db_url)
    before = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)
    try:
        n = repo.purge(before, dumps_only=dumps_only)
    finally:
        repo.close()
    what = "stored dumps" if dumps_only else "records"
    click.echo(f"cccd purge: {n} {what} older than {before:%Y-%m-%dT%H:%M:%SZ} deleted", err=True)
    return 0
