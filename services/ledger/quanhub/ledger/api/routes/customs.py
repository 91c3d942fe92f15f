"""GET /v1/customs/declarations (filtered list) and /{id} (receipts, links, checks)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from quanhub.common.http import AUTH_PROBLEMS, INVALID_REQUEST, problems
from quanhub.ledger.api.deps import (
    DatabaseDep,
    InstancesDep,
    PointDatabaseDep,
    PrincipalDep,
    SettingsDep,
)
from quanhub.ledger.api.instants import aware_instant
from quanhub.ledger.api.query import PageCursor, PageLimit
from quanhub.ledger.api.schemas import DeclarationPage, DeclarationView
from quanhub.ledger.read.customs import DeclarationFilter, get_declaration, list_declarations
from quanhub.ledger.read.spread_customs import spread_declarations
from quanhub.ledger.read.spread_declaration import spread_declaration
from quanhub.ledger.read.visibility import require_object_access

router = APIRouter(prefix="/v1/customs", tags=["customs"])

_ERRORS = {
    **AUTH_PROBLEMS,
    400: "A filter or cursor that cannot be used",
    403: "The caller's role reads indicators only",
    422: INVALID_REQUEST,
}


@router.get("/declarations", responses=problems(_ERRORS))
async def declarations(
    *,
    principal: PrincipalDep,
    db: DatabaseDep,
    instances: InstancesDep,
    settings: SettingsDep,
    trade_mode: Annotated[str | None, Query(max_length=4, examples=["1210"])] = None,
    ie_flag: Annotated[str | None, Query(pattern="^[IE]$")] = None,
    status: Annotated[str | None, Query(max_length=32, examples=["RELEASED"])] = None,
    customs_code: Annotated[str | None, Query(max_length=16, examples=["4301"])] = None,
    document: Annotated[str | None, Query(max_length=32, examples=["INVENTORY"])] = None,
    declared_from: Annotated[datetime | None, Query(alias="from")] = None,
    declared_to: Annotated[datetime | None, Query(alias="to")] = None,
    limit: PageLimit = None,
    cursor: PageCursor = None,
) -> DeclarationPage:
    """Customs declarations the caller may see, newest first, filtered by trade mode, ie
    flag, canonical status, customs office code, document and declared time range
    (`from` inclusive, `to` exclusive, ISO 8601 with offset).

    Each item says whether the declaration is `confirmed` to the caller: the order (for a
    platform) or parcel (for a carrier) it names exists and is the caller's; otherwise it
    is the declarant's claim only. The declarant itself always reads false (whether
    another partner's order or parcel exists is not its to learn).

    Keyset-paginated: pass the answer's `next_cursor` as `cursor` for the next page.
    """
    require_object_access(principal)
    declared_from = aware_instant("from", declared_from)
    declared_to = aware_instant("to", declared_to)
    filters = DeclarationFilter(
        trade_mode=trade_mode,
        ie_flag=ie_flag,
        status=status.upper() if status else None,
        customs_code=customs_code,
        document=document.upper() if document else None,
        declared_from=declared_from,
        declared_to=declared_to,
    )
    size = min(limit or settings.page_size, settings.max_page_size)
    if instances is None:
        page = await list_declarations(db, principal, filters, limit=size, cursor=cursor)
    else:
        page = await spread_declarations(instances, principal, filters, limit=size, cursor=cursor)
    return DeclarationPage.model_validate(page)


@router.get(
    "/declarations/{declaration_id}",
    responses=problems({**_ERRORS, 404: "No such declaration, or not visible"}),
)
async def declaration(
    declaration_id: uuid.UUID,
    principal: PrincipalDep,
    db: PointDatabaseDep,
    instances: InstancesDep,
) -> DeclarationView:
    """One declaration: its receipts in return_time order, the linked order and parcels,
    the three-document match (order, payment, waybill, inventory: which exist, whether they
    agree on amount, buyer/payer, consignee and lines, and what is missing) and the import
    limit flags (CNY 5,000 per order, CNY 26,000 per buyer per year, import only). When
    more than one declarant filed a document of one kind (or a declarant's order document
    contradicts the platform's order), the kind is listed in `conflicts` with its
    `filings`, and a rule over it reads `conflict` unless every choice gives one result.

    `confirmed` as in the list. Only documents the caller may read take part in the
    match; the buyer's yearly figures are null unless the caller is the customs liaison
    or an admin.
    """
    require_object_access(principal)
    if instances is None:
        view = await get_declaration(db, principal, declaration_id)
    else:
        view = await spread_declaration(instances, principal, declaration_id)
    return DeclarationView.model_validate(view, from_attributes=True)
