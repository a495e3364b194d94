"""The LibreTranslate client against a fake engine over real sockets: answers parsed at the
edge, every failure a typed `TranslateError`, phones and e-mails never leave."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from bot.config import TranslateSettings
from bot.errors import (
    TranslateMalformedError,
    TranslateRejectedError,
    TranslateUnavailableError,
)
from bot.models import Language
from bot.staff.texts import Texts
from bot.staff.wording import mask_contacts
from bot.translate import LibreTranslate, NoTranslator, build_translator
from tests.fakes.libretranslate import FakeLibreTranslate

WORDS = {("ru", "zh"): {"Где мой заказ?": "我的订单在哪里？"}, ("zh", "ru"): {"谢谢": "Спасибо"}}


@pytest.fixture
async def lt() -> AsyncIterator[FakeLibreTranslate]:
    async with FakeLibreTranslate.running(WORDS) as fake:
        yield fake


@pytest.fixture
async def client(lt: FakeLibreTranslate) -> AsyncIterator[LibreTranslate]:
    engine = LibreTranslate(TranslateSettings(url=lt.url, timeout_s=0.5))
    yield engine
    await engine.close()


async def test_a_text_is_translated(client: LibreTranslate, lt: FakeLibreTranslate) -> None:
    done = await client.translate("Где мой заказ?", Language.RU, Language.ZH)
    assert done.text == "我的订单在哪里？"
    assert (done.source, done.target, done.engine) == (Language.RU, Language.ZH, "libretranslate")
    assert lt.received == [
        {"q": "Где мой заказ?", "source": "ru", "target": "zh", "format": "text"}
    ]


async def test_the_api_key_is_sent_when_configured() -> None:
    async with FakeLibreTranslate.running(WORDS, api_key="k-123") as lt:
        keyed = LibreTranslate(TranslateSettings(url=lt.url, api_key=SecretStr("k-123")))
        keyless = LibreTranslate(TranslateSettings(url=lt.url))
        try:
            assert (await keyed.translate("谢谢", Language.ZH, Language.RU)).text == "Спасибо"
            with pytest.raises(TranslateRejectedError) as refused:
                await keyless.translate("谢谢", Language.ZH, Language.RU)
        finally:
            await keyed.close()
            await keyless.close()
    assert refused.value.status == 403
    assert "Invalid API key" in str(refused.value)


async def test_languages_adopt_the_engines_spelling_of_chinese() -> None:
    async with FakeLibreTranslate.running(WORDS, codes=("en", "ru", "zh-Hans")) as lt:
        client = LibreTranslate(TranslateSettings(url=lt.url))
        try:
            assert await client.languages() == {Language.EN, Language.RU, Language.ZH}
            await client.translate("谢谢", Language.ZH, Language.RU)
        finally:
            await client.close()
    assert lt.received[0]["source"] == "zh-Hans"


async def test_an_unsupported_language_is_rejected(client: LibreTranslate) -> None:
    async with FakeLibreTranslate.running(WORDS, codes=("en", "ru")) as lt:
        engine = LibreTranslate(TranslateSettings(url=lt.url))
        try:
            with pytest.raises(TranslateRejectedError) as refused:
                await engine.translate("谢谢", Language.ZH, Language.RU)
        finally:
            await engine.close()
    assert refused.value.status == 400


async def test_a_slow_engine_times_out_as_unavailable(
    client: LibreTranslate, lt: FakeLibreTranslate
) -> None:
    lt.slow(3.0)
    started = time.monotonic()
    with pytest.raises(TranslateUnavailableError, match="no answer in time"):
        await client.translate("Где мой заказ?", Language.RU, Language.ZH)
    assert time.monotonic() - started < 1.5


async def test_an_engine_that_is_down_is_unavailable(
    client: LibreTranslate, lt: FakeLibreTranslate
) -> None:
    await lt.go_down()
    with pytest.raises(TranslateUnavailableError):
        await client.translate("Где мой заказ?", Language.RU, Language.ZH)
    await lt.come_back()
    assert (await client.translate("谢谢", Language.ZH, Language.RU)).text == "Спасибо"


async def test_garbage_is_malformed_not_a_translation(
    client: LibreTranslate, lt: FakeLibreTranslate
) -> None:
    lt.garbage()
    with pytest.raises(TranslateMalformedError):
        await client.translate("Где мой заказ?", Language.RU, Language.ZH)


async def test_no_buyer_text_in_the_error(client: LibreTranslate, lt: FakeLibreTranslate) -> None:
    lt.garbage()
    with pytest.raises(TranslateMalformedError) as failed:
        await client.translate("Мой секретный заказ", Language.RU, Language.ZH)
    assert "секрет" not in str(failed.value)


async def test_phones_and_e_mails_are_masked_before_they_leave(lt: FakeLibreTranslate) -> None:
    texts = Texts(Language.ZH)
    engine = build_translator(
        TranslateSettings(url=lt.url), mask=lambda text: mask_contacts(text, texts)
    )
    try:
        await engine.translate(
            "Мой телефон +7 916 123-45-67, почта ivan.petrov@mail.ru, заказ 57195475-0050-3",
            Language.RU,
            Language.ZH,
        )
    finally:
        await engine.close()
    (sent,) = lt.asked()
    assert "916" not in sent
    assert "ivan.petrov" not in sent
    assert "[电话]" in sent
    assert "[邮箱]" in sent
    assert "57195475-0050-3" in sent  # order numbers are what staff need


async def test_no_engine_configured_means_nothing_leaves() -> None:
    engine = build_translator(TranslateSettings(url=""), mask=str)
    assert isinstance(engine, NoTranslator)
    assert not engine.enabled
    with pytest.raises(TranslateUnavailableError):
        await engine.translate("Где мой заказ?", Language.RU, Language.ZH)
