"""`quanhub run`: the stack, the schema, the topics, then every service, supervised."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from quanhub.stack.prepare import Prepared
    from quanhub.stack.services import ServiceSpec
    from quanhub.stack.settings import StackPaths
    from quanhub.stack.supervisor import Supervisor

app = typer.Typer()
console = Console()


@app.callback(invoke_without_command=True)
def run(
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help="Run only these services (repeatable), e.g. --only gateway."),
    ] = None,
) -> None:
    """Start the local stack (unless external), migrate, create topics, run every service.

    Restarts a service that dies (with backoff); Ctrl-C stops the services and leaves the
    stack running (`make down` stops it). Logs: .quanhub/logs/<service>.log.
    """
    import asyncpg
    from aiokafka.errors import KafkaError

    from quanhub.cli.stack import show_progress
    from quanhub.common.errors import QuanhubError
    from quanhub.common.logging import configure_logging
    from quanhub.common.settings import DatabaseSettings, KafkaSettings
    from quanhub.stack.errors import StackError
    from quanhub.stack.manager import Stack
    from quanhub.stack.prepare import prepare
    from quanhub.stack.services import SERVICES

    configure_logging("INFO", json=False)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per /readyz poll otherwise
    unknown = sorted(set(only or ()) - {s.name for s in SERVICES})
    if unknown:
        known = ", ".join(s.name for s in SERVICES)
        console.print(f"[bold red]unknown service[/] {', '.join(unknown)} (known: {known})")
        raise typer.Exit(2)
    stack = Stack()
    paths = stack.settings.paths
    specs = [s for s in SERVICES if not only or s.name in only]
    try:
        _claim_supervisor(paths)
    except StackError as exc:  # another supervisor runs: leave its pid file alone
        console.print(f"[bold red]cannot run[/]: {exc.message}", highlight=False)
        raise typer.Exit(1) from None
    try:
        with console.status("starting the stack") as spinner:
            stack.up(progress=lambda line: show_progress(spinner, line), reuse_running=True)
        env = {**os.environ, **stack.servers.client_env()}
        _check_ports(specs, env)
        kafka = KafkaSettings(bootstrap=stack.servers.kafka_bootstrap)
        database = DatabaseSettings(url=stack.servers.database_url)
        with console.status("migrating, creating topics"):
            prepared = asyncio.run(prepare(kafka, database))
    except (QuanhubError, OSError, asyncpg.PostgresError, KafkaError) as exc:
        message = exc.message if isinstance(exc, QuanhubError) else str(exc)
        console.print(f"[bold red]cannot run[/]: {message}", highlight=False)
        paths.pid_file("supervisor").unlink(missing_ok=True)
        raise typer.Exit(1) from None
    _print_prepared(prepared)
    try:
        asyncio.run(_supervise(specs, env, paths, prepared))
    finally:
        paths.pid_file("supervisor").unlink(missing_ok=True)


async def _supervise(
    specs: list[ServiceSpec], env: dict[str, str], paths: StackPaths, prepared: Prepared
) -> None:
    from quanhub.stack.supervisor import Supervisor

    supervisor = Supervisor(specs, env=env, paths=paths, report=_report)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    supervisor.start()
    with console.status("waiting for /readyz"):
        ready = await supervisor.wait_ready(timeout_s=60)
    _print_services(supervisor, ready, env)
    _print_keys(prepared.demo_keys)
    console.print("[bold]Ctrl-C[/] stops the services (the stack keeps running; `make down`).")
    await stopping.wait()
    console.print("stopping services …")
    await supervisor.stop()
    console.print("[green]services stopped[/]; the stack is still up (`make down` stops it)")


def _claim_supervisor(paths: StackPaths) -> None:
    """Refuse a second supervisor; stop children a killed supervisor left behind."""
    from quanhub.stack import procs
    from quanhub.stack.errors import StackError
    from quanhub.stack.services import SERVICES

    other = procs.read_pid(paths.pid_file("supervisor"))
    alive = other is not None and other != os.getpid() and procs.is_alive(other)
    if alive and other is not None and "quanhub" in procs.cmdline(other):
        msg = f"`quanhub run` is already running (pid {other}); stop it first"
        raise StackError(msg)
    for spec in SERVICES:
        pid = procs.owned_pid(paths.pid_file(spec.name), f"-m {spec.module}")
        if pid is not None:
            console.print(f"  stopping {spec.name} left over from an earlier run (pid {pid})")
            procs.terminate(pid, timeout_s=15)
        paths.pid_file(spec.name).unlink(missing_ok=True)
    procs.write_pid(paths.pid_file("supervisor"), os.getpid())


def _check_ports(specs: list[ServiceSpec], env: dict[str, str]) -> None:
    from quanhub.stack import procs

    for spec in specs:
        if spec.installed():
            procs.require_free_port(spec.name, spec.port(env), spec.port_variable)


def _report(line: str) -> None:
    console.print(f"[yellow]![/] {line}", highlight=False)


def _print_prepared(prepared: Prepared) -> None:
    if prepared.migrations:
        console.print(f"  migrations applied: {', '.join(prepared.migrations)}")
    if prepared.topics_created:
        console.print(f"  topics created: {len(prepared.topics_created)}")


def _print_services(supervisor: Supervisor, ready: dict[str, bool], env: dict[str, str]) -> None:
    table = Table(title="Quanhub services")
    for column in ("service", "state", "pid", "url", "log"):
        # Fold rather than cut: a URL or path shortened with an ellipsis is useless to copy.
        table.add_column(column, overflow="fold")
    for spec in supervisor.skipped:
        table.add_row(spec.name, "[dim]not installed[/]", "-", "-", "-")
    for name, child in supervisor.children.items():
        spec = child.spec
        state = "[green]ready[/]" if ready.get(name) else "[yellow]starting[/]"
        url = f"http://127.0.0.1:{spec.port(env)}" + ("" if spec.public else "/readyz (ops)")
        log = str(supervisor.paths.log_file(name))
        table.add_row(name, state, str(supervisor.pid(name) or "-"), url, log)
    console.print(table)


def _print_keys(keys: dict[str, str]) -> None:
    if not keys:
        return
    table = Table(title="Demo partner API keys (local profile only)")
    table.add_column("partner")
    table.add_column("API key (Authorization: Bearer …)")
    for code, key in sorted(keys.items()):
        table.add_row(code, key)
    console.print(table)
