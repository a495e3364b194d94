"""What the demo's scripted buyers write: a realistic mix of routine questions and trouble."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Line:
    chat: str
    text: str
    order_number: str | None = None
    sku: str | None = None
    pause_s: float = 2.0
    """Wait this long before the buyer writes (the demo's pace)."""


SCRIPT: tuple[Line, ...] = (
    Line("anna", "Здравствуйте!", pause_s=0.5),
    Line("anna", "подскажите где мой заказ?", order_number="57195475-0050"),
    Line("boris", "Какой материал у этого чехла?", sku="1234567890"),
    Line("tim", "Hi, where is my order 9121072335-0187-1?"),
    Line("vera", "хочу вернуть кроссовки, не подошел размер", order_number="48213377-0012"),
    Line("gleb", "товар пришел сломанный, кружка течет", order_number="9121072335-0187"),
    Line("olga", "есть термокружка в наличии?", sku="2233445566"),
    Line("dima", "дайте ваш вотсап или телефон, так удобнее"),
    Line("ivan", "вы мошенники, верните деньги, иначе подам в суд"),
    Line("anna", "Спасибо большое!", order_number="57195475-0050"),
    Line("spam1", "Заработок от 5000 в день без вложений! Пишите в личку t.me/easy_money"),
    Line("lena", "позовите живого оператора пожалуйста"),
    Line("max", "вы тупые уроды, где мой заказ"),
)


# Public product questions and reviews, posted after the chats (the emulator's seed format):
# one routine question the card answers, one it cannot (to staff), a 5-star review thanked
# and a 1-star review that becomes a staff card with a suggested reply.
PUBLIC: dict[str, list[dict[str, object]]] = {
    "questions": [
        {"sku": "1234567890", "text": "Из какого материала чехол?"},
        {"sku": "1234567890", "text": "Какая гарантия на чехол?"},
    ],
    "reviews": [
        {"sku": "1234567890", "rating": 5, "text": "Отличное качество, сидит как влитой"},
        {"sku": "2233445566", "rating": 1, "text": "Кружка пришла с браком, крышка протекает"},
    ],
}
