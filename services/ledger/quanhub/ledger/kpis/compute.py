"""Indicators from the rollup tables: a handful of GROUP BYs over days, never over events."""

# Table and column names come from code; caller values are bound parameters.
# ruff: noqa: S608

from __future__ import annotations

from datetime import date
from typing import Any

from asyncpg import Record

from quanhub.ledger.kpis.models import (
    CARRIER_VOLUME_TARGET,
    DURATION_BUCKETS_HOURS,
    E_WAYBILL_TARGET,
    RECYCLABLE_BAG_TARGET,
    SMART_LOCKER_TARGET,
    Bucket,
    CarrierVolume,
    CarrierVolumes,
    ClearanceGroup,
    CustomsClearance,
    CustomsRejection,
    DeliveryTimeGroup,
    Distribution,
    KpiReport,
    Period,
    PickupToDelivery,
    ReasonCount,
    ShareFigure,
)
from quanhub.ledger.store.writer import AnyConnection

TOP_REASONS = 5
_BUCKET_COLUMNS = tuple(f"b{i}" for i in range(len(DURATION_BUCKETS_HOURS) + 1))


def share(
    numerator: int, denominator: int, events: int, target: float | None = None
) -> ShareFigure:
    """A share figure; no data (null share) when the denominator is 0."""
    if denominator <= 0:
        return ShareFigure(
            numerator=0, denominator=0, share=None, target=target, meets_target=None,
            events=int(events), status="no_data",
        )  # fmt: skip
    value = numerator / denominator
    return ShareFigure(
        numerator=numerator,
        denominator=denominator,
        share=value,
        target=target,
        meets_target=None if target is None else value >= target,
        events=int(events),
        status="ok",
    )


def _quantile(buckets: list[Bucket], count: int, q: float) -> float | None:
    """Linear interpolation inside the bucket holding the q-th duration."""
    if count <= 0:
        return None
    rank = q * count
    seen = 0
    for bucket in buckets:
        if bucket.count and seen + bucket.count >= rank:
            upper = bucket.upper_hours if bucket.upper_hours is not None else bucket.lower_hours
            width = upper - bucket.lower_hours
            return bucket.lower_hours + width * (rank - seen) / bucket.count
        seen += bucket.count
    return float(buckets[-1].lower_hours)


def distribution(count: int, events: int, seconds: int, counts: list[int]) -> Distribution:
    """A duration distribution from rollup sums; no data when nothing was measured."""
    edges = [0, *DURATION_BUCKETS_HOURS]
    buckets = [
        Bucket(
            lower_hours=lower,
            upper_hours=edges[i + 1] if i + 1 < len(edges) else None,
            count=int(counts[i]),
        )
        for i, lower in enumerate(edges)
    ]
    if count <= 0:
        return Distribution(
            count=0, mean_hours=None, p50_hours=None, p90_hours=None, buckets=buckets,
            events=int(events), status="no_data",
        )  # fmt: skip
    return Distribution(
        count=count,
        mean_hours=seconds / count / 3600,
        p50_hours=_quantile(buckets, count, 0.5),
        p90_hours=_quantile(buckets, count, 0.9),
        buckets=buckets,
        events=int(events),
        status="ok",
    )


def _where(district: str | None) -> str:
    base = "day BETWEEN $1 AND $2"
    return base if district is None else base + " AND district_code LIKE $3 || '%'"


async def _fetch(
    conn: AnyConnection, sql: str, start: date, end: date, district: str | None
) -> list[Record]:
    args: list[Any] = [start, end] if district is None else [start, end, district]
    return list(await conn.fetch(sql.format(where=_where(district)), *args))


def _sum(columns: tuple[str, ...]) -> str:
    return ", ".join(f"coalesce(sum({c}), 0)::bigint AS {c}" for c in columns)


async def _parcel_figures(
    conn: AnyConnection, start: date, end: date, district: str | None, days: int
) -> dict[str, Any]:
    cols = ("parcels", "events", "ewaybill_known", "ewaybill_events", "ewaybill_yes",
            "bag_known", "bag_events", "bag_recyclable", "exceptions", "returns")  # fmt: skip
    rows = await _fetch(
        conn,
        f"SELECT carrier_id, {_sum(cols)} FROM kpi_parcel_daily WHERE {{where}} "
        "GROUP BY carrier_id HAVING sum(parcels) > 0 ORDER BY carrier_id",
        start, end, district,
    )  # fmt: skip
    total = {c: sum(int(r[c]) for r in rows) for c in cols}
    carriers = [
        CarrierVolume(
            carrier_id=r["carrier_id"],
            parcels=int(r["parcels"]),
            parcels_per_year=int(r["parcels"]) * 365 / days,
            meets_target=int(r["parcels"]) * 365 / days >= CARRIER_VOLUME_TARGET,
            events=int(r["events"]),
        )
        for r in rows
    ]
    carriers.sort(key=lambda c: (-c.parcels, c.carrier_id))
    return {
        "e_waybill_share": share(
            total["ewaybill_yes"], total["ewaybill_known"], total["ewaybill_events"],
            E_WAYBILL_TARGET,
        ),
        "recyclable_bag_share": share(
            total["bag_recyclable"], total["bag_known"], total["bag_events"],
            RECYCLABLE_BAG_TARGET,
        ),
        "exception_rate": share(total["exceptions"], total["parcels"], total["events"]),
        "return_rate": share(total["returns"], total["parcels"], total["events"]),
        "carrier_volumes": CarrierVolumes(
            carriers_meeting_target=sum(1 for c in carriers if c.meets_target),
            carriers=carriers,
            events=total["events"],
            status="ok" if carriers else "no_data",
        ),
    }  # fmt: skip


async def _delivery_figures(
    conn: AnyConnection, start: date, end: date, district: str | None
) -> dict[str, Any]:
    cols = ("delivered", "point_known", "point_events", "locker", "timed", "timed_events",
            "seconds_sum", *_BUCKET_COLUMNS)  # fmt: skip
    rows = await _fetch(
        conn,
        f"SELECT district_code, carrier_id, {_sum(cols)} FROM kpi_delivery_daily "
        "WHERE {where} GROUP BY district_code, carrier_id HAVING sum(delivered) > 0 "
        "ORDER BY district_code, carrier_id",
        start, end, district,
    )  # fmt: skip
    total = {c: sum(int(r[c]) for r in rows) for c in cols}

    def dist(values: Any) -> Distribution:
        counts = [int(values[b]) for b in _BUCKET_COLUMNS]
        return distribution(
            int(values["timed"]), int(values["timed_events"]), int(values["seconds_sum"]), counts
        )

    groups = [
        DeliveryTimeGroup(district_code=r["district_code"], carrier_id=r["carrier_id"],
                          distribution=dist(r))
        for r in rows if int(r["timed"]) > 0
    ]  # fmt: skip
    return {
        "smart_locker_share": share(
            total["locker"], total["point_known"], total["point_events"], SMART_LOCKER_TARGET
        ),
        "pickup_to_delivery": PickupToDelivery(overall=dist(total), groups=groups),
    }


async def _customs_figures(
    conn: AnyConnection, start: date, end: date, district: str | None
) -> dict[str, Any]:
    declared = await _fetch(
        conn,
        "SELECT " + _sum(("with_receipt", "receipt_events", "rejected"))
        + " FROM kpi_customs_daily WHERE {where}",
        start, end, district,
    )  # fmt: skip
    reasons = await _fetch(
        conn,
        "SELECT reason, sum(declarations)::bigint AS n FROM kpi_rejection_reasons "
        "WHERE {where} GROUP BY reason HAVING sum(declarations) > 0 "
        f"ORDER BY n DESC, reason LIMIT {TOP_REASONS}",
        start, end, district,
    )  # fmt: skip
    cols = ("released", "events", "seconds_sum", *_BUCKET_COLUMNS)
    cleared = await _fetch(
        conn,
        f"SELECT trade_mode, {_sum(cols)} FROM kpi_clearance_daily WHERE {{where}} "
        "GROUP BY trade_mode HAVING sum(released) > 0 ORDER BY trade_mode",
        start, end, district,
    )  # fmt: skip

    def dist(values: Any) -> Distribution:
        counts = [int(values[b]) for b in _BUCKET_COLUMNS]
        return distribution(
            int(values["released"]), int(values["events"]), int(values["seconds_sum"]), counts
        )

    total = {c: sum(int(r[c]) for r in cleared) for c in cols}
    d = declared[0]
    return {
        "customs_rejection": CustomsRejection(
            rate=share(int(d["rejected"]), int(d["with_receipt"]), int(d["receipt_events"])),
            top_reasons=[
                ReasonCount(reason=r["reason"], declarations=int(r["n"])) for r in reasons
            ],
        ),
        "customs_clearance": CustomsClearance(
            overall=dist(total),
            by_trade_mode=[ClearanceGroup(trade_mode=r["trade_mode"], distribution=dist(r))
                           for r in cleared],
        ),
    }  # fmt: skip


async def kpi_report(
    conn: AnyConnection, start: date, end: date, district: str | None
) -> KpiReport:
    """Every indicator for [start, end] (CST days, inclusive), optionally one district."""
    days = (end - start).days + 1
    figures: dict[str, Any] = {}
    figures |= await _parcel_figures(conn, start, end, district, days)
    figures |= await _delivery_figures(conn, start, end, district)
    figures |= await _customs_figures(conn, start, end, district)
    period = Period(from_date=start, to_date=end, days=days, district=district)
    return KpiReport(period=period, **figures)
