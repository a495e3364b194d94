"""The outbound check: every rule in Russian and English, and no false alarms on shop language."""

from __future__ import annotations

import pytest

from bot.guard.outbound import OutboundGuard
from bot.guard.types import CheckResult
from bot.models import Rule


@pytest.fixture(scope="module")
def guard() -> OutboundGuard:
    return OutboundGuard.load()


def rules(guard: OutboundGuard, text: str) -> set[Rule]:
    return set(guard.check(text).rules)


# --- no false alarms on ordinary shop language ------------------------------------------------

CLEAN = [
    "Ваш заказ 57195475-0050-3 передан в доставку.",
    "Отправление 9121072335-0187-1 уже в пути.",
    "Артикул товара 1234567890, второй артикул 987654321.",
    "Размеры 42-44 и 46/48 в наличии.",
    "Габариты коробки 30x20x10 см, или 30×20×10.",
    "Цена 1 299 ₽, со скидкой 1299 руб.",
    "Мы работаем 10:00–19:00, заказ придёт 25.11.2026.",
    "Кабель USB-C, размер XL, логистика OZON, iPhone 13 Pro, LED подсветка, Wi-Fi модуль.",
    "Смотрите ozon.ru и https://www.ozon.ru/product/chehol-dlya-iphone-13-123456789/",
    "Спасибо за заказ!",
    "Подскажите, какой размер нужен?",
    "С наилучшими пожеланиями, команда магазина.",
    "Всего наилучшего!",
    "Употреблять до конца месяца.",
    "Скипидар и команда мандарин.",
    "Оскорблять покупателей мы не будем.",
    "Хлебать суп ложкой, рубля не жалко, истребитель на полке.",
    "Гребень, потребитель, небеса, сабля, колебаться, психолог.",
    "Застрахуйте посылку; сухую, плохую и тихую погоду не обещаем.",
    "Это для себя или для тебя?",
    "Отменить заказ можно в личном кабинете в разделе «Заказы».",
    "Вернуть товар можно в течение 14 дней в личном кабинете.",
    "Вы можете отменить заказ до передачи в доставку.",
    "You can cancel the order in your account.",
    "Т.е. всё в порядке, и т.д.",
    "Лучше обратиться в поддержку Ozon.",
    "В самом деле, заказ придёт самое позднее в пятницу.",
    "В ближайшее время проверим.",
    "Тот самый синий чехол снова в продаже.",
    "Пожалуйста, не отменяйте заказ: он уже в пути.",
    "Best regards, the shop team.",
    "Please check the “Orders” section.",
    "Мы в самом начале пути...",
    "Пункт выдачи №1 на карте.",
    "1) откройте заказ; 2) выберите товар.",
    "Козёл на фото — это игрушка из мягкого плюша.",
    "Нож тупой? Проверим и заменим.",
    "Ozon доставит заказ в пункт выдачи.",
    "Адрес пункта выдачи указан в разделе «Заказы».",
    "Назовите, пожалуйста, номер заказа.",
    "г.Москва, ул.Ленина — адреса пунктов выдачи есть в приложении.",
    "Блин, простите за задержку.",
    # Everyday uses of the verbs and nouns that threats and insults also use.
    "Полку можно повесить на стену: крепления в комплекте.",
    "Средство убивает всех микробов и не оставляет запаха.",
    "Если аккумулятор сдох раньше срока, оформите возврат в личном кабинете.",
    "Замочите его на ночь, и пятно отойдёт.",
    "Ошейник подходит и после того, как кастрировать кота.",
    "Вам пришла игрушка коза? Мы заменим её на корову.",
    "Свинья-копилка, корова и баран есть в наличии.",
    "Этими ножницами удобно стричь ногти.",
    "Рисунок морды собаки нанесён на коврик.",
    "Маска для лица подходит для сухой кожи.",
    "Прибить плинтус к стене помогут саморезы из комплекта.",
    "Скоро рожу, пишут будущие мамы: размеры для беременных есть в таблице.",
    # A phone, a memory card and a product's passport are things a shop sells.
    "Пожалуйста, отправьте телефон на диагностику в сервисный центр.",
    "Телефон отправьте, пожалуйста, в сервисный центр.",
    "Укажите модель телефона, и мы подберём чехол.",
    "Сфотографируйте телефон с обеих сторон.",
    "Пришлите фото карты памяти.",
    "Паспорт изделия пришлите, если он сохранился.",
    "Номер заказа пришлите, пожалуйста.",
    "Номер карты лояльности указан в приложении Ozon.",
    # Numbers that are not bank cards.
    "Трек-номер 80099912345678, штрихкод 4601234567893, заказы 12345678-0001 и 87654321-0002.",
    "Вес 1,5 кг, объём 0,5 л, размер 1234 5678.",
    "Номер сертификата соответствия 4111111111111112.",  # 16 digits, not a valid card number
    "Самый простой способ — оформить возврат в приложении.",
    "Отказаться от товара можно при получении: это ваше право.",
    "Отменить заказ вы можете сами в личном кабинете.",
    "Магнит для холодильника входит в комплект.",
    "The cancel button is in the app. Cancellation is free before shipping.",
    "Set the fan to the lowest speed.",
    "Оценка ***** — спасибо за отзыв! Артикул ab***cd.",
    "Торговая точка рядом с домом, размер MAX, подробнее на ozon точка ru.",
]


@pytest.mark.parametrize("text", CLEAN)
def test_ordinary_shop_language_passes(guard: OutboundGuard, text: str) -> None:
    """Posting numbers, sizes, prices, model names, Ozon links and polite phrases never fire."""
    result = guard.check(text)
    assert result.ok, result.violations


# --- each rule fires, in Russian and English --------------------------------------------------

FIRES = [
    (Rule.PROFANITY, "Это просто пиздец какой-то"),
    (Rule.PROFANITY, "бляяяя"),
    (Rule.PROFANITY, "х у й"),
    (Rule.PROFANITY, "п*здец"),
    (Rule.PROFANITY, "бл@дь"),
    (Rule.PROFANITY, "Это п****ц, а не сервис"),  # more masks than can be filled: the shape
    (Rule.PROFANITY, "ну на***й"),
    (Rule.PROFANITY, "х.у.й"),
    (Rule.PROFANITY, "хyйня"),
    (Rule.PROFANITY, "3ае6ал"),
    (Rule.PROFANITY, "what the fuck"),
    (Rule.PROFANITY, "this is bullshit"),
    (Rule.INSULT, "Вы идиоты"),
    (Rule.INSULT, "ну и дебил"),
    (Rule.INSULT, "ты козёл"),
    (Rule.INSULT, "вы мошенники"),
    (Rule.INSULT, "you morons"),
    (Rule.INSULT, "мудак"),
    (Rule.INSULT, "Ещё раз напишете — морду набью"),
    (Rule.INSULT, "Заткнитесь и ждите"),
    (Rule.INSULT, "Чтоб вы сдохли с такими отзывами"),
    (Rule.INSULT, "Что вы там пишете, клоуны?"),
    (Rule.INSULT, "Таких покупателей убивать надо"),
    (Rule.INSULT, "go to hell"),
    (Rule.INSULT, "ну и рожа у вас на фото"),
    (Rule.PROFANITY, "гавно вопрос"),
    (Rule.CONTACTS, "Позвоните мне +7 999 123-45-67"),
    (Rule.CONTACTS, "Мой номер 8 (999) 123 45 67"),
    (Rule.CONTACTS, "89991234567"),
    (Rule.CONTACTS, "+7(999)1234567"),
    (Rule.CONTACTS, "+375 29 123-45-67"),
    (Rule.CONTACTS, "+998 90 123 45 67"),
    (Rule.CONTACTS, "8 9 9 9 1 2 3 4 5 6 7"),
    (Rule.CONTACTS, "почта ivan@mail.ru"),
    (Rule.CONTACTS, "ivan собака mail точка ru"),
    (Rule.CONTACTS, "ivan (at) gmail (dot) com"),
    (Rule.CONTACTS, "Пишите в WhatsApp"),
    (Rule.CONTACTS, "есть вотсап"),
    (Rule.CONTACTS, "в телеграм"),
    (Rule.CONTACTS, "найдите нас в телеге"),
    (Rule.CONTACTS, "мой ник @shop_helper"),
    (Rule.CONTACTS, "добавьте в Viber"),
    (Rule.CONTACTS, "группа ВК"),
    (Rule.CONTACTS, "мы в Instagram"),
    (Rule.CONTACTS, "Skype: shop"),
    (Rule.CONTACTS, "WeChat"),
    (Rule.CONTACTS, "напишите мне в личку"),
    (Rule.CONTACTS, "звоните в любое время"),
    (Rule.CONTACTS, "пишите на почту"),
    (Rule.CONTACTS, "ул. Ленина, д. 5"),
    (Rule.CONTACTS, "call me tomorrow"),
    (Rule.CONTACTS, "my whatsapp is open"),
    (Rule.EXTERNAL_LINK, "смотрите https://example.com/page"),
    (Rule.EXTERNAL_LINK, "наш сайт shop.ru"),
    (Rule.EXTERNAL_LINK, "магазин.рф"),
    (Rule.EXTERNAL_LINK, "www.example.org"),
    (Rule.EXTERNAL_LINK, "ozon.ru.example.com"),
    (Rule.CANCEL_REQUEST, "Отмените заказ, пожалуйста"),
    (Rule.CANCEL_REQUEST, "Прошу отменить заказ"),
    (Rule.CANCEL_REQUEST, "Вам нужно отменить заказ"),
    (Rule.CANCEL_REQUEST, "Оформите отмену"),
    (Rule.CANCEL_REQUEST, "Please cancel your order"),
    (Rule.CANCEL_REQUEST, "You should cancel it"),
    (Rule.COMPETITOR, "На Wildberries дешевле"),
    (Rule.COMPETITOR, "есть на WB"),
    (Rule.COMPETITOR, "Яндекс Маркет"),
    (Rule.COMPETITOR, "на AliExpress"),
    (Rule.COMPETITOR, "на Авито"),
    (Rule.COMPETITOR, "в Мегамаркете"),
    (Rule.COMPETITOR, "у других продавцов хуже"),
    (Rule.COMPETITOR, "в другом магазине дешевле"),
    (Rule.COMPETITOR, "other sellers are worse"),
    (Rule.OZON_NEGATIVE, "Озон плохо работает"),
    (Rule.OZON_NEGATIVE, "Ozon's delivery is terrible"),
    (Rule.OZON_NEGATIVE, "это вина Озона"),
    (Rule.SUPERLATIVE, "Лучший чехол"),
    (Rule.SUPERLATIVE, "лучшая цена"),
    (Rule.SUPERLATIVE, "лучшего качества"),
    (Rule.SUPERLATIVE, "самый надёжный"),
    (Rule.SUPERLATIVE, "самые низкие цены"),
    (Rule.SUPERLATIVE, "Товар №1"),
    (Rule.SUPERLATIVE, "номер один в России"),
    (Rule.SUPERLATIVE, "крупнейший ассортимент"),
    (Rule.SUPERLATIVE, "the best case"),
    (Rule.SUPERLATIVE, "lowest prices"),
    (Rule.CAPS, "ВАШ ЗАКАЗ ОТПРАВЛЕН"),
    (Rule.CAPS, "СРОЧНО проверьте заказ"),
    (Rule.CAPS, "PLEASE CHECK the order"),
    (Rule.PUNCTUATION, "Спасибо!!"),
    (Rule.PUNCTUATION, "Где заказ???"),
    (Rule.PUNCTUATION, "Как так?!?!"),
    (Rule.PUNCTUATION, "Ура!!!!"),
    (Rule.EMOJI, "Спасибо ✅"),
    (Rule.EMOJI, "Спасибо ❤️"),
    (Rule.EMOJI, "Хорошего дня 🙂"),
    (Rule.EMOJI, "Спасибо :)"),
    (Rule.EMOJI, "Спасибо :-)"),
    (Rule.EMOJI, "Ок ;)"),
    (Rule.EMOJI, "Ха :D"),
    (Rule.EMOJI, "Спасибо))"),
    (Rule.EMOJI, "Рады)))"),
    (Rule.EMOJI, "Жаль(("),
    (Rule.EMOJI, "lol xD"),
    (Rule.PERSONAL_DATA, "Пришлите фото паспорта"),
    (Rule.PERSONAL_DATA, "Назовите номер карты"),
    (Rule.PERSONAL_DATA, "Сообщите CVV"),
    (Rule.PERSONAL_DATA, "Укажите ваш домашний адрес"),
    (Rule.PERSONAL_DATA, "Напишите номер телефона"),
    (Rule.PERSONAL_DATA, "Пришлите дату рождения"),
    (Rule.PERSONAL_DATA, "Нужен ваш СНИЛС"),
    (Rule.PERSONAL_DATA, "Send me your address"),
    (Rule.PERSONAL_DATA, "Please provide your card number"),
    # Commas inside the request, and the data before the request.
    (Rule.PERSONAL_DATA, "Пришлите, пожалуйста, фото паспорта."),
    (Rule.PERSONAL_DATA, "Укажите, пожалуйста, ваш номер телефона"),
    (Rule.PERSONAL_DATA, "Номер телефона напишите, пожалуйста"),
    (Rule.PERSONAL_DATA, "Паспорт пришлите"),
    (Rule.PERSONAL_DATA, "Данные карты нам сообщите"),
    (Rule.PERSONAL_DATA, "Оставьте свой телефон для связи"),
    (Rule.PERSONAL_DATA, "Напишите телефон"),
    # A bank card number written out: four groups, or a Luhn-valid run of digits.
    (Rule.PERSONAL_DATA, "Оплата на карту 2200 0000 0000 0000"),
    (Rule.PERSONAL_DATA, "переведите на 4111111111111111"),
    (Rule.CANCEL_REQUEST, "Рекомендуем, к сожалению, отменить заказ"),
    (Rule.CANCEL_REQUEST, "Можете отменить заказ?"),
    (Rule.CANCEL_REQUEST, "Советую отказаться от заказа при получении"),
    (Rule.CANCEL_REQUEST, "Не забирайте заказ, мы отправим новый"),
    (Rule.OZON_NEGATIVE, "Озон потерял вашу посылку, как всегда"),
    (Rule.OZON_NEGATIVE, "Ozon is to blame"),
    (Rule.SUPERLATIVE, "Топовое качество"),
    (Rule.CONTACTS, "наш тг shop_help"),
    (Rule.CANCEL_REQUEST, "You'd better cancel"),
    (Rule.CANCEL_REQUEST, "Sorry. Cancel and order again."),
    (Rule.SUPERLATIVE, "Our prices are the lowest"),
    (Rule.EXTERNAL_LINK, "Watch youtu.be/abc"),
    (Rule.EXTERNAL_LINK, "Сайт shop[dot]ru"),
    (Rule.EXTERNAL_LINK, "магазин точка рф"),
    (Rule.CONTACTS, "Номер для связи 8999 123 45 67"),
    (Rule.CONTACTS, "8 9 9 9 - 1 2 3 - 4 5 - 6 7"),
    (Rule.CONTACTS, "What's App"),
    (Rule.CONTACTS, "мы в мессенджере Max"),
]


@pytest.mark.parametrize(("rule", "text"), FIRES)
def test_rule_fires(guard: OutboundGuard, rule: Rule, text: str) -> None:
    assert rule in rules(guard, text), guard.check(text).violations


def test_phone_does_not_fire_on_posting_sku_or_price(guard: OutboundGuard) -> None:
    text = "Отправление 57195475-0050-3, артикул 1234567890, цена 12 990 ₽, 1 299 руб."
    assert Rule.CONTACTS not in rules(guard, text)


def test_email_and_link_do_not_fire_on_abbreviations_or_ozon(guard: OutboundGuard) -> None:
    assert not rules(guard, "т.е. и т.д. на ozon.ru") & {Rule.CONTACTS, Rule.EXTERNAL_LINK}


def test_insult_needs_a_person_for_ambiguous_words(guard: OutboundGuard) -> None:
    """ "коза" in a product description is not an insult; aimed at someone it is."""
    assert Rule.INSULT not in rules(guard, "Игрушка коза, высота 20 см.")
    assert Rule.INSULT in rules(guard, "Вы коза")


def test_seller_may_warn_about_scammers(guard: OutboundGuard) -> None:
    assert guard.check("Остерегайтесь мошенников, пишите только в чат Ozon.").ok


# --- spans and fragments ----------------------------------------------------------------------


def test_span_points_into_the_original_text(guard: OutboundGuard) -> None:
    text = "Ну это Х у Й знает что"
    violation = next(v for v in guard.check(text).violations if v.rule is Rule.PROFANITY)
    assert text[violation.start : violation.end] == "Х у Й"
    assert violation.fragment == "Х у Й"


def test_span_of_a_collapsed_word_covers_every_repeated_letter(guard: OutboundGuard) -> None:
    text = "ну бляяяяя, опять"
    (violation,) = guard.check(text).violations
    assert violation.fragment == "бляяяяя"


def test_span_of_a_mixed_script_word(guard: OutboundGuard) -> None:
    text = "это хyйня полная"
    (violation,) = guard.check(text).violations
    assert (violation.start, violation.end) == (4, 9)


def test_every_violation_is_reported_once_per_place(guard: OutboundGuard) -> None:
    result = guard.check("ВАШ ЗАКАЗ ГОТОВ!!! :)")
    assert [v.rule for v in result.violations] == [Rule.CAPS, Rule.PUNCTUATION, Rule.EMOJI]


# --- suggested fixes --------------------------------------------------------------------------


def test_suggest_fix_corrects_form_only(guard: OutboundGuard) -> None:
    text = "ВАШ ЗАКАЗ ОТПРАВЛЕН!!! Спасибо :)"
    fixed = guard.suggest_fix(text, guard.check(text))
    assert fixed == "Ваш заказ отправлен! Спасибо."
    assert fixed is not None
    assert guard.check(fixed).ok


def test_suggest_fix_collapses_mixed_marks_to_one(guard: OutboundGuard) -> None:
    text = "Вы получили заказ?!?!"
    assert guard.suggest_fix(text, guard.check(text)) == "Вы получили заказ?"


def test_suggest_fix_keeps_sentences_apart_when_dropping_smileys(guard: OutboundGuard) -> None:
    text = "Спасибо)) Рады помочь 🙂"
    assert guard.suggest_fix(text, guard.check(text)) == "Спасибо. Рады помочь."


def test_suggest_fix_keeps_abbreviations(guard: OutboundGuard) -> None:
    text = "ЗАКАЗ С КАБЕЛЕМ USB-C ОТПРАВЛЕН"
    assert guard.suggest_fix(text, guard.check(text)) == "Заказ с кабелем USB-C отправлен"


def test_no_fix_when_a_rule_is_not_mechanical(guard: OutboundGuard) -> None:
    text = "ЗВОНИТЕ 89991234567!!!"
    assert guard.suggest_fix(text, guard.check(text)) is None


def test_no_fix_for_a_clean_text(guard: OutboundGuard) -> None:
    assert guard.suggest_fix("Спасибо", CheckResult("Спасибо")) is None
