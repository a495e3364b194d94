"""The posting lists by order number (`/v4/posting/fbs/list`, `/v3/posting/fbo/list`) and FBO
delivery dates: the real client against the emulator over a socket, requests and answers
validated against ../shared/ozon/openapi-2026-10.json (strict mode)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.errors import OzonBadRequestError
from bot.ozon.client import OzonClient, OzonHttp
from bot.sandbox.app import RunningSandbox, serve
from bot.sandbox.state import SandboxState

SPEC = Path(__file__).resolve().parents[3] / "shared" / "ozon" / "openapi-2026-10.json"
pytestmark = pytest.mark.skipif(not SPEC.exists(), reason=f"{SPEC} is not beside the repository")

ORDER = "57195475-0050"
SCENARIO = {
    "postings": [
        {"posting_number": f"{ORDER}-1", "scheme": "fbs", "status": "delivered", "sku": "111"},
        {
            "posting_number": f"{ORDER}-2",
            "scheme": "fbs",
            "status": "delivering",
            "delivery_date": "2026-11-25",
            "sku": "222",
        },
        {"posting_number": "11111111-0001-1", "scheme": "fbs", "status": "delivering"},
        {
            "posting_number": "9121072335-0187-1",
            "scheme": "fbo",
            "status": "delivering",
            "delivery_date": "2026-11-27",
            "sku": "333",
        },
    ],
    "products": [{"sku": "111", "name": "Наушники"}, {"sku": "222", "name": "Чехол"}],
}
TO = datetime(2026, 11, 21, tzinfo=UTC)
SINCE = TO - timedelta(days=364)


@pytest.fixture
async def sandbox() -> AsyncIterator[RunningSandbox]:
    async with serve(SandboxState(), spec=SPEC) as running:
        running.state.seed_from_scenario(SCENARIO)
        yield running


@pytest.fixture
async def ozon(sandbox: RunningSandbox) -> AsyncIterator[OzonClient]:
    async with OzonHttp(timeout_s=2) as http:
        yield http.client(base_url=sandbox.url, client_id="1", api_key="k", read_retries=0)


async def test_fbs_list_gives_every_posting_of_the_order(
    ozon: OzonClient, sandbox: RunningSandbox
) -> None:
    page = await ozon.fbs_postings_of_orders([ORDER], since=SINCE, to=TO)
    assert [p.posting_number for p in page.postings] == [f"{ORDER}-1", f"{ORDER}-2"]
    assert [p.status for p in page.postings] == ["delivered", "delivering"]
    assert page.postings[1].delivery_date == date(2026, 11, 25)
    assert page.postings[0].products[0].name == "Наушники"
    assert not page.has_next
    assert sandbox.state.schema_violations == []


async def test_fbo_list_gives_the_client_delivery_date(
    ozon: OzonClient, sandbox: RunningSandbox
) -> None:
    page = await ozon.fbo_postings_of_orders(["9121072335-0187"])
    assert [p.posting_number for p in page.postings] == ["9121072335-0187-1"]
    assert page.postings[0].scheme == "fbo"
    assert page.postings[0].delivery_date == date(2026, 11, 27)
    assert sandbox.state.schema_violations == []


async def test_fbo_get_reads_the_client_delivery_date(ozon: OzonClient) -> None:
    posting = await ozon.fbo_posting("9121072335-0187-1")
    assert posting.delivery_date == date(2026, 11, 27)


async def test_an_order_without_postings_of_a_scheme_is_an_empty_page(ozon: OzonClient) -> None:
    assert (await ozon.fbo_postings_of_orders([ORDER])).postings == ()


async def test_a_period_longer_than_a_year_is_refused_before_sending(ozon: OzonClient) -> None:
    with pytest.raises(OzonBadRequestError):
        await ozon.fbs_postings_of_orders([ORDER], since=TO - timedelta(days=400), to=TO)
