"""The gateway's composition root: create_app(settings) wires routes, adapters and lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta

import asyncpg
import structlog
from fastapi import FastAPI, Request
from fastapi.responses import Response

from quanhub.common.access import AccessListener, Authenticator, KeyAuthenticator
from quanhub.common.access.push import PgPushChannels, PushChannels
from quanhub.common.clock import Clock, SystemClock
from quanhub.common.errors import DependencyUnavailable
from quanhub.common.http import (
    ReadinessCheck,
    document_metadata,
    install_problem_handlers,
    ops_router,
    problem_response,
)
from quanhub.common.metrics_access import guard_metrics
from quanhub.common.ratelimit import RateLimiter
from quanhub.common.service import connect_and_migrate
from quanhub.common.settings import Profile
from quanhub.common.topics import EventKind, Topics
from quanhub.common.tracehttp import TraceContextMiddleware
from quanhub.gateway import errors
from quanhub.gateway.context import GatewayContext
from quanhub.gateway.fastpath import FastPath
from quanhub.gateway.inbound.ceb import router as ceb_router
from quanhub.gateway.inbound.channels import CachedPushChannels, NoPushChannels
from quanhub.gateway.inbound.routes import router as inbound_router
from quanhub.gateway.metrics import GatewayMetrics
from quanhub.gateway.parsing import ACCEPTED_TYPES, BodyLimits
from quanhub.gateway.publisher import KafkaPublisher, Publisher
from quanhub.gateway.routes import router
from quanhub.gateway.settings import GatewaySettings

log = structlog.get_logger(__name__)

#: HTTP status of each gateway error; chosen here and nowhere else.
_STATUS: dict[type[errors.GatewayError], int] = {
    errors.UnsupportedMediaType: 415,
    errors.PayloadTooLarge: 413,
    errors.MalformedBody: 400,
    errors.BodyIncomplete: 400,
    errors.StringTooLong: 422,
    errors.InvalidHeader: 400,
    errors.NotAllowedToPublish: 403,
    errors.BatchRejected: 422,
    errors.RateLimited: 429,
}


def _install_gateway_handlers(app: FastAPI, retry_after: int, metrics: GatewayMetrics) -> None:
    async def on_gateway_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, errors.GatewayError)  # noqa: S101 - registered for it only
        status = _STATUS.get(type(exc), 400)
        headers = dict(exc.headers)
        if status == 415:
            headers["Accept-Post"] = ACCEPTED_TYPES
        metrics.requests.labels(str(status)).inc()
        return problem_response(
            status,
            exc.code,
            exc.message,
            instance=request.url.path,
            headers=headers,
            extra=exc.extra,
        )

    async def on_unavailable(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DependencyUnavailable)  # noqa: S101
        metrics.requests.labels("503").inc()
        return problem_response(
            503,
            "kafka_unavailable",
            f"{exc.message}; nothing was acknowledged, retry the same batch later",
            instance=request.url.path,
            headers={"Retry-After": str(retry_after)},
        )

    app.add_exception_handler(errors.GatewayError, on_gateway_error)
    app.add_exception_handler(DependencyUnavailable, on_unavailable)


@asynccontextmanager
async def _registry(
    settings: GatewaySettings, clock: Clock
) -> AsyncIterator[tuple[asyncpg.Pool, Authenticator, CachedPushChannels]]:
    """The registry's pool (migrated first when asked), the authenticator and the push
    channels, their caches dropped at every registry change by this process's
    AccessListener: each worker runs its own lifespan, so each worker process holds one
    listening connection."""
    async with connect_and_migrate(settings.database, migrate=settings.migrate_on_start) as pool:
        ttl = timedelta(seconds=settings.auth_cache_seconds)
        authenticator = Authenticator(
            pool, clock, ttl, allow_demo_keys=settings.pii.profile is Profile.LOCAL
        )
        channels = CachedPushChannels(PgPushChannels(pool), clock, ttl)
        listener = AccessListener(settings.database.url, authenticator)
        listener.add(channels)
        await listener.start()
        try:
            yield pool, authenticator, channels
        finally:
            await listener.close()


def create_app(
    settings: GatewaySettings,
    *,
    clock: Clock | None = None,
    publisher: Publisher | None = None,
    authenticator: KeyAuthenticator | None = None,
    push_channels: PushChannels | None = None,
) -> FastAPI:
    """The gateway app (its GatewayContext is built by the lifespan). Tests may pass their
    own clock, publisher, authenticator or push channels."""
    clock = clock or SystemClock()
    topics = Topics(settings.kafka)
    metrics = GatewayMetrics()
    kafka = (
        None
        if publisher is not None
        else KafkaPublisher(
            settings.kafka,
            timeout=settings.publish_timeout_seconds,
            probe_topic=topics.raw(EventKind.PARCEL),
            linger_ms=settings.kafka_linger_ms,
        )
    )
    chosen: Publisher = publisher or kafka  # type: ignore[assignment] # one of them is set
    limits = BodyLimits(
        max_body_bytes=settings.max_body_bytes,
        max_events=settings.max_events_per_request,
        max_event_bytes=settings.max_event_bytes,
        max_string_chars=settings.max_string_chars,
        max_json_depth=settings.max_json_depth,
        max_json_body_bytes=min(settings.max_json_body_bytes, settings.max_body_bytes),
        max_json_values=settings.max_events_per_request * settings.max_json_values_per_event,
    )
    pii_secret = settings.pii.secret.get_secret_value().encode()
    failures = metrics.fast_path_failures
    fast_path = FastPath.load(pii_secret, limits, failures) if settings.native else None
    metrics.fast_path_enabled.set(fast_path is not None)
    # One thread: large bodies queue for it rather than share the GIL many ways.
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gateway-judge")

    def context(authenticator: KeyAuthenticator, channels: PushChannels) -> GatewayContext:
        return GatewayContext(
            clock=clock,
            topics=topics,
            limits=limits,
            limiter=RateLimiter(
                clock, rate=settings.rate_limit_events_per_second, burst=settings.rate_limit_burst
            ),
            publisher=chosen,
            metrics=metrics,
            pii_secret=pii_secret,
            retry_after_seconds=settings.retry_after_seconds,
            worker=worker,
            authenticator=authenticator,
            push_channels=channels,
            fast_path=fast_path,
        )

    pool_holder: list[asyncpg.Pool] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as registry:
            if authenticator is None:
                pool, real, cached = await registry.enter_async_context(_registry(settings, clock))
                pool_holder.append(pool)
                app.state.context = context(real, push_channels or cached)
            else:
                app.state.context = context(authenticator, push_channels or NoPushChannels())
            if kafka is not None:
                await kafka.start()
            log.info("gateway_started", port=settings.port, kafka=settings.kafka.bootstrap)
            try:
                yield
            finally:
                worker.shutdown(wait=False, cancel_futures=True)
                if kafka is not None:
                    await kafka.stop()

    async def postgres_ready() -> bool:
        if not pool_holder:
            return True
        return bool(await pool_holder[0].fetchval("SELECT 1", timeout=2))

    app = FastAPI(
        title="Quanhub gateway",
        version="1",
        summary="Partners publish order, parcel and customs events to the hub.",
        **document_metadata(settings.port),
        lifespan=lifespan,
    )
    install_problem_handlers(app)
    _install_gateway_handlers(app, settings.retry_after_seconds, metrics)
    app.add_middleware(TraceContextMiddleware)  # outermost of the app's: every answer traced
    app.include_router(router)
    app.include_router(inbound_router)
    app.include_router(ceb_router)
    checks: dict[str, ReadinessCheck] = {
        "kafka": chosen.ready,
        "postgres": postgres_ready,
    }
    app.include_router(ops_router(metrics.registry, checks, multiprocess_mode=settings.workers > 1))
    guard_metrics(app, settings.metrics, settings.profile)
    return app
