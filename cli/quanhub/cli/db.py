"""`quanhub db …`: apply and inspect the ordered SQL migrations."""

from __future__ import annotations

import asyncio

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="The PostgreSQL schema (ordered migrations).", no_args_is_help=True)
console = Console()


def _database_url() -> str:
    """QUANHUB_DATABASE_URL, or the local stack's database on its configured port."""
    from quanhub.stack.settings import StackSettings, resolve_servers

    return resolve_servers(StackSettings()).database_url


@app.command()
def migrate() -> None:
    """Apply pending migrations (safe to run concurrently and repeatedly)."""
    import asyncpg

    from quanhub.common.db import migrate as apply

    async def run() -> list[str]:
        conn = await asyncpg.connect(_database_url(), timeout=10)
        try:
            return [f"{m.version:04d}_{m.name}" for m in await apply(conn)]
        finally:
            await conn.close()

    applied = asyncio.run(run())
    if applied:
        console.print(f"[green]applied[/] {len(applied)}: " + ", ".join(applied))
    else:
        console.print("[green]up to date[/]: no pending migrations")


@app.command()
def status() -> None:
    """List every migration with whether (and when) it was applied; exit 1 if any pending."""
    import asyncpg

    from quanhub.common.db import load_migrations

    async def applied() -> dict[int, tuple[str, str]]:
        conn = await asyncpg.connect(_database_url(), timeout=10)
        try:
            exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
            if not exists:
                return {}
            rows = await conn.fetch("SELECT version, checksum, applied_at FROM schema_migrations")
            return {r["version"]: (r["checksum"], r["applied_at"].isoformat()) for r in rows}
        finally:
            await conn.close()

    done = asyncio.run(applied())
    table = Table(title="Migrations")
    for column in ("version", "name", "state", "applied at"):
        table.add_column(column)
    pending = 0
    for m in load_migrations():
        if m.version not in done:
            pending += 1
            table.add_row(f"{m.version:04d}", m.name, "[yellow]pending[/]", "-")
            continue
        checksum, at = done[m.version]
        state = "[green]applied[/]" if checksum == m.checksum else "[red]changed after apply[/]"
        table.add_row(f"{m.version:04d}", m.name, state, at)
    console.print(table)
    if pending:
        raise typer.Exit(1)
