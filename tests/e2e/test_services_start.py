"""Every service `make run` starts comes up against real servers and answers its ops routes."""

from __future__ import annotations

import httpx
import pytest

from quanhub.stack.servicegroup import E2E_SERVICES, RunningServices

pytestmark = pytest.mark.e2e


async def test_every_service_is_ready_healthy_and_exports_metrics(
    services: RunningServices,
) -> None:
    async with httpx.AsyncClient(timeout=5) as client:
        for name in E2E_SERVICES:
            base = services.url(name)
            assert (await client.get(f"{base}/healthz")).status_code == 200, name
            assert (await client.get(f"{base}/readyz")).status_code == 200, name
            metrics = await client.get(f"{base}/metrics")
            assert metrics.status_code == 200, name
            assert "# TYPE" in metrics.text, name


async def test_gateway_refuses_events_without_a_key(services: RunningServices) -> None:
    async with httpx.AsyncClient(timeout=5) as client:
        response = await client.post(f"{services.gateway_url}/v1/events", json={"events": []})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


def test_demo_partners_have_keys(services: RunningServices) -> None:
    assert {"SF", "TMALL", "ADMIN"} <= set(services.demo_keys)
