"""`quanhub partners …`: register partners, issue and rotate API keys, grant Kafka access."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="The partner registry: who may call the hub.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)
T = TypeVar("T")

ROLES = ("platform", "carrier", "customs_agent", "customs_liaison", "analyst", "admin")
#: `--yes` of the commands that replace a partner's SCRAM password.
AssumeYes = Annotated[
    bool,
    typer.Option(
        "--yes",
        "-y",
        help="Replace the password without asking (clients on the old one stop working).",
    ),
]


def _with_pool(action: Callable[[Any], Awaitable[T]]) -> T:
    """Run `action(pool)` on the configured database; failures exit with code 1."""
    import asyncpg

    from quanhub.common.access import AccessError
    from quanhub.stack.settings import StackSettings, resolve_servers

    url = resolve_servers(StackSettings()).database_url

    async def run() -> T:
        pool = await asyncpg.create_pool(url, min_size=1, max_size=2, timeout=10)
        try:
            return await action(pool)
        finally:
            await pool.close()

    try:
        return asyncio.run(run())
    except AccessError as exc:
        errors.print(f"[red]{exc.code}[/]: {exc.message}")
    except asyncpg.UndefinedTableError:
        errors.print("[red]no partner registry[/] in this database: run `quanhub db migrate`")
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        errors.print(f"[red]PostgreSQL[/] at {url.rpartition('@')[2]}: {exc}")
    raise typer.Exit(1)


def confirm_password_replacement(code: str, *, yes: bool) -> None:
    """Say on stderr that provisioning replaces the partner's SCRAM password, and in a
    terminal ask first unless `yes`: Kafka keeps only a salted hash, so the password in
    use cannot be shown again, and every client still using it is refused ("invalid
    credentials") until it is given the new one. Non-interactive runs (scripts, CI) get
    the warning only, so existing automation keeps working."""
    from quanhub.ledger.feeds.kafka_feed import kafka_username

    errors.print(
        f"[yellow]warning[/]: this replaces the SCRAM password of Kafka user "
        f"[bold]{kafka_username(code)}[/] if it exists: clients using the current password "
        'stop authenticating ("invalid credentials") until they get the new one.'
    )
    if yes or not _interactive():
        return
    if not typer.confirm("Replace the password?", default=False, err=True):
        errors.print("[red]aborted[/]: the password is unchanged")
        raise typer.Exit(1)


def _interactive() -> bool:
    return sys.stdin.isatty()


def _kafka_access(code: str) -> dict[str, str]:
    from quanhub.common.settings import KafkaSettings
    from quanhub.stack.kafka_access import provision_partner_access
    from quanhub.stack.settings import StackSettings, resolve_servers

    bootstrap = resolve_servers(StackSettings()).kafka_bootstrap
    settings = KafkaSettings(bootstrap=bootstrap)
    return asyncio.run(provision_partner_access(settings, code)).as_dict()


def _print_kafka(access: dict[str, str]) -> None:
    console.print(
        f"Kafka topic [bold]{access['topic']}[/] at {access['bootstrap']} "
        f"({access['security_protocol']}, {access['sasl_mechanism']})\n"
        f"user [bold]{access['username']}[/] password (shown once): {access['password']}"
    )


@app.command()
def create(  # noqa: PLR0917 - typer maps parameters to options
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}")],
    code: Annotated[str, typer.Option(help="Hub code, e.g. TMALL or SF (upper-cased)")],
    name: Annotated[str, typer.Option(help="Display name")],
    customs_code: Annotated[
        str | None, typer.Option(help="Customs registration code (ebp/logistics/agent code)")
    ] = None,
    kafka: Annotated[
        bool, typer.Option("--kafka", help="Also create its own Kafka topic and SASL user")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
) -> None:
    """Register a partner and print its API key (shown once; only a hash is stored)."""
    from quanhub.common.access import Role, create_partner
    from quanhub.common.clock import SystemClock

    if role not in ROLES:
        errors.print(f"[red]unknown role[/] {role!r}; use one of {', '.join(ROLES)}")
        raise typer.Exit(2)
    partner, issued = _with_pool(
        lambda pool: create_partner(
            pool,
            code=code.strip().upper(),
            role=Role(role),
            name=name,
            customs_code=customs_code,
            clock=SystemClock(),
        )
    )
    access = _kafka_access(partner.code) if kafka else None
    if as_json:
        out: dict[str, Any] = {
            "code": partner.code,
            "role": partner.role.value,
            "name": partner.name,
            "customs_code": partner.customs_code,
            "key_id": issued.key_id,
            "api_key": issued.api_key,
        }
        if access is not None:
            out["kafka"] = access
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    console.print(f"[green]created[/] {partner.role.value} {partner.code} ({partner.name})")
    console.print(f"API key (shown once, store it now): [bold]{issued.api_key}[/]")
    if access is not None:
        _print_kafka(access)


@app.command("list")
def list_(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List partners (codes, roles, customs codes, disabled); never keys."""
    from quanhub.common.access import list_partners

    partners = _with_pool(list_partners)
    if as_json:
        rows = [
            {
                "code": p.code,
                "role": p.role.value,
                "name": p.name,
                "customs_code": p.customs_code,
                "disabled": p.disabled,
                "created_at": p.created_at.isoformat(),
            }
            for p in partners
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    table = Table(title="Partners")
    for column in ("code", "role", "name", "customs code", "disabled", "created"):
        table.add_column(column)
    for p in partners:
        table.add_row(
            p.code,
            p.role.value,
            p.name,
            p.customs_code or "",
            "yes" if p.disabled else "",
            p.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(table)


@app.command("rotate-key")
def rotate_key(
    code: Annotated[str, typer.Argument(help="Partner code")],
    grace_hours: Annotated[
        float, typer.Option(min=0, help="How long the old keys keep working")
    ] = 24.0,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Issue a new API key; the partner's current keys stop after the grace period."""
    from datetime import timedelta

    from quanhub.common.access import rotate_key as rotate
    from quanhub.common.clock import SystemClock

    issued = _with_pool(
        lambda pool: rotate(
            pool, code.strip().upper(), grace=timedelta(hours=grace_hours), clock=SystemClock()
        )
    )
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "code": issued.partner_code,
                    "key_id": issued.key_id,
                    "api_key": issued.api_key,
                    "grace_hours": grace_hours,
                }
            )
        )
        return
    console.print(f"new API key for {issued.partner_code} (shown once): [bold]{issued.api_key}[/]")
    console.print(f"old keys stop working in {grace_hours:g} h")


@app.command()
def disable(code: Annotated[str, typer.Argument(help="Partner code")]) -> None:
    """Disable a partner: every key stops at once (the APIs' key caches listen for the change)."""
    from quanhub.common.access import disable_partner

    partner = _with_pool(lambda pool: disable_partner(pool, code.strip().upper()))
    console.print(f"[yellow]disabled[/] {partner.code}")


@app.command("kafka-access")
def kafka_access(
    code: Annotated[str, typer.Argument(help="Partner code (platform or carrier)")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    yes: AssumeYes = False,
) -> None:
    """Create (or re-issue the password of) a partner's own Kafka topic and SASL user.

    Running it again replaces the password: clients using the old one stop
    authenticating. It says so on stderr and, in a terminal, asks first (`--yes` skips)."""
    from quanhub.common.access import PUBLISHING_ROLES, get_partner

    partner = _with_pool(lambda pool: get_partner(pool, code.strip().upper()))
    if partner.role not in PUBLISHING_ROLES or partner.disabled:
        errors.print(f"[red]{partner.code}[/] does not publish events (role or disabled)")
        raise typer.Exit(1)
    confirm_password_replacement(partner.code, yes=yes)
    access = _kafka_access(partner.code)
    if as_json:
        typer.echo(json.dumps(access))
        return
    _print_kafka(access)


def _read_push_key(fmt: str) -> str:
    """The partner's own key from a hidden prompt, or from stdin when it is not a terminal
    (never argv: a command line is seen by every user of the machine and kept in history)."""
    if _interactive():
        value: str = typer.prompt(f"{fmt} AppKey", hide_input=True, err=True)
    else:
        value = sys.stdin.readline()
    key = value.strip()
    if not key or len(key) > 256 or not key.isprintable():
        errors.print(f"[red]no {fmt} key[/] read (one line of printable text, at most 256)")
        raise typer.Exit(1)
    return key


def _own_key(
    partner_code: str, fmt: str, *, clear: bool, account: str | None, as_json: bool
) -> None:
    """Store (sealed) or forget the partner's own push key; print what now verifies."""
    from quanhub.common.access.push import clear_partner_key, set_partner_key
    from quanhub.common.access.push_keys import seal_push_key
    from quanhub.common.clock import SystemClock
    from quanhub.common.settings import PiiSettings

    if clear:
        had = _with_pool(lambda pool: clear_partner_key(pool, partner_code, fmt))
        verifies = "the hub's push secret" + ("" if had else " (no own key was set)")
    else:
        master = PiiSettings().secret.get_secret_value().encode()
        sealed = seal_push_key(master, partner_code, fmt, account, _read_push_key(fmt))
        _with_pool(
            lambda pool: set_partner_key(
                pool,
                partner_code,
                fmt,
                sealed=sealed,
                partner_account=account,
                clock=SystemClock(),
            )
        )
        verifies = "its own AppKey (stored encrypted)"
        verifies += f", account {account}" if account else ""
    path = f"/v1/inbound/{fmt}/{partner_code}"
    if as_json:
        out = {"code": partner_code, "format": fmt, "own_key": not clear, "path": path}
        typer.echo(json.dumps({**out, "account": None if clear else account}))
        return
    console.print(f"{fmt} pushes of {partner_code} now verify with {verifies}")
    console.print(f"callback URL: https://<gateway>{path}")


@app.command("push-secret")
def push_secret_(  # noqa: PLR0917 - typer maps parameters to options
    code: Annotated[str, typer.Argument(help="Partner code (a carrier)")],
    fmt: Annotated[
        str, typer.Option("--format", help="Push format: kuaidi100 or kdniao")
    ] = "kuaidi100",
    as_json: Annotated[bool, typer.Option("--json")] = False,
    set_key: Annotated[
        bool,
        typer.Option(
            "--set-key",
            help="Kdniao: store the AppKey Kdniao assigned the partner (read from stdin or "
            "a hidden prompt, never argv); it then verifies instead of the hub's secret.",
        ),
    ] = False,
    clear_key: Annotated[
        bool,
        typer.Option("--clear-key", help="Forget the stored AppKey: the hub's secret verifies"),
    ] = False,
    ebusiness_id: Annotated[
        str | None,
        typer.Option(
            "--ebusiness-id",
            help="With --set-key: the account's EBusinessID; pushes naming another are refused",
        ),
    ] = None,
) -> None:
    """Issue (or rotate) the partner's push secret for `--format` and print it once.

    Kuaidi100 signs each push with it (the subscription's `salt`), Kdniao as the AppKey of
    its DataSign; the callback URL is /v1/inbound/FORMAT/CODE on the gateway. The registry
    keeps only a nonce: the secret is derived from it with QUANHUB_PII_SECRET, which must be
    the gateway's. A previous secret stops verifying at once.

    Kdniao signs with the AppKey it assigned the merchant's account, which the hub cannot
    choose: `--set-key` stores that AppKey (AES-256-GCM under a key derived from
    QUANHUB_PII_SECRET, bound to the partner and format) and from then on it alone
    verifies the partner's Kdniao pushes; `--clear-key` returns to the hub's secret.
    Either takes effect at once (the gateways' channel caches are told).
    """
    from quanhub.common.access import get_partner
    from quanhub.common.access.push import (
        OWN_KEY_FORMATS,
        PUSH_FORMATS,
        has_partner_key,
        issue_push_nonce,
        push_secret,
    )
    from quanhub.common.clock import SystemClock
    from quanhub.common.settings import PiiSettings

    fmt = fmt.strip().lower()
    if fmt not in PUSH_FORMATS:
        errors.print(
            f"[red]unknown push format[/] {fmt!r}: one of {', '.join(sorted(PUSH_FORMATS))}"
        )
        raise typer.Exit(1)
    own_key = set_key or clear_key
    if set_key and clear_key:
        errors.print("[red]--set-key or --clear-key[/], not both")
        raise typer.Exit(2)
    if own_key and fmt not in OWN_KEY_FORMATS:
        errors.print(
            f"[red]{fmt}[/] pushes sign with the hub's secret: the subscriber chooses "
            "Kuaidi100's salt, so give it the secret this command prints"
        )
        raise typer.Exit(1)
    account = (ebusiness_id or "").strip() or None
    if account is not None and (not set_key or len(account) > 64):
        errors.print("[red]--ebusiness-id[/] goes with --set-key (at most 64 characters)")
        raise typer.Exit(2)
    partner_code = code.strip().upper()
    partner = _with_pool(lambda pool: get_partner(pool, partner_code))
    if partner.role.value != "carrier" or partner.disabled:
        errors.print(f"[red]{partner.code}[/] is not an enabled carrier: pushes carry parcels")
        raise typer.Exit(1)
    if own_key:
        _own_key(partner_code, fmt, clear=clear_key, account=account, as_json=as_json)
        return

    async def issue(pool: Any) -> tuple[str, bool]:
        nonce = await issue_push_nonce(pool, partner_code, fmt, SystemClock())
        return nonce, await has_partner_key(pool, partner_code, fmt)

    nonce, own_key_set = _with_pool(issue)
    master = PiiSettings().secret.get_secret_value().encode()
    secret = push_secret(master, partner_code, fmt, nonce)
    path = f"/v1/inbound/{fmt}/{partner_code}"
    if own_key_set:
        errors.print(
            f"[yellow]note[/]: {partner_code}'s own {fmt} AppKey is stored and alone verifies; "
            "this secret verifies once it is cleared (--clear-key)"
        )
    if as_json:
        typer.echo(
            json.dumps({"code": partner_code, "format": fmt, "secret": secret, "path": path})
        )
        return
    console.print(f"{fmt} push secret for {partner_code} (shown once): [bold]{secret}[/]")
    console.print(f"callback URL: https://<gateway>{path}")
