"""The decision truth of a run: each parcel's lane and delivery time, the Post Bureau's
measures computed from them, the injected incidents, and the deliberately stalled objects.

Times and statuses are those of the events actually kept (facts), so a checker comparing
the hub's figures with this truth compares like with like; the stalled list resolves each
story's planned trouble against the events its object really sent.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from quanhub.simulator.facts import Facts, ParcelFacts
from quanhub.simulator.generator import Simulation
from quanhub.simulator.hub import customs_reading, final_status, parcel_reading
from quanhub.simulator.model import CustomsMessage, Mark, Scan, Step, Story
from quanhub.simulator.vocab import parcel_row

Json = dict[str, Any]
#: The Post Bureau's on-time limits, hours from pickup to delivery.
ON_TIME_HOURS = (48, 72)


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def _seconds(parcel: ParcelFacts) -> int | None:
    """Whole seconds from first pickup to first delivery, as the ledger stores durations."""
    if parcel.picked_up_at is None or parcel.delivered_at is None:
        return None
    if parcel.delivered_at < parcel.picked_up_at:
        return None
    return int((parcel.delivered_at - parcel.picked_up_at).total_seconds() // 1)


def _parcel_stories(simulation: Simulation) -> Iterator[tuple[str, Story]]:
    for story in simulation.stories:
        if story.parcel is not None:
            parcel = story.parcel
            yield f"P|{parcel.carrier.carrier_id}|{parcel.waybill_no}", story


def parcel_rows(simulation: Simulation, facts: Facts) -> Iterator[Json]:
    """One row per parcel the hub holds (the `--truth` JSON lines), in story order."""
    troubles: dict[str, set[str]] = {}
    for story in simulation.stories:
        for mark in story.marks:
            troubles.setdefault(mark.key, set()).add(mark.reason)
    for key, story in _parcel_stories(simulation):
        held = facts.parcels.get(key)
        if held is None or story.parcel is None:
            continue
        parcel = story.parcel
        seconds = _seconds(held)
        yield {
            "key": key,
            "carrier": held.carrier_id,
            "waybill": parcel.waybill_no,
            "trade_mode": story.order.trade_mode,
            "origin_district": held.origin_district,
            "destination_district": parcel.district_code,
            "delivery_point": parcel.delivery_point,
            "pickup_at": _iso(held.picked_up_at),
            "delivered_at": _iso(held.delivered_at),
            "delivery_hours": None if seconds is None else seconds / 3600,
            "incidents": list(story.held),
            "troubles": sorted(troubles.get(key, ())),
        }


def percentile(sorted_values: list[float], fraction: float) -> float:
    """The continuous percentile (linear between order statistics, PostgreSQL's
    percentile_cont) of non-empty sorted values."""
    position = fraction * (len(sorted_values) - 1)
    low, high = math.floor(position), math.ceil(position)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def _figures(seconds: list[int]) -> Json:
    values = sorted(s / 3600 for s in seconds)
    count = len(values)
    on_time = {
        f"on_time_{limit}h": {
            "numerator": sum(1 for s in seconds if s <= limit * 3600),
            "denominator": count,
            "value": sum(1 for s in seconds if s <= limit * 3600) / count,
        }
        for limit in ON_TIME_HOURS
    }
    return {
        "parcels": count,
        **on_time,
        "mean_hours": sum(values) / count,
        "p50_hours": percentile(values, 0.5),
        "p90_hours": percentile(values, 0.9),
    }


def _grouped(rows: list[Json], fields: tuple[str, ...]) -> list[Json]:
    groups: dict[tuple[str, ...], list[int]] = {}
    for row in rows:
        groups.setdefault(tuple(row[f] for f in fields), []).append(row["_seconds"])
    return [
        {**dict(zip(fields, key, strict=True)), **_figures(seconds)}
        for key, seconds in sorted(groups.items())
    ]


def post_bureau_measures(rows: list[Json]) -> Json:
    """48 h and 72 h on-time rates and full delivery time (pickup to delivered: mean, p50,
    p90 hours) over every parcel delivered after a pickup, overall and by carrier,
    destination district and lane (origin district to destination district)."""
    timed = [
        {
            "carrier": r["carrier"],
            "district": r["destination_district"],
            "origin_district": r["origin_district"],
            "destination_district": r["destination_district"],
            "_seconds": round(r["delivery_hours"] * 3600),
        }
        for r in rows
        if r["delivery_hours"] is not None
    ]
    if not timed:
        return {"overall": None, "by_carrier": [], "by_district": [], "by_lane": []}
    return {
        "overall": _figures([r["_seconds"] for r in timed]),
        "by_carrier": _grouped(timed, ("carrier",)),
        "by_district": _grouped(timed, ("district",)),
        "by_lane": _grouped(timed, ("origin_district", "destination_district")),
    }


def incidents(simulation: Simulation, rows: list[Json]) -> list[Json]:
    """The injected incidents, with how many of the hub's parcels each held up."""
    held: dict[int, int] = {}
    for row in rows:
        for index in row["incidents"]:
            held[index] = held.get(index, 0) + 1
    return [
        {
            "index": index,
            "carrier": incident.carrier,
            "district": incident.district,
            "start": incident.start.isoformat(),
            "end": incident.end.isoformat(),
            "mode": incident.mode.value,
            "factor": incident.factor,
            "parcels_held": held.get(index, 0),
        }
        for index, incident in enumerate(simulation.config.incidents)
    ]


def _hub_time(step: Step) -> datetime:
    """The step's instant as the hub reads it (customs receipts: returnTime, to the ms)."""
    body = step.body
    if isinstance(body, CustomsMessage) and body.is_receipt:
        return step.at.replace(microsecond=step.at.microsecond // 1000 * 1000)
    return step.at


def _status(step: Step) -> tuple[str, str]:
    """(object kind, canonical status) the hub derives from a clean step."""
    body = step.body
    if isinstance(body, Scan):
        system = body.parcel.carrier.code_system
        row = parcel_row(system, body.milestone)
        return "parcel", parcel_reading(system, row.code if row else "").status
    if isinstance(body, CustomsMessage):
        return "customs", customs_reading(body.message_type, body.return_status).status
    return "order", ""


def _resolve(mark: Mark, story: Story, until: datetime | None) -> Json | None:
    """The mark as sent: `since` is the object's last event at or before the planned
    start, `until` its first event at or after the planned end (None if none was sent)."""
    steps = sorted(
        (s for s in story.steps if s.object_key == mark.key and (until is None or s.at <= until)),
        key=lambda s: s.at,
    )
    before = [s for s in steps if s.at <= mark.since]
    if not before:
        return None
    after = [s for s in steps if mark.until is not None and s.at >= mark.until]
    kind = _status(before[-1])[0]
    status = final_status(kind, [(_hub_time(s), _status(s)[1]) for s in before])
    since = _hub_time(before[-1])
    resumed = _hub_time(after[0]) if after else None
    row: Json = {
        "key": mark.key,
        "kind": kind,
        "reason": mark.reason,
        "since": since.isoformat(),
        "until": _iso(resumed),
        "status": status,
    }
    body = before[-1].body
    if isinstance(body, Scan):
        row |= {
            "carrier": body.parcel.carrier.carrier_id,
            "waybill": body.parcel.waybill_no,
            "district": body.district_code,
            "destination_district": body.parcel.district_code,
        }
    elif isinstance(body, CustomsMessage):
        row |= {
            "partner": before[-1].partner,
            "cop_no": body.cop_no,
            "district": body.order.consignee.district_code,
            "trade_mode": body.order.trade_mode,
        }
    return row


def stalled(simulation: Simulation) -> list[Json]:
    """Every deliberate trouble of the run as sent, sorted by since and key."""
    until = simulation.config.until
    resolved = (
        _resolve(mark, story, until) for story in simulation.stories for mark in story.marks
    )
    rows = [row for row in resolved if row is not None]
    return sorted(rows, key=lambda r: (datetime.fromisoformat(r["since"]), r["key"]))
