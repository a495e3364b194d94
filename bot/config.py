"""Configuration: one settings object, a section per system, from the environment and `.env`.

Every variable is listed in README.md ("Configuration"). A missing or malformed value fails at
start-up with a `ConfigError` that names the variable, never later with a `KeyError` deep inside.

Several shops: `OZONBOT_ACCOUNTS` names a YAML file (see `docs/accounts.example.yml`). Without it,
one shop is built from `OZON_CLIENT_ID` / `OZON_API_KEY` and the `TELEGRAM_STAFF_CHAT_ID`.

Long (~490 lines) because it is every setting with its validation and its error message in one
place, read next to the README's table.
"""

from __future__ import annotations

import os
import re
from datetime import date, time
from pathlib import Path
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot import yamlio
from bot.errors import ConfigError
from bot.models import NEVER_AUTO_INTENTS, Intent, Language, Mode

DEFAULT_OZON_URL = "https://api-seller.ozon.ru"
# Ozon sends push notifications only from these networks (Ozon push docs, 2025).
OZON_PUSH_NETWORKS = ("195.34.21.0/24", "185.73.192.0/22", "91.223.93.0/24")


def _section(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(
        env_prefix=prefix, env_file=".env", extra="ignore", env_file_encoding="utf-8"
    )


class OzonSettings(BaseSettings):
    model_config = _section("OZON_")

    client_id: str | None = None
    api_key: SecretStr | None = None
    api_url: str = DEFAULT_OZON_URL
    rate_limit_rps: float = Field(default=20.0, gt=0, le=45)
    """Requests per second per Client-Id; Ozon's limit is 50, we stay safely below it."""
    timeout_s: float = Field(default=10.0, gt=0)
    read_retries: int = Field(default=4, ge=0, le=10)


class RedisSettings(BaseSettings):
    model_config = _section("REDIS_")

    url: str = "redis://127.0.0.1:6379/0"
    prefix: str = "ozonbot"
    """Namespace of every key this deployment writes; tests use their own."""


class RasaSettings(BaseSettings):
    model_config = _section("RASA_")

    url: str = "http://127.0.0.1:5005"
    timeout_s: float = Field(default=20.0, gt=0)
    token: SecretStr | None = None
    """Rasa's `--auth-token`, when the server runs with one (its HTTP API can retrain models)."""


class TelegramSettings(BaseSettings):
    model_config = _section("TELEGRAM_")

    bot_token: SecretStr | None = None
    api_url: str = "https://api.telegram.org"
    staff_chat_id: int | None = None
    staff_user_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    owner_username: str | None = None
    """Mentioned when an escalation waits past the second SLA step (without the @)."""
    alert_chat_id: int | None = None
    """Where the console reports a staff chat that refuses the bot (kicked, not found); without
    it the alert goes to the other staff chats."""
    language: Language = Language.EN
    """Language of cards and buttons (en, ru, zh); buyer text is always shown as written."""

    @field_validator("staff_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(int(part) for part in re.split(r"[,\s]+", value.strip()) if part)
        return value

    @property
    def enabled(self) -> bool:
        """A token is set and not empty (`TELEGRAM_BOT_TOKEN=` in a copied .env means off)."""
        return self.bot_token is not None and bool(self.bot_token.get_secret_value().strip())


class TranslateSettings(BaseSettings):
    """A LibreTranslate-compatible engine for staff who do not read the buyer's language
    (README "Translation for staff"). Empty `TRANSLATE_URL`: off."""

    model_config = _section("TRANSLATE_")

    url: str = ""
    api_key: SecretStr | None = None
    """Sent as `api_key` when the engine runs with keys (`LT_API_KEYS`)."""
    timeout_s: float = Field(default=10.0, gt=0, le=120)
    """One translation call; a card never waits for it, a staff reply waits at most this long."""

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(f"must be an http(s) base URL or empty, got {value!r}")
        return value

    @property
    def enabled(self) -> bool:
        return bool(self.url)


class WorkerSettings(BaseSettings):
    model_config = _section("OZONBOT_")

    accounts: Path | None = None
    poll_interval_s: float = Field(default=3.0, gt=0)
    concurrency: int = Field(default=8, ge=1, le=256)
    """Chats processed in parallel by one worker."""
    outage_limit_s: float = Field(default=600.0, gt=0)
    """Rasa or Ozon down longer than this: the waiting chats are escalated with reason `system`."""
    record_retention_days: int = Field(default=30, ge=1)
    blocked_text_retention_days: int = Field(default=14, ge=1)
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)
    """/healthz, /metrics, the Ozon push endpoint and the Rasa action endpoint."""
    actions_port: int = Field(default=5055, ge=1, le=65535)
    """Where `ozonbot actions` serves the Rasa action endpoint."""
    push_enabled: bool = False
    push_networks: Annotated[tuple[str, ...], NoDecode] = OZON_PUSH_NETWORKS
    """Source networks accepted by the push endpoint; `*` accepts any (local tests only)."""
    takeover_timeout_min: int = Field(default=120, ge=1)
    sla_reannounce_min: int = Field(default=15, ge=1)
    sla_owner_min: int = Field(default=60, ge=1)
    reply_window_warn_min: int = Field(default=120, ge=1)
    log_level: str = "INFO"
    knowledge_dir: Path = Path("knowledge")
    """The approved answer snippets (YAML)."""
    nlu_dir: Path = Path("nlu")
    """The Rasa NLU data: the inbound spam classifier learns buyers' language from it."""
    shop_name: str = "shop"
    """The shop's name in replies and cards (single-shop set-ups; the accounts file has `name`)."""
    grace_s: float = Field(default=20.0, ge=0)
    """On SIGTERM, how long chats in flight may finish before they are released."""

    @field_validator("push_networks", mode="before")
    @classmethod
    def _split_networks(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part for part in re.split(r"[,\s]+", value.strip()) if part)
        return value


class GeneralSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    timezone: str = "Europe/Moscow"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        _zone(value)
        return value


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


# --- shops ---------------------------------------------------------------------------------

_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"^(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})$")


class TimeSpan(BaseModel):
    model_config = ConfigDict(frozen=True)

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> TimeSpan:
        match = _SPAN.match(text.strip())
        if not match:
            raise ValueError(f"working hours must look like 09:00-18:00, got {text!r}")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        end = time(23, 59, 59) if (h2, m2) == (24, 0) else time(h2, m2)
        return cls(start=time(h1, m1), end=end)


def _span(value: object) -> TimeSpan:
    if isinstance(value, TimeSpan):
        return value
    if isinstance(value, dict):
        return TimeSpan.model_validate(value)
    return TimeSpan.parse(str(value))


def _office_week() -> dict[str, tuple[TimeSpan, ...]]:
    return {day: (TimeSpan.parse("09:00-18:00"),) for day in _DAY_NAMES[:5]}


class WorkingHours(BaseModel):
    """When people are at work; outside it the after-hours modes apply."""

    model_config = ConfigDict(frozen=True)

    timezone: str = "Europe/Moscow"
    weekly: dict[str, tuple[TimeSpan, ...]] = Field(default_factory=lambda: _office_week())
    holidays: frozenset[date] = frozenset()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        _zone(value)
        return value

    @field_validator("weekly", mode="before")
    @classmethod
    def _parse_weekly(cls, value: object) -> object:
        if not isinstance(value, dict):
            return value
        parsed: dict[str, tuple[TimeSpan, ...]] = {}
        for day, spans in value.items():
            key = str(day).lower()[:3]
            if key not in _DAY_NAMES:
                raise ValueError(f"unknown day {day!r}; use mon..sun")
            items = [] if spans in (None, "", "off") else spans
            items = [items] if isinstance(items, str) else items
            parsed[key] = tuple(_span(s) for s in items)
        return parsed

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _default_modes() -> dict[str, dict[Intent, Mode]]:
    # Routine intents are answered at any hour; a seller opts into `draft` per period.
    never = dict.fromkeys(NEVER_AUTO_INTENTS, Mode.OFF)
    return {"working": dict(never), "after_hours": dict(never)}


def _default_review_modes() -> dict[int, Mode]:
    return {5: Mode.AUTO, 4: Mode.AUTO, 3: Mode.DRAFT, 2: Mode.DRAFT, 1: Mode.DRAFT}


class PublicPolicy(BaseModel):
    """What the bot does with a shop's public product questions and reviews (`bot.streams`).

    Modes as for chats: `auto` publishes, `draft` puts a checked suggestion on a staff card,
    `off` leaves it alone. Questions: `auto` answers the routine ones the product card settles
    and cards the rest; `draft` cards every one; `off` does not poll. Reviews: per star rating;
    1-3 stars are never automatic; 4-5 stars without text are `off` unless asked for."""

    model_config = ConfigDict(frozen=True)

    questions: Mode = Mode.AUTO
    reviews: dict[int, Mode] = Field(default_factory=_default_review_modes)
    reviews_without_text: Mode = Mode.OFF
    """4-5 stars and no words: a short thank-you only when set to auto or draft."""
    comment_settle_min: int = Field(default=360, ge=0)
    """A comment whose call was cut off and that Ozon's comment list (which shows only
    moderated comments) does not show is sent again only after this long."""

    @model_validator(mode="after")
    def _low_ratings_never_auto(self) -> PublicPolicy:
        for rating, mode in self.reviews.items():
            if not 1 <= rating <= 5:
                raise ValueError(f"public.reviews: rating {rating} is not 1..5")
            if rating <= 3 and mode is Mode.AUTO:
                raise ValueError(f"public.reviews.{rating}: 1-3 stars are never answered auto")
        return self

    @property
    def reviews_on(self) -> bool:
        modes = (*self.reviews.values(), self.reviews_without_text)
        return any(mode is not Mode.OFF for mode in modes)

    def review_mode(self, rating: int, *, has_text: bool) -> Mode:
        if not 1 <= rating <= 5:
            return Mode.DRAFT  # Ozon sent a rating outside 1..5: people look at it
        if rating >= 4 and not has_text:
            return self.reviews_without_text
        mode = self.reviews.get(rating, Mode.DRAFT)
        return Mode.DRAFT if rating <= 3 and mode is Mode.AUTO else mode


class ShopConfig(BaseModel):
    """One Ozon account (shop) and how the bot behaves for it."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    """Short name used in Redis keys, Rasa sender ids and staff cards."""
    name: str
    client_id: str
    api_key: SecretStr
    api_url: str = DEFAULT_OZON_URL
    rate_limit_rps: float | None = None
    staff_chat_id: int | None = None
    hours: WorkingHours = Field(default_factory=WorkingHours)
    modes: dict[str, dict[Intent, Mode]] = Field(default_factory=_default_modes)
    """`working` / `after_hours` → intent → mode; intents not named are `auto`."""
    draft_auto_send_min: int | None = Field(default=None, ge=1)
    """Send a draft nobody acted on after this many minutes (None: never)."""
    return_window_days: int = Field(default=14, ge=1)
    answer_after_hours_holding: bool = True
    reply_language: Language = Language.RU
    public: PublicPolicy = Field(default_factory=PublicPolicy)
    """Product questions and reviews (README "Questions and reviews")."""
    answer_rude_delivery: bool = False
    """Answer a rude "where is my order" with the facts (off: a person answers it; abuse with
    any other request is always a person's, bot/worker/decide.py)."""
    confirm_translated_replies: bool = True
    """A staff reply machine-translated into the buyer's language waits for a "Send" tap
    (off: sent at once). The rules check of the translation is never off."""

    @model_validator(mode="after")
    def _disputes_never_auto(self) -> ShopConfig:
        for period, modes in self.modes.items():
            if period not in ("working", "after_hours"):
                raise ValueError(f"modes: unknown period {period!r}; use working/after_hours")
            for intent, mode in modes.items():
                if intent in NEVER_AUTO_INTENTS and mode is not Mode.OFF:
                    raise ValueError(f"modes.{period}.{intent}: {intent} is never auto-answered")
        return self

    def mode_for(self, intent: Intent, *, working: bool) -> Mode:
        if intent in NEVER_AUTO_INTENTS:
            return Mode.OFF
        period = self.modes.get("working" if working else "after_hours", {})
        return period.get(intent, Mode.AUTO)


class Settings(BaseModel):
    """Everything the process needs, validated once at start-up."""

    ozon: OzonSettings
    redis: RedisSettings
    rasa: RasaSettings
    telegram: TelegramSettings
    worker: WorkerSettings
    general: GeneralSettings
    shops: tuple[ShopConfig, ...]
    translate: TranslateSettings = Field(default_factory=lambda: TranslateSettings(_env_file=None))

    def shop(self, shop_id: str) -> ShopConfig:
        for shop in self.shops:
            if shop.id == shop_id:
                return shop
        raise ConfigError("OZONBOT_ACCOUNTS", f"no shop with id {shop_id!r}")


S = TypeVar("S", bound=BaseSettings)

_PREFIXES: dict[type[BaseSettings], str] = {
    OzonSettings: "OZON_",
    RedisSettings: "REDIS_",
    RasaSettings: "RASA_",
    TelegramSettings: "TELEGRAM_",
    WorkerSettings: "OZONBOT_",
    GeneralSettings: "",
    TranslateSettings: "TRANSLATE_",
}


def _build_section(cls: type[S], env_file: str | None) -> S:
    try:
        return cls(_env_file=env_file)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "?"
        raise ConfigError(f"{_PREFIXES[cls]}{field}".upper(), error["msg"]) from exc


def default_env_file() -> str:
    """`.env`, unless `OZONBOT_ENV_FILE` names another (the sandbox profile, tests)."""
    return os.environ.get("OZONBOT_ENV_FILE", ".env")


def load_settings(env_file: str | None = None) -> Settings:
    """Read and validate the whole configuration, or raise `ConfigError` naming the variable."""
    env_file = env_file or default_env_file()
    ozon = _build_section(OzonSettings, env_file)
    telegram = _build_section(TelegramSettings, env_file)
    worker = _build_section(WorkerSettings, env_file)
    general = _build_section(GeneralSettings, env_file)
    if worker.accounts is not None:
        shops = load_accounts(worker.accounts, general.timezone, default_api_url=ozon.api_url)
    else:
        shops = (_single_shop(ozon, telegram, worker, general),)
    return Settings(
        ozon=ozon,
        redis=_build_section(RedisSettings, env_file),
        rasa=_build_section(RasaSettings, env_file),
        telegram=telegram,
        worker=worker,
        general=general,
        shops=shops,
        translate=_build_section(TranslateSettings, env_file),
    )


_NEED_CREDENTIALS = "is required (or name an accounts file in OZONBOT_ACCOUNTS)"


def _single_shop(
    ozon: OzonSettings, telegram: TelegramSettings, worker: WorkerSettings, general: GeneralSettings
) -> ShopConfig:
    if not ozon.client_id:
        raise ConfigError("OZON_CLIENT_ID", _NEED_CREDENTIALS)
    if ozon.api_key is None or not ozon.api_key.get_secret_value():
        raise ConfigError("OZON_API_KEY", _NEED_CREDENTIALS)
    return ShopConfig(
        id="main",
        name=worker.shop_name,
        client_id=ozon.client_id,
        api_key=ozon.api_key,
        api_url=ozon.api_url,
        rate_limit_rps=ozon.rate_limit_rps,
        staff_chat_id=telegram.staff_chat_id,
        hours=WorkingHours(timezone=general.timezone),
    )


_ENV_REF = re.compile(r"^\$\{([A-Z_][A-Z0-9_]*)\}$")


def _resolve_env_refs(value: Any, where: str) -> Any:
    """`${NAME}` in the accounts file is read from the environment, so keys stay out of files."""
    if isinstance(value, dict):
        return {k: _resolve_env_refs(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_env_refs(v, where) for v in value]
    if isinstance(value, str) and (match := _ENV_REF.match(value)):
        name = match.group(1)
        if name not in os.environ:
            raise ConfigError(name, f"is referenced by {where} in the accounts file but not set")
        return os.environ[name]
    return value


def load_accounts(
    path: Path, default_timezone: str = "Europe/Moscow", *, default_api_url: str = DEFAULT_OZON_URL
) -> tuple[ShopConfig, ...]:
    """Parse the accounts YAML file into shops; errors name the file, the shop and the field.
    A shop without its own `api_url` uses `default_api_url` (`OZON_API_URL`)."""
    try:
        raw = yamlio.parse(path.read_text(encoding="utf-8"))
    except (OSError, yamlio.YAMLError) as exc:
        raise ConfigError("OZONBOT_ACCOUNTS", f"cannot read {path}: {exc}") from exc
    entries = raw.get("shops") if isinstance(raw, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ConfigError("OZONBOT_ACCOUNTS", f"{path} must hold a non-empty list under 'shops'")
    shops = []
    for index, entry in enumerate(entries):
        where = f"shops[{index}]"
        data = _resolve_env_refs(entry, where)
        if isinstance(data, dict):
            data.setdefault("hours", {}).setdefault("timezone", default_timezone)
            data.setdefault("api_url", default_api_url)
        try:
            shops.append(ShopConfig.model_validate(data))
        except ValidationError as exc:
            error = exc.errors()[0]
            field = ".".join(str(part) for part in error["loc"])
            problem = f"{path}: {where}.{field}: {error['msg']}"
            raise ConfigError("OZONBOT_ACCOUNTS", problem) from exc
    ids = [shop.id for shop in shops]
    if len(set(ids)) != len(ids):
        raise ConfigError("OZONBOT_ACCOUNTS", f"{path}: shop ids must be unique, got {ids}")
    return tuple(shops)
