"""A LibreTranslate-compatible engine over HTTP (the only module that talks to it).

    POST {url}/translate  {"q", "source", "target", "format": "text", "api_key"?}
                          -> {"translatedText": "..."}
    GET  {url}/languages  -> [{"code": "ru", "name": "Russian", "targets": [...]}, ...]

One `ClientSession` for the process, opened at the first call and closed by `close()`. Failures
become `TranslateError`s at this boundary: refused, timed out, 429 and 5xx are
`TranslateUnavailableError`; other 4xx (a bad key, an unsupported pair) are
`TranslateRejectedError`; anything but a JSON object with a string `translatedText` is
`TranslateMalformedError`. Nothing is retried here: a card is edited later anyway and a staff
member can simply send again, so a retry would only add waiting.
"""

from __future__ import annotations

import logging

import aiohttp
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from bot.config import TranslateSettings
from bot.errors import (
    TranslateError,
    TranslateMalformedError,
    TranslateRejectedError,
    TranslateUnavailableError,
)
from bot.models import Language
from bot.translate.base import Translation

log = logging.getLogger(__name__)

# LibreTranslate names Simplified Chinese `zh` (argos-translate), newer builds also `zh-Hans`;
# other compatible engines use `zh-CN`. Whichever `/languages` lists first wins.
_CODES: dict[Language, tuple[str, ...]] = {
    Language.RU: ("ru",),
    Language.EN: ("en",),
    Language.ZH: ("zh", "zh-Hans", "zh-CN"),
}
_ERROR_CHARS = 160


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore")

    translatedText: str  # LibreTranslate's field name


class _Language(BaseModel):
    model_config = ConfigDict(extra="ignore")

    code: str


class _Error(BaseModel):
    error: str


_LANGUAGES = TypeAdapter(list[_Language])


class LibreTranslate:
    engine = "libretranslate"
    enabled = True

    def __init__(self, settings: TranslateSettings) -> None:
        self._url = settings.url
        self._key = settings.api_key.get_secret_value() if settings.api_key else None
        self._timeout = aiohttp.ClientTimeout(total=settings.timeout_s)
        self._session: aiohttp.ClientSession | None = None
        self._codes = {language: codes[0] for language, codes in _CODES.items()}

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def translate(self, text: str, source: Language, target: Language) -> Translation:
        body: dict[str, str] = {
            "q": text,
            "source": self._codes[source],
            "target": self._codes[target],
            "format": "text",
        }
        if self._key:
            body["api_key"] = self._key
        raw = await self._call("POST", "/translate", body)
        try:
            answer = _Answer.model_validate_json(raw)
        except ValidationError as exc:
            raise TranslateMalformedError("/translate: no translatedText in the answer") from exc
        if text.strip() and not answer.translatedText.strip():
            raise TranslateMalformedError("/translate: an empty translation")
        return Translation(answer.translatedText, source, target, self.engine)

    async def languages(self) -> frozenset[Language]:
        """Ask the engine what it serves and use its spelling of each language's code."""
        raw = await self._call("GET", "/languages", None)
        try:
            served = {item.code for item in _LANGUAGES.validate_json(raw)}
        except ValidationError as exc:
            raise TranslateMalformedError("/languages: not a list of languages") from exc
        found: set[Language] = set()
        for language, codes in _CODES.items():
            code = next((c for c in codes if c in served), None)
            if code is not None:
                self._codes[language] = code
                found.add(language)
        return frozenset(found)

    async def _call(self, method: str, path: str, body: dict[str, str] | None) -> bytes:
        try:
            async with self._http().request(method, self._url + path, json=body) as response:
                raw = await response.read()
                _raise_for_status(path, response.status, raw)
                return raw
        except TranslateError:
            raise
        except TimeoutError as exc:
            raise TranslateUnavailableError(f"{path}: no answer in time") from exc
        except aiohttp.ClientError as exc:
            raise TranslateUnavailableError(f"{path}: {type(exc).__name__}") from exc


def _raise_for_status(path: str, status: int, raw: bytes) -> None:
    if status < 300:
        return
    said = _error_of(raw)
    if status == 429 or status >= 500:
        raise TranslateUnavailableError(f"{path}: {said}", status=status)
    raise TranslateRejectedError(f"{path}: {said}", status=status)


def _error_of(raw: bytes) -> str:
    """LibreTranslate's `{"error": "..."}`, cut short (it names a language, never the text)."""
    try:
        return _Error.model_validate_json(raw).error[:_ERROR_CHARS]
    except ValidationError:
        return "no error description"
