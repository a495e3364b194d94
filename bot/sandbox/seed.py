"""What a scenario file tells the emulator: postings, products, (an extra) returns, and the
public product questions and reviews of the question and review streams.

The fields follow ARCHITECTURE.md "Scenario files"; everything but the identifying fields is
optional. Numbers written without quotes in YAML (SKUs) are taken as strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.errors import SeedError


class _Seed(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", coerce_numbers_to_str=True)


class SeedItem(_Seed):
    sku: str
    quantity: int = 1
    name: str | None = None
    offer_id: str | None = None


class SeedPosting(_Seed):
    posting_number: str
    scheme: Literal["fbs", "fbo", "rfbs"] = "fbs"
    status: str = "awaiting_packaging"
    substatus: str = ""
    delivery_date: date | None = None
    """Expected (or, once delivered, actual) delivery day."""
    tracking_number: str | None = None
    sku: str | None = None
    quantity: int = 1
    products: tuple[SeedItem, ...] = ()
    order_number: str | None = None
    in_process_at: datetime | None = None
    shipment_date: datetime | None = None
    delivering_date: datetime | None = None
    delivered_at: datetime | None = None
    """When the buyer got it; opens the 72-hour FBS reply window (defaults to delivery_date)."""
    cancel_reason: str | None = None

    @field_validator("posting_number")
    @classmethod
    def _has_groups(cls, value: str) -> str:
        if value.count("-") < 2:
            raise ValueError("a posting number looks like 57195475-0050-3")
        return value

    @property
    def items(self) -> tuple[SeedItem, ...]:
        if self.products:
            return self.products
        return (SeedItem(sku=self.sku, quantity=self.quantity),) if self.sku else ()

    @property
    def order(self) -> str:
        return self.order_number or self.posting_number.rpartition("-")[0]

    @property
    def api_scheme(self) -> Literal["fbs", "fbo"]:
        """rFBS postings are served by the FBS method, like at Ozon."""
        return "fbo" if self.scheme == "fbo" else "fbs"


class SeedDimensions(_Seed):
    height: int | None = None
    depth: int | None = None
    width: int | None = None
    dimension_unit: str = "mm"
    weight: int | None = None
    weight_unit: str = "g"


class SeedProduct(_Seed):
    sku: str
    name: str
    attributes: dict[str, str | list[str]] = Field(default_factory=dict)
    stock: int | None = None
    """Units available to buyers; left out, the emulator says nothing about stock."""
    price: str | None = None
    old_price: str | None = None
    description: str = ""
    offer_id: str | None = None
    product_id: str | None = Field(default=None, pattern=r"^[0-9]+$")
    dimensions: SeedDimensions | None = None
    archived: bool = False

    @field_validator("attributes", mode="before")
    @classmethod
    def _stringify(cls, value: object) -> object:
        if not isinstance(value, Mapping):
            return value
        return {
            str(k): [str(x) for x in v] if isinstance(v, list) else str(v) for k, v in value.items()
        }

    def values(self, name: str) -> tuple[str, ...]:
        value = self.attributes[name]
        return tuple(value) if isinstance(value, list) else (value,)


class SeedReturn(_Seed):
    posting_number: str
    status: str = "ArrivedAtReturnPlace"
    """`visual.status.sys_name`, e.g. DisputeOpened, MovingToSeller, MoneyReturned."""
    status_name: str | None = None
    sku: str | None = None
    product_name: str | None = None
    reason: str | None = None
    quantity: int = 1
    return_type: str = "FullReturn"


class SeedQuestion(_Seed):
    """A buyer's public question about a product (`questions:` of a scenario file); `expect`
    and other keys for the scenario runner are ignored here."""

    sku: str
    text: str
    id: str | None = None
    status: Literal["NEW", "VIEWED", "PROCESSED", "UNPROCESSED"] = "NEW"
    published_at: datetime | None = None
    author_name: str = "Пользователь OZON"


class SeedReview(_Seed):
    """A buyer's review (`reviews:`). `rating` is taken as written, even outside 1..5, so the
    bot's handling of Ozon's surprises can be tried; `photos`/`videos` are counts."""

    sku: str
    rating: int
    text: str = ""
    id: str | None = None
    status: Literal["NEW", "VIEWED", "PROCESSED"] = "NEW"
    order_status: Literal["DELIVERED", "CANCELLED"] = "DELIVERED"
    photos: int = Field(default=0, ge=0)
    videos: int = Field(default=0, ge=0)
    published_at: datetime | None = None


class Seed(_Seed):
    postings: tuple[SeedPosting, ...] = ()
    products: tuple[SeedProduct, ...] = ()
    returns: tuple[SeedReturn, ...] = ()
    questions: tuple[SeedQuestion, ...] = ()
    reviews: tuple[SeedReview, ...] = ()


SEEDED = ("postings", "products", "returns", "questions", "reviews")


def parse_seed(data: Mapping[str, object]) -> Seed:
    """The emulator's part of a scenario (other keys are ignored); errors name the field."""
    try:
        return Seed.model_validate({key: data[key] or () for key in SEEDED if key in data})
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise SeedError(f"{where}: {error['msg']}") from exc
