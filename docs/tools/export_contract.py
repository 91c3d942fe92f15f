"""Write docs/contract.md, the ingest contract's field tables, from ingest.proto's options.

    .venv/bin/python docs/tools/export_contract.py

The rules live as options in proto/quanhub/ingest/v1/ingest.proto (read by
quanhub.common.contract); this page is their rendering, never edited by hand.
tests/unit/docs/test_contract_exported.py fails when the committed page is stale.
"""

from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "contract.md"

_HEAD = """# The ingest contract, field by field

Generated from the options in `proto/quanhub/ingest/v1/ingest.proto` by
`docs/tools/export_contract.py`: change a rule there, run `make proto` and this script.
The gateway (both its paths), the normalizer, the simulator and the OpenAPI document read
the same options. Rules that join fields (a receipt needs its return status and time, a
customs message needs a document number: `cop_no`, `order_no`, or for a payment or
waybill the spec's `pay_transaction_id` or `logistics_no`; the event time within
2000..now+1 day) are code: see [partner guide](partner-guide.md).

Columns: **required** (a string must hold more than whitespace; a message must be present),
**format** (checked on a non-empty value, after the normalisation shown), **max** (length
in characters, or items of a repeated field), **class** (how the hub treats the value:
personal data is tokenised and masked at the edge, free text is scrubbed of phone and ID
numbers, identifiers and closed formats are kept as sent).
"""


def render() -> str:
    """The page's text."""
    from quanhub.common import contract
    from quanhub.common.formats import FORMATS, PATTERNS, VALUES

    lines = [_HEAD]
    for message, rules in contract.rules().items():
        lines += [f"\n## {message}\n", "| # | field | required | format | max | class |"]
        lines.append("| --- | --- | --- | --- | --- | --- |")
        for r in rules:
            form = r.format.value
            if form and r.normalize is not contract.Normalize.NONE:
                form = f"{form} (after {r.normalize.value.replace('_', ' ')})"
            most = r.max_length or r.max_items or ""
            kind = r.field_class.value.replace("_", " ")
            if r.personal is not contract.PersonalKind.NONE:
                kind = f"{kind}: {r.personal.value}"
            flags = ["yes" if r.required else "", "non-negative" if r.non_negative else ""]
            required = ", ".join(f for f in flags if f)
            lines.append(f"| {r.number} | `{r.name}` | {required} | {form} | {most} | {kind} |")
    oneofs = contract.required_oneofs()
    if oneofs:
        lines.append("\nOne of each of these must be set: ")
        lines[-1] += ", ".join(f"`{m}.{o}`" for m, names in oneofs.items() for o in names) + "."
    lines += ["\n## Formats\n", "| format | rule | code when broken |", "| --- | --- | --- |"]
    for form, check in FORMATS.items():
        if form in PATTERNS:
            rule = f"matches `{PATTERNS[form]}`; {check.why}"
        elif form in VALUES:
            rule = f"one of {', '.join(sorted(VALUES[form]))}"
        else:
            rule = check.why
        escaped = rule.replace("|", r"\|")
        lines.append(f"| {form.value} | {escaped} | `{check.code}` |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
