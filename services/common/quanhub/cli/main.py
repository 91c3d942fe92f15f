"""Entry point of the `quanhub` command: one Typer app, one sub-command group per area.

Sub-command modules are imported here explicitly (no plugin discovery); each keeps its
heavy imports inside its commands so `quanhub --help` stays fast.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="quanhub",
    help="Operate a Quanhub hub: local stack, database, partners, dead letters, ledger.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

# One line per command group (keep alphabetical).
