"""Parcel and order views when the ledger's shards live on several PostgreSQL instances.

An object is read on its instance (read.route); its links are read on every instance (an
order's on its own, each parcel's assertion about it on the parcel's) and merged, each
side's flag being set where that side's events were projected; each linked object is read
on its instance; declarations, which name orders and parcels by attributes rather than
links, are looked for on every instance. Every visibility predicate of read.visibility is
a disjunction of conditions on the row and of EXISTS over ledger tables, so it holds on
the union of the instances exactly when it holds on one of them: each is evaluated on
every instance over the object's key columns, and the answers are OR-ed. The partner
registry lives on home: statements elsewhere read it from a `partners` CTE built from
home's rows, which shadows the (empty) table there. The answer is field for field the one
read.objects gives on one instance holding everything, `predicted_delivery` aside
(learned from home's deliveries).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from asyncpg import Record

from quanhub.common.access import Principal
from quanhub.ledger.errors import NotFound
from quanhub.ledger.read import convert
from quanhub.ledger.read.objects import order_answer, parcel_answer
from quanhub.ledger.read.params import Params, Reader
from quanhub.ledger.read.route import Route
from quanhub.ledger.read.visibility import (
    declaration_confirmed,
    declaration_matches_order,
    declaration_matches_parcel,
    declaration_visible,
    link_visible,
    order_visible,
    parcel_visible,
)
from quanhub.ledger.store.shard_map import HOME
from quanhub.ledger.store.shards import SEQ_BITS

#: A two-column key: (carrier_id, waybill_no) or (platform_code, order_no).
Key = tuple[str, str]
#: A visibility predicate of read.visibility: (principal, alias, params) -> SQL.
Predicate = Callable[[Principal, str, Params], str]

#: The registry rows the visibility rules read (a code's customs registration code).
_REGISTRY = "SELECT code, customs_code FROM partners WHERE customs_code IS NOT NULL"
#: Shadows `partners` off home with home's rows ({codes}, {customs}: text[] placeholders).
_PARTNERS_CTE = (
    "WITH partners AS (SELECT * FROM unnest({codes}::text[], {customs}::text[]) "
    "AS r(code, customs_code)) "
)
#: The keys ({a}, {b}: text[] placeholders) for which `{where}` holds, over alias `{k}`.
_HOLDING = (
    "SELECT {k}.{c0}, {k}.{c1} FROM unnest({a}::text[], {b}::text[]) AS {k}({c0}, {c1}) "
    "WHERE {where}"
)
#: Rows of `{table}` with the keys ({a}, {b}: text[] placeholders).
_ROWS = (
    "SELECT t.* FROM unnest({a}::text[], {b}::text[]) AS k({c0}, {c1}) "
    "JOIN {table} t ON t.{c0} = k.{c0} AND t.{c1} = k.{c1}"
)
#: An object's order_parcels rows, with whether the caller is a side of each (`shown`).
_LINKS = (
    "SELECT op.platform_code, op.order_no, op.carrier_id, op.waybill_no, op.from_order, "
    "op.from_parcel, {shown} AS shown FROM order_parcels op WHERE op.{c0} = {a} "
    "AND op.{c1} = {b}"
)
#: The visible declarations covering the parcels ({a}, {b}: text[]) or naming the order
#: ({o0}, {o1}: text; none when NULL).
_DECLARATIONS = (
    "SELECT d.* FROM declarations d WHERE d.declaration_id IN ("
    "SELECT d1.declaration_id FROM (VALUES ({o0}::text, {o1}::text)) AS o(platform_code, "
    "order_no) JOIN declarations d1 ON {declares_order} "
    "UNION ALL SELECT d2.declaration_id FROM unnest({a}::text[], {b}::text[]) "
    "AS op(carrier_id, waybill_no) JOIN declarations d2 ON {declares_parcel}) "
    "AND {visible}"
)
#: Ids of the declarations (their naming columns as arrays) confirmed to the caller.
_CONFIRMED = (
    "SELECT x.declaration_id FROM unnest({ids}::uuid[], {order_no}::text[], "
    "{ebp_code}::text[], {logistics_no}::text[], {carrier_id}::text[], "
    "{logistics_code}::text[]) AS x(declaration_id, order_no, ebp_code, logistics_no, "
    "carrier_id, logistics_code) WHERE {confirmed}"
)
#: convert.TIMELINE_COLUMNS of alias `e`, `seq` its shard's own.
_RAW_COLUMNS = ", ".join(f"e.{c}" for c in convert.TIMELINE_COLUMNS)
#: The visible events (`{columns}`: _RAW_COLUMNS) of the objects ($1, $2: text[]) of
#: `{kind}`.
_EVENTS = (
    "SELECT {columns} FROM unnest($1::text[], $2::text[]) AS k({c0}, {c1}) "
    "JOIN ledger_events e ON e.kind = '{kind}' AND e.{c0} = k.{c0} AND e.{c1} = k.{c1} "
    "WHERE {projected}"
)
#: The visible events of the declarations ($1: uuid[]).
_CUSTOMS_EVENTS = (
    "SELECT {columns} FROM unnest($1::uuid[]) AS k(declaration_id) "
    "JOIN ledger_events e ON e.kind = 'customs' AND e.declaration_id = k.declaration_id "
    "WHERE {projected}"
)
#: The global seq of each (shard seq, shard), in order; NULL until it is numbered (a
#: shard off home is numbered by the sequencer shortly after its step).
_GLOBAL = (
    "SELECT (SELECT r.global_first + (x.seq - r.first_seq) FROM ledger_global_ranges r "
    "WHERE r.shard = x.shard AND r.first_seq <= x.seq AND x.seq < r.first_seq + r.events "
    "ORDER BY r.first_seq DESC LIMIT 1) FROM unnest($1::bigint[], $2::int[]) "
    "WITH ORDINALITY AS x(seq, shard, n) ORDER BY x.n"
)

_PARCEL = ("carrier_id", "waybill_no")
_ORDER = ("platform_code", "order_no")


@dataclass(frozen=True, slots=True)
class Instances:
    """A reader on each instance of the shard map (index = instance, home first) and
    where objects live."""

    route: Route
    readers: Sequence[Reader]

    async def fetch(self, instance: int, sql: str, *args: Any) -> list[Record]:
        """Rows of `sql` on instance `instance`."""
        return list(await self.readers[instance].fetch(sql, *args))


@dataclass(frozen=True, slots=True)
class Reads:
    """One view's reads: the instances, the caller and home's registry rows."""

    instances: Instances
    principal: Principal
    registry: tuple[list[str], list[str]]

    async def on(self, instance: int, build: Callable[[Params], str]) -> list[Record]:
        """Rows of the statement `build` writes, on `instance` (off home, over home's
        partner registry)."""
        params = Params()
        sql = build(params)
        if instance != HOME:
            codes, customs = (params.add(v) for v in self.registry)
            sql = _PARTNERS_CTE.format(codes=codes, customs=customs) + sql
        return await self.instances.fetch(instance, sql, *params.values)

    async def everywhere(self, build: Callable[[Params], str]) -> list[Record]:
        """Rows of the statement on every instance, home's first."""
        count = len(self.instances.readers)
        parts = await asyncio.gather(*(self.on(i, build) for i in range(count)))
        return [row for part in parts for row in part]

    async def holding(self, predicate: Predicate, columns: Key, keys: list[Key]) -> set[Key]:
        """The keys for which `predicate` (over those key columns) holds on an instance."""
        if not keys:
            return set()

        def build(params: Params) -> str:
            a, b = params.add([k[0] for k in keys]), params.add([k[1] for k in keys])
            where = predicate(self.principal, "k", params)
            return _HOLDING.format(k="k", c0=columns[0], c1=columns[1], a=a, b=b, where=where)

        return {(r[0], r[1]) for r in await self.everywhere(build)}

    async def links(self, columns: Key, key: Key) -> dict[convert.LinkKey, dict[str, Any]]:
        """The object's links from every instance, each side's assertion OR-ed."""

        def build(params: Params) -> str:
            a, b = params.add(key[0]), params.add(key[1])
            shown = link_visible(self.principal, "op", params)
            return _LINKS.format(shown=shown, c0=columns[0], c1=columns[1], a=a, b=b)

        merged: dict[convert.LinkKey, dict[str, Any]] = {}
        for r in await self.everywhere(build):
            k = (r["platform_code"], r["order_no"], r["carrier_id"], r["waybill_no"])
            seen = merged.setdefault(k, dict(zip(_ORDER + _PARCEL, k, strict=True)))
            for flag in ("from_order", "from_parcel", "shown"):
                seen[flag] = seen.get(flag, False) or r[flag]
        return merged

    async def objects(
        self, table: str, columns: Key, keys: list[Key], owner: Callable[[str, str], int]
    ) -> dict[Key, tuple[Record, int]]:
        """Rows of `table` with those keys, each read on its instance (`owner`)."""
        by_instance: dict[int, list[Key]] = {}
        for k in keys:
            by_instance.setdefault(owner(*k), []).append(k)

        async def read(instance: int, some: list[Key]) -> list[tuple[Record, int]]:
            a, b = [k[0] for k in some], [k[1] for k in some]
            sql = _ROWS.format(table=table, c0=columns[0], c1=columns[1], a="$1", b="$2")
            return [(r, instance) for r in await self.instances.fetch(instance, sql, a, b)]

        parts = await asyncio.gather(*(read(i, some) for i, some in by_instance.items()))
        return {(r[columns[0]], r[columns[1]]): (r, i) for part in parts for r, i in part}

    async def declarations(self, order: Key | None, parcels: list[Key]) -> list[tuple[Record, int]]:
        """The visible declarations naming `order` or covering one of `parcels`, with the
        instance each was read on, by declared_at."""

        def build(params: Params) -> str:
            o0, o1 = (params.add(v) for v in (order or (None, None)))
            a, b = params.add([k[0] for k in parcels]), params.add([k[1] for k in parcels])
            return _DECLARATIONS.format(
                o0=o0,
                o1=o1,
                a=a,
                b=b,
                declares_order=declaration_matches_order("d1", "o"),
                declares_parcel=declaration_matches_parcel("d2", "op"),
                visible=declaration_visible(self.principal, "d", params),
            )

        count = len(self.instances.readers)
        parts = await asyncio.gather(*(self.on(i, build) for i in range(count)))
        found = {r["declaration_id"]: (r, i) for i, part in enumerate(parts) for r in part}
        return sorted(found.values(), key=lambda found: found[0]["declared_at"])

    async def confirmed(self, declarations: list[Record]) -> set[Any]:
        """Ids of the declarations confirmed to the caller on some instance."""
        if not declarations:
            return set()
        names = ("order_no", "ebp_code", "logistics_no", "carrier_id", "logistics_code")

        def build(params: Params) -> str:
            ids = params.add([d["declaration_id"] for d in declarations])
            arrays = {n: params.add([d[n] for d in declarations]) for n in names}
            confirmed = declaration_confirmed(self.principal, "x", params)
            return _CONFIRMED.format(ids=ids, confirmed=confirmed, **arrays)

        return {r["declaration_id"] for r in await self.everywhere(build)}


async def _timeline(
    instances: Instances,
    objects: list[tuple[str, Key, list[Key]]],
    declarations: list[tuple[Record, int]],
) -> list[tuple[Any, ...]]:
    """Timeline tuples (convert.TIMELINE_COLUMNS, seq global) of the visible events of
    `objects` ((kind, key columns, keys) read on the instance each key's kind routes to)
    and of the declarations (on the instance each was read on), in event-time order."""
    route, projected = instances.route, convert.projected("e")
    owner = {"parcel": route.parcel, "order": route.order}
    reads: list[tuple[int, str, list[Any]]] = []
    for kind, columns, keys in objects:
        by_instance: dict[int, list[Key]] = {}
        for k in keys:
            by_instance.setdefault(owner[kind](*k), []).append(k)
        c0, c1 = columns
        sql = _EVENTS.format(columns=_RAW_COLUMNS, kind=kind, c0=c0, c1=c1, projected=projected)
        for i, some in by_instance.items():
            reads.append((i, sql, [[k[0] for k in some], [k[1] for k in some]]))
    by_instance_ids: dict[int, list[Any]] = {}
    for d, i in declarations:
        by_instance_ids.setdefault(i, []).append(d["declaration_id"])
    customs = _CUSTOMS_EVENTS.format(columns=_RAW_COLUMNS, projected=projected)
    reads.extend((i, customs, [ids]) for i, ids in by_instance_ids.items())
    parts = await asyncio.gather(*(instances.fetch(i, sql, *args) for i, sql, args in reads))
    rows = [tuple(r) for part in parts for r in part]
    if not rows:
        return []
    numbered = await global_seqs(instances, [r[0] for r in rows])
    events = [(g, *r[1:]) for g, r in zip(numbered, rows, strict=True) if g is not None]
    return sorted(events, key=lambda t: (t[8], t[0]))  # status_time, then global seq


async def global_seqs(instances: Instances, seqs: list[int]) -> list[int | None]:
    """The global seq of each shard seq (None until the sequencer has numbered it)."""
    if not seqs:
        return []
    rows = await instances.fetch(HOME, _GLOBAL, seqs, [s >> SEQ_BITS for s in seqs])
    return [r[0] for r in rows]


def _confirmed(link: dict[str, Any]) -> bool:
    """Both sides asserted the link (visibility.link_confirmed)."""
    return bool(link["from_order"] and link["from_parcel"])


async def reads_of(instances: Instances, principal: Principal) -> Reads:
    """The view's reads, with home's partner registry."""
    rows = await instances.fetch(HOME, _REGISTRY)
    registry = ([r["code"] for r in rows], [r["customs_code"] for r in rows])
    return Reads(instances, principal, registry)


async def spread_parcel(
    instances: Instances, principal: Principal, carrier_id: str, waybill_no: str
) -> dict[str, Any]:
    """read.objects.get_parcel's answer, read from the instances."""
    read = await reads_of(instances, principal)
    key = (carrier_id, waybill_no)
    at = instances.route.parcel(*key)

    async def customs() -> tuple[list[tuple[Record, int]], set[Any]]:
        declarations = await read.declarations(None, [key])
        return declarations, await read.confirmed([d for d, _ in declarations])

    # What does not depend on the links is read with them (one wait fewer).
    found, shown, links, (declarations, confirmed), timeline = await asyncio.gather(
        read.objects("parcels", _PARCEL, [key], lambda *_: at),
        read.holding(parcel_visible, _PARCEL, [key]),
        read.links(_PARCEL, key),
        customs(),
        _timeline(instances, [("parcel", _PARCEL, [key])], []),
    )
    if key not in found or key not in shown:
        raise NotFound(f"no parcel {waybill_no} of carrier {carrier_id}")
    order_keys = sorted({(k[0], k[1]) for k in links})
    orders, visible = await asyncio.gather(
        read.objects("orders", _ORDER, order_keys, instances.route.order),
        read.holding(order_visible, _ORDER, order_keys),
    )
    return parcel_answer(
        found[key][0],
        orders=[orders[k][0] for k in order_keys if k in orders and k in visible],
        links=convert.Links([v for _, v in sorted(links.items()) if v["shown"]]),
        declarations=[d for d, _ in declarations],
        confirmed=confirmed,
        timeline=timeline,
    )


async def spread_order(
    instances: Instances, principal: Principal, platform_code: str, order_no: str
) -> dict[str, Any]:
    """read.objects.get_order's answer, read from the instances."""
    read = await reads_of(instances, principal)
    key = (platform_code, order_no)
    at = instances.route.order(*key)
    found, shown, links = await asyncio.gather(
        read.objects("orders", _ORDER, [key], lambda *_: at),
        read.holding(order_visible, _ORDER, [key]),
        read.links(_ORDER, key),
    )
    if key not in found or key not in shown:
        raise NotFound(f"no order {order_no} of platform {platform_code}")
    by_parcel = {(k[2], k[3]): v for k, v in links.items()}
    parcel_keys = sorted(by_parcel)
    confirmed_keys = [k for k in parcel_keys if _confirmed(by_parcel[k])]
    (parcels, visible), declarations = await asyncio.gather(
        asyncio.gather(
            read.objects("parcels", _PARCEL, parcel_keys, instances.route.parcel),
            read.holding(parcel_visible, _PARCEL, parcel_keys),
        ),
        read.declarations(key, confirmed_keys),
    )
    linked = sorted(
        (parcels[k][0] for k in parcel_keys if k in parcels and k in visible),
        key=lambda p: p["first_event_at"],
    )
    in_timeline = [k for k in confirmed_keys if k in parcels and k in visible]
    confirmed, timeline = await asyncio.gather(
        read.confirmed([d for d, _ in declarations]),
        _timeline(
            instances, [("order", _ORDER, [key]), ("parcel", _PARCEL, in_timeline)], declarations
        ),
    )
    shown_links = [v for _, v in sorted(links.items(), key=lambda kv: kv[0][2:]) if v["shown"]]
    return order_answer(
        found[key][0],
        parcels=linked,
        declarations=[d for d, _ in declarations],
        links=convert.Links(shown_links),
        confirmed=confirmed,
        timeline=timeline,
    )
