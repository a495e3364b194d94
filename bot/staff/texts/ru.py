"""Строки консоли персонала на русском. Подстановки — поля `str.format`; карточки — HTML."""

from __future__ import annotations

STRINGS: dict[str, str] = {
    "card.escalation": "Эскалация: {reason}",
    "card.draft": "Черновик ответа ждёт подтверждения",
    "card.complaint": "Жалоба: {reason}",
    "card.closed": "Закрыто: {status}",
    "card.shop": "Магазин",
    "card.status": "Статус",
    "card.intent": "Намерение",
    "card.detail": "Подробности",
    "card.order": "Заказ",
    "card.facts": "Данные Ozon",
    "card.buyer": "Покупатель написал",
    "card.buyer_image": "[изображение]",
    "card.suggested": "Предлагаемый ответ",
    "card.blocked": "Остановлено проверкой правил",
    "card.window_left": "Окно ответа: осталось {left} (до {until})",
    "card.window_urgent": "СРОЧНО: окно ответа Ozon закроется через {left} (в {until})",
    "card.window_closed": "Окно ответа Ozon закрылось ({until})",
    "card.auto_send": "Будет отправлен автоматически в {at}, если никто не вмешается",
    "card.link": "Открыть чат в кабинете продавца Ozon",
    "card.history": "История",
    "card.evidence": "Доказательства",
    "card.complaint_steps": (
        "Как пожаловаться в Ozon:\n"
        "1. Откройте чат по ссылке выше (Чаты, вкладка «Покупатели»).\n"
        "2. Не отвечайте покупателю.\n"
        "3. Воспользуйтесь действием жалобы в чате и выберите подходящую причину "
        "(спам, оскорбления, мошенничество); названия в кабинете могут отличаться.\n"
        "4. Если такого действия нет, напишите в поддержку Ozon из кабинета "
        "и приложите чат и доказательства выше.\n"
        "5. Нажмите здесь «Жалоба подана»."
    ),
    "reason.dispute": "спор",
    "reason.legal_threat": "угроза претензией или судом",
    "reason.abuse": "оскорбления",
    "reason.spam": "спам",
    "reason.human_request": "покупатель просит человека",
    "reason.unknown": "непонятно, чего хочет покупатель",
    "reason.blocked_reply": "ответ остановлен проверкой правил",
    "reason.system": "сбой системы",
    "reason.none": "черновик",
    "status.open": "ждёт человека",
    "status.taken": "ведёт {who}",
    "status.complaint": "жалоба: бот молчит",
    "status.complaint_filed": "жалоба подана",
    "status.resolved": "решено",
    "status.returned": "возвращено боту",
    "action.take_over": "взял(а) чат",
    "action.return_to_bot": "вернул(а) чат боту",
    "action.resolve": "отметил(а) как решённое",
    "action.complaint": "перевёл(а) в жалобу",
    "action.complaint_filed": "подал(а) жалобу",
    "action.sent_suggested": "отправил(а) предложенный ответ",
    "action.replied": "ответил(а)",
    "action.wrong_intent": "отметил(а) неверное намерение",
    "action.urgent": "окно ответа закрывается",
    "who.bot": "бот",
    "btn.take": "Взять чат",
    "btn.reply": "Ответить",
    "btn.suggested": "Отправить предложенный",
    "btn.return": "Вернуть боту",
    "btn.spam": "Спам / жалоба",
    "btn.resolved": "Решено",
    "btn.send": "Отправить",
    "btn.edit": "Изменить (ответить)",
    "btn.dismiss": "Отклонить",
    "btn.filed": "Жалоба подана",
    "btn.not_abuse": "Не оскорбление: вернуть боту",
    "btn.send_fixed": "Отправить исправленный",
    "cb.refused": "Это могут делать только сотрудники магазина.",
    "cb.unknown": "Карточка устарела.",
    "cb.done": "Готово.",
    "cb.closed": "Этот чат уже закрыт.",
    "relay.prompt": (
        "{who}, напишите ответ покупателю следующим сообщением здесь "
        "(или ответьте на карточку). /cancel — отмена."
    ),
    "relay.sent": "Отправлено покупателю.",
    "relay.refused": "Не отправлено: текст нарушает правила Ozon.",
    "relay.violation": "{rule}: «{fragment}»",
    "relay.fix_offer": "Исправленный текст (уйдёт, только если нажать кнопку):",
    "relay.retry": "Измените текст и отправьте снова.",
    "relay.error": "Не отправлено: {error}",
    "relay.unknown": (
        "Ozon не подтвердил сообщение. Проверьте чат в кабинете, прежде чем отправлять снова."
    ),
    "relay.cancelled": "Ответ отменён.",
    "relay.nothing": "Нечего отменять.",
    "relay.complaint": "Чат в режиме жалобы: покупателю ничего не отправляется.",
    "relay.closed": "Эскалация закрыта; при необходимости ответьте в кабинете Ozon.",
    "relay.not_text": "Отсюда покупателю можно отправить только текст.",
    "relay.fix_expired": "Исправление устарело.",
    "relay.no_suggestion": "Предложенного ответа нет.",
    "forward": "Покупатель написал ({at}):",
    "reminder.again": "Всё ещё ждёт человека: {reason}, {age}.",
    "reminder.owner": "@{owner}, чат ждёт ответа уже {age} ({reason}).",
    "reminder.urgent": "Окно ответа Ozon закроется через {left}. Ответьте сейчас.",
    "console.parked": (
        "\u26a0\ufe0f Бот не может писать в чат сотрудников {chat} ({shops}): {reason}. "
        "Его уведомления сохранены и придут, когда это станет возможно: добавьте бота в чат "
        "снова или исправьте id чата в настройках."
    ),
    "console.unparked": (
        "Чат сотрудников {chat} ({shops}) снова принимает сообщения бота; накопленное придёт туда."
    ),
    "mask.phone": "[телефон]",
    "mask.email": "[e-mail]",
    "dur.min": "{m} мин",
    "dur.hours": "{h} ч {m} мин",
    "dur.days": "{d} дн {h} ч",
    "queue.empty": "Открытых эскалаций нет.",
    "queue.title": "Открытые эскалации, сначала старые:",
    "queue.line": "{age} \u00b7 {shop} \u00b7 {reason} \u00b7 {status}",
    "queue.card": "карточка",
    "queue.more": "\u2026 и ещё {n}.",
    "stats.title": "Сегодня ({day}), {shop}:",
    "stats.handled": "Обработано обращений: {n}",
    "stats.answered": "Отвечено автоматически: {n}",
    "stats.drafts": "Черновиков: {n}",
    "stats.escalated": "Передано людям: {n}",
    "stats.by_reason": "Передано по причинам:",
    "stats.blocked": "Остановлено по правилам:",
    "stats.flags": "Входящие флаги:",
    "stats.none": "пока ничего",
    "shop.which": "Здесь несколько магазинов: укажите один из {shops}.",
    "shop.unknown": "Неизвестный магазин {shop}; здесь есть: {shops}.",
    "pause.done": "{shop}: пауза. Ответы становятся черновиками до /resume.",
    "resume.done": "{shop}: работа возобновлена. Бот снова отвечает.",
    "mode.usage": "Формат: /mode auto|draft|off [until ЧЧ:ММ | for 2h] [магазин]; /mode reset",
    "mode.bad_time": "Не понимаю время: {value}. Пишите «until 18:30» или «for 2h».",
    "mode.set": "{shop}: режим {mode} {until}.",
    "mode.until": "до {at}",
    "mode.forever": "до отмены",
    "mode.reset": "{shop}: ручной режим снят, действуют настройки магазина.",
    "mode.state": "{shop}: {mode}{paused}",
    "mode.default": "настройки магазина",
    "mode.paused": " (пауза: ответы становятся черновиками)",
    "help": (
        "Здесь появляются карточки чатов, которым нужен человек. Кнопки действуют на этот чат.\n"
        "Ответьте на карточку (или нажмите «Ответить»), чтобы написать покупателю; каждый "
        "текст сначала проверяется по правилам Ozon. /cancel отменяет ожидаемый ответ.\n"
        "/queue — открытые эскалации, сначала старые\n"
        "/stats [магазин] — цифры за сегодня\n"
        "/pause [магазин], /resume [магазин] — остановить или возобновить автоответы\n"
        "/mode auto|draft|off [until ЧЧ:ММ | for 2h] [магазин] — сменить режим; "
        "/mode без параметров показывает его; /mode reset [магазин] снимает ручной режим\n"
        "/help — эта справка"
    ),
    "digest.title": "Доброе утро, {shop}. С конца прошлого рабочего дня:",
    "digest.answered": "Ответил бот: {n}",
    "digest.by_intent": "  {intent}: {n}",
    "digest.escalated": "Передано сотрудникам: {n}",
    "digest.drafts": "Черновики ждут одобрения: {n}",
    "digest.waiting": "Ждут ответа, сначала самые старые:",
    "digest.nothing": "Ничего не ждёт ответа.",
}
