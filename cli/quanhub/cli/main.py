"""Entry point of the `quanhub` command: one Typer app, one sub-command group per area.

Sub-command modules are imported here explicitly (no plugin discovery); each keeps its
heavy imports inside its commands so `quanhub --help` stays fast.
"""

from __future__ import annotations

import typer

from quanhub.cli import db, dlq, ledger, partners, run, simulate, stack, topics

app = typer.Typer(
    name="quanhub",
    help="Operate a Quanhub hub: local stack, database, partners, dead letters, ledger.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

# One line per command group (keep alphabetical).
app.add_typer(db.app, name="db")
app.add_typer(dlq.app, name="dlq")
app.add_typer(ledger.app, name="ledger")
app.add_typer(partners.app, name="partners")
app.add_typer(run.app, name="run")
app.add_typer(simulate.app, name="simulate")
app.add_typer(stack.app, name="stack")
app.add_typer(topics.app, name="topics")
