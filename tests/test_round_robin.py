"""The round-robin proxy the workers' tests and benchmark put in front of `serve` workers."""

from __future__ import annotations

import httpx

from tests.round_robin import RoundRobin


async def test_a_stopped_proxy_answers_503_rather_than_failing() -> None:
    """Telegram may still deliver while the proxy stops: it must get a 5xx to try again
    later, not an error inside the proxy (the workers benchmark printed one at its end)."""
    proxy = RoundRobin(["http://127.0.0.1:9"])  # nothing listens on the discard port
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=proxy), base_url="http://proxy"
    ) as client:
        assert (await client.post("/telegram", content=b"{}")).status_code == 502
        await proxy.aclose()
        stopped = await client.post("/telegram", content=b"{}")
    assert stopped.status_code == 503
    assert proxy.sent == {"http://127.0.0.1:9": 0}
