"""`quanhub stack …`: start, stop and inspect the local Kafka and PostgreSQL."""

from __future__ import annotations

import json
import shlex
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from quanhub.cli.partners import AssumeYes

if TYPE_CHECKING:
    from rich.status import Status

    from quanhub.stack.status import ServerStatus

app = typer.Typer(help="The local Kafka and PostgreSQL (state in .quanhub/).", no_args_is_help=True)
console = Console()
err = Console(stderr=True)


@app.command()
def up(
    reuse_running: Annotated[
        bool,
        typer.Option(
            "--reuse-running",
            help="Use a server that already answers on our port though we did not start it.",
        ),
    ] = False,
) -> None:
    """Start the local Kafka and PostgreSQL unless running or external (idempotent)."""
    from quanhub.stack.errors import StackError
    from quanhub.stack.manager import Stack

    stack = Stack()
    try:
        with console.status("starting the stack") as spinner:
            statuses = stack.up(
                progress=lambda line: show_progress(spinner, line), reuse_running=reuse_running
            )
    except StackError as exc:
        err.print(f"[bold red]stack up failed[/]: {exc.message}", highlight=False)
        raise typer.Exit(1) from None
    _print_status(statuses)


@app.command()
def down(
    purge: Annotated[
        bool, typer.Option("--purge", help="Also delete Kafka's and PostgreSQL's data.")
    ] = False,
) -> None:
    """Stop what `stack up` started (by pid file); data stays unless --purge."""
    from quanhub.stack.manager import Stack

    stopped = Stack().down(purge=purge, progress=lambda line: console.print(f"  {line}"))
    what = ", ".join(stopped) if stopped else "nothing was running"
    console.print(f"[green]stopped[/]: {what}" + (" (data deleted)" if purge else ""))


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Show both servers with state, pid, address, data and log paths."""
    from quanhub.stack.manager import Stack

    statuses = Stack().status()
    if as_json:
        rows = [
            {
                "name": s.name,
                "state": s.state.value,
                "address": s.address,
                "pid": s.pid,
                "data_dir": str(s.data_dir) if s.data_dir else None,
                "log_file": str(s.log_file) if s.log_file else None,
            }
            for s in statuses
        ]
        typer.echo(json.dumps(rows, indent=2))
        return
    _print_status(statuses)


@app.command()
def env() -> None:
    """Print `export` lines that point services and tests at the stack's servers."""
    from quanhub.stack.settings import StackSettings, resolve_servers

    for name, value in resolve_servers(StackSettings()).client_env().items():
        typer.echo(f"export {name}={shlex.quote(value)}")


@app.command("partner-access")
def partner_access(
    code: Annotated[str, typer.Argument(help="Partner code, e.g. SF or JD.")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    yes: AssumeYes = False,
) -> None:
    """Create a partner's own topic, SCRAM-SHA-512 user and ACLs; print the credentials.

    Running it again replaces the password (the old one stops working): it says so on
    stderr and, in a terminal, asks first (`--yes` skips the question). The partner may
    write its own topic and, once it creates a kafka subscription, read its feed topic,
    over the SASL_PLAINTEXT listener.
    """
    import asyncio

    from quanhub.cli.partners import confirm_password_replacement
    from quanhub.common.logging import configure_logging
    from quanhub.common.settings import KafkaSettings
    from quanhub.stack.kafka_access import provision_partner_access
    from quanhub.stack.settings import StackSettings, resolve_servers

    confirm_password_replacement(code, yes=yes)
    configure_logging("WARNING", json=False)
    stack = StackSettings()
    kafka = KafkaSettings(bootstrap=resolve_servers(stack).kafka_bootstrap)
    access = asyncio.run(provision_partner_access(kafka, code, stack=stack))
    if as_json:
        typer.echo(json.dumps(access.as_dict(), indent=2))
        return
    table = Table(
        title=f"Kafka access for partner {code} (password shown once; running this "
        "again replaces it and the old one stops working)"
    )
    table.add_column("setting")
    table.add_column("value")
    for key, value in access.as_dict().items():
        table.add_row(key, value)
    console.print(table)


def show_progress(spinner: Status, line: str) -> None:
    """Print a progress line and show it beside the spinner."""
    console.print(f"  {line}")
    spinner.update(line)


def _print_status(statuses: list[ServerStatus]) -> None:
    from quanhub.stack.status import State

    colours = {State.RUNNING: "green", State.EXTERNAL: "cyan", State.UNHEALTHY: "yellow"}
    table = Table(title="Quanhub local stack")
    for column in ("server", "state", "pid", "address"):
        table.add_column(column)
    for status in statuses:
        colour = colours.get(status.state, "red")
        state = f"[{colour}]{status.state.value}[/]"
        table.add_row(status.name, state, str(status.pid or "-"), status.address)
    console.print(table)
    for status in statuses:
        if status.data_dir is not None:
            console.print(f"  {status.name}: data {status.data_dir}", highlight=False)
            console.print(f"  {status.name}: log  {status.log_file}", highlight=False)
