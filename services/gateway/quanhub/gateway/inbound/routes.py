"""POST /v1/inbound/{format}/{partner}: tracking pushes in the sender's own format.

The sender cannot set headers, so the partner is named in the URL and the push proves it
with the channel's signature. Each route verifies and maps its format, hands the events to
the shared pipeline (rate limit, admission, tokenisation, the raw topics), and answers in
the form its sender expects, so that the sender's retries behave.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

import orjson
import structlog
from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from quanhub.common.errors import DependencyUnavailable
from quanhub.gateway.context import ContextDep
from quanhub.gateway.inbound import kdniao, kuaidi100
from quanhub.gateway.inbound.pipeline import open_channel, publish, read_form
from quanhub.gateway.inbound.shared import CHINA, PushRefused, text

__all__ = ["router"]

log = structlog.get_logger(__name__)
router = APIRouter(tags=["inbound"])
PartnerPath = Annotated[str, Path(description="The partner's hub code, e.g. YTO")]


class Kuaidi100Answer(BaseModel):
    """The answer Kuaidi100 expects from a subscriber's callback URL."""

    result: bool = Field(description="true: the push is taken; false: Kuaidi100 pushes again")
    returnCode: str = Field(description='"200" when taken, else the HTTP status of the refusal')
    message: str = Field(description="成功, or why the push was refused")


class KdniaoAnswer(BaseModel):
    """The answer Kdniao expects from a merchant's push URL (商户实现)."""

    EBusinessID: str = Field(description="The push's EBusinessID (empty when unreadable)")
    UpdateTime: str = Field(description="When the hub answered, China time yyyy-MM-dd HH:mm:ss")
    Success: bool = Field(description="true: the push is taken; false: Kdniao pushes again")
    Reason: str = Field(description="Why the push, or some of its waybills, were refused")


_WHY = {
    400: "A malformed form or request",
    401: "A bad signature, or no push channel for this partner",
    413: "A push larger than max_json_body_bytes, or with too many items",
    415: "Not application/x-www-form-urlencoded",
    422: "No event of the push may be published; the reason codes in the answer",
    429: "The partner's event budget is spent",
    503: "Kafka or the registry is unavailable; nothing was accepted",
}


def _refusals(model: type[BaseModel], flag: str) -> dict[int | str, dict[str, Any]]:
    return {s: {"model": model, "description": f"{w} ({flag} false)"} for s, w in _WHY.items()}


def _unavailable(exc: DependencyUnavailable) -> PushRefused:
    return PushRefused(503, "unavailable", f"{exc.message}; nothing was accepted, push again")


@router.post(
    "/v1/inbound/kuaidi100/{partner}",
    summary="Receive a Kuaidi100 subscription push",
    response_model=Kuaidi100Answer,
    response_description="The push's events are durable in Kafka (result true)",
    responses=_refusals(Kuaidi100Answer, "result"),
)
async def kuaidi100_push(request: Request, ctx: ContextDep, partner: PartnerPath) -> Response:
    """Kuaidi100's subscription push for `partner`, as Kuaidi100 sends it.

    Set this URL as the subscription's `callbackurl` and the partner's push secret
    (`quanhub partners push-secret CODE --format kuaidi100`) as its `salt`. The form's
    `param` is verified against `sign` = MD5(param + salt); each scan of `lastResult`
    becomes a parcel event (`code_system` kuaidi100) published as the partner, under the
    same rules as POST /v1/events: a carrier partner publishes its own carrier's parcels.

    The answer is Kuaidi100's: `{"result": true, "returnCode": "200", "message": ...}` once
    the events are durable in Kafka; otherwise `result` false with the HTTP status as
    `returnCode` (401 bad signature or unknown channel, 400 malformed, 413 too large,
    415 not a form, 422 no scan accepted, 429 rate limited, 503 Kafka unavailable).
    """
    started = time.perf_counter()
    bound = log.bind(partner=partner, push_format="kuaidi100")
    try:
        try:
            channel, salt = await open_channel(ctx, partner, "kuaidi100")
            form = await read_form(request, ctx.limits.max_json_body_bytes)
            param = kuaidi100.verify_and_read(form, salt)
            published = await publish(ctx, channel, kuaidi100.parcel_events(param))
        except DependencyUnavailable as exc:
            raise _unavailable(exc) from None
    except PushRefused as exc:
        ctx.metrics.requests.labels(str(exc.status)).inc()
        bound.info("push_refused", code=exc.code, status=exc.status)
        body = {"result": False, "returnCode": str(exc.status), "message": exc.message}
        return Response(orjson.dumps(body), exc.status, media_type="application/json")
    ctx.metrics.requests.labels("200").inc()
    ms = round((time.perf_counter() - started) * 1000, 1)
    bound.info("push_published", accepted=published.accepted, rejected=published.rejected, ms=ms)
    body = {"result": True, "returnCode": "200", "message": "成功"}
    return Response(orjson.dumps(body), 200, media_type="application/json")


def _kdniao_answer(ctx: ContextDep, status: int, business: str, ok: bool, reason: str) -> Response:
    now = ctx.clock.now().astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")
    body = {"EBusinessID": business, "UpdateTime": now, "Success": ok, "Reason": reason}
    return Response(orjson.dumps(body), status, media_type="application/json")


@router.post(
    "/v1/inbound/kdniao/{partner}",
    summary="Receive a Kdniao track push",
    response_model=KdniaoAnswer,
    response_description="The push's events are durable in Kafka (Success true)",
    responses=_refusals(KdniaoAnswer, "Success"),
)
async def kdniao_push(request: Request, ctx: ContextDep, partner: PartnerPath) -> Response:
    """Kdniao's track push (RequestType 101) for `partner`, as Kdniao sends it.

    Set this URL as the push URL. The push verifies with the AppKey Kdniao assigned the
    partner's account once the operator has stored it (`quanhub partners push-secret CODE
    --format kdniao --set-key`, kept encrypted; with the account's EBusinessID, pushes of
    another account are refused); until then with the hub's push secret (`quanhub partners
    push-secret CODE --format kdniao`), which a relay signs with. The form's
    `RequestData` is verified against `DataSign` = Base64(lower-case hex
    MD5(RequestData + AppKey)); each trace of each waybill in `Data` becomes a parcel event
    (`code_system` kdniao, the trace's `Action`, else for the newest trace the waybill's
    `State`/`StateEx`) published as the partner, under the same rules as POST /v1/events:
    a carrier partner publishes its own carrier's parcels. A waybill whose `ShipperCode`
    names no carrier the hub knows is refused alone, and `Reason` says so.

    The answer is Kdniao's: `{"EBusinessID": ..., "UpdateTime": ..., "Success": true,
    "Reason": ""}` once the events are durable in Kafka; otherwise `Success` false with the
    HTTP status of the refusal (401 bad signature or unknown channel, 400 malformed,
    413 too large or too many waybills, 415 not a form, 422 nothing accepted, 429 rate
    limited, 503 Kafka or the registry unavailable).
    """
    started = time.perf_counter()
    bound = log.bind(partner=partner, push_format="kdniao")
    business, reasons = "", []
    try:
        try:
            channel, app_key = await open_channel(ctx, partner, "kdniao")
            form = await read_form(request, ctx.limits.max_json_body_bytes)
            data = kdniao.verify_and_read(form, app_key)
            business = text(data, "EBusinessID")[:64]
            if channel.partner_account not in {None, business}:
                msg = "EBusinessID is not the account of this channel's AppKey"
                raise PushRefused(401, "wrong_account", msg)
            mapped = kdniao.parcel_events(data, max_items=ctx.limits.max_events)
            reasons = [f"Data[{r.index}] {r.code}: {r.reason}" for r in mapped.refused]
            published = await publish(ctx, channel, mapped.events)
        except DependencyUnavailable as exc:
            raise _unavailable(exc) from None
        if not published.accepted and mapped.refused:
            raise PushRefused(422, "no_event_accepted", "no waybill could be read")
    except PushRefused as exc:
        ctx.metrics.requests.labels(str(exc.status)).inc()
        bound.info("push_refused", code=exc.code, status=exc.status, refused=len(reasons))
        return _kdniao_answer(ctx, exc.status, business, False, "; ".join([exc.message, *reasons]))
    ctx.metrics.requests.labels("200").inc()
    if published.rejected:
        reasons.append(f"{published.rejected} traces refused ({', '.join(published.codes)})")
    ms = round((time.perf_counter() - started) * 1000, 1)
    bound.info("push_published", accepted=published.accepted, rejected=published.rejected, ms=ms)
    return _kdniao_answer(ctx, 200, business, True, "; ".join(reasons))
