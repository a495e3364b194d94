"""Staff console strings in English. Placeholders are `str.format` fields; cards are HTML."""

from __future__ import annotations

STRINGS: dict[str, str] = {
    # card headings
    "card.escalation": "Escalation: {reason}",
    "card.draft": "Draft reply waiting for approval",
    "card.complaint": "Complaint flow: {reason}",
    "card.closed": "Closed: {status}",
    "card.shop": "Shop",
    "card.status": "Status",
    "card.intent": "Intent",
    "card.detail": "Detail",
    "card.order": "Order",
    "card.facts": "What Ozon says",
    "card.buyer": "Buyer wrote",
    "card.buyer_image": "[image]",
    "card.suggested": "Suggested reply",
    "card.blocked": "Stopped by the rules check",
    "card.window_left": "Reply window: {left} left (until {until})",
    "card.window_urgent": "URGENT: Ozon's reply window closes in {left} (at {until})",
    "card.window_closed": "Ozon's reply window has closed ({until})",
    "card.auto_send": "Sent automatically at {at} unless someone acts",
    "card.link": "Open the chat in the Ozon seller cabinet",
    "card.history": "History",
    "card.evidence": "Evidence",
    # Ozon's communication rules: "If you think that a client is spamming or behaving
    # indecently, you can file a complaint in the chat" (docs.ozon.ru/global/en/policies/
    # communication); its chat safety page also says to file a complaint when a customer poses
    # as support or asks for data (docs.ozon.com/global/en/work-with-customers/customers-chat/
    # chat-safety-rules). Neither names the button, so the steps do not either.
    "card.complaint_steps": (
        "How to complain in Ozon:\n"
        "1. Open the chat with the link above (Chats, Customers tab).\n"
        "2. Do not answer the buyer.\n"
        "3. Use the chat's complaint action and pick the closest reason "
        "(spam, insults, fraud); the wording in the cabinet may differ.\n"
        "4. If there is no such action, write to Ozon support from the cabinet "
        "and give them the chat and the evidence above.\n"
        "5. Press \u201cComplaint filed\u201d here."
    ),
    # reasons and statuses
    "reason.dispute": "dispute",
    "reason.legal_threat": "legal threat",
    "reason.abuse": "abuse",
    "reason.spam": "spam",
    "reason.human_request": "buyer asks for a person",
    "reason.unknown": "not sure what the buyer wants",
    "reason.blocked_reply": "reply blocked by the rules check",
    "reason.system": "system problem",
    "reason.none": "draft",
    # human words for the outbound rules, the inbound flags, the buyer's requests and the
    # machine `detail` of an escalation (bot/staff/cards.py `detail_label`)
    "rule.profanity": "swearing",
    "rule.insult": "rude or insulting",
    "rule.contacts": "contact details or talk outside Ozon",
    "rule.external_link": "a link outside Ozon",
    "rule.cancel_request": "asks the buyer to cancel",
    "rule.competitor": "other shops or marketplaces",
    "rule.ozon_negative": "speaks badly of Ozon",
    "rule.superlative": "an unproven superlative",
    "rule.caps": "shouting in capitals",
    "rule.punctuation": "!!! or ???",
    "rule.emoji": "emoji or smileys",
    "rule.personal_data": "asks for personal data",
    "flag.profanity": "swearing",
    "flag.insult": "insults or threats",
    "flag.spam": "spam",
    "flag.contacts": "contact details",
    "flag.external_link": "a link",
    "flag.legal_threat": "threatens court or a complaint",
    "request.money": "money back or a payment",
    "request.defect": "a defect",
    "request.wrong_item": "a wrong item",
    "request.delivery": "delivery",
    "request.order": "their order (return, cancel, change)",
    "request.ask": "something else (a question or a request)",
    "detail.flags": "buyer's message: {flags}",
    "detail.requests": "also asks about: {requests}",
    "detail.abuse": "abusive words: {words}",
    "detail.intent": "understood as: {intent}",
    "detail.blocked": "rules broken: {rules}",
    "detail.rasa_spam": (
        "the language model took it for spam, the spam detector did not: look at it"
    ),
    "status.open": "waiting for a person",
    "status.taken": "taken over by {who}",
    "status.complaint": "complaint flow: the bot stays silent",
    "status.complaint_filed": "complaint filed",
    "status.resolved": "resolved",
    "status.returned": "returned to the bot",
    # history lines
    "action.take_over": "took over",
    "action.return_to_bot": "returned it to the bot",
    "action.resolve": "marked it resolved",
    "action.complaint": "sent it to the complaint flow",
    "action.complaint_filed": "filed the complaint",
    "action.sent_suggested": "sent the suggested reply",
    "action.replied": "replied",
    "action.wrong_intent": "marked the intent as wrong",
    "action.urgent": "reply window closing",
    "who.bot": "bot",
    # buttons
    "btn.take": "Take over",
    "btn.reply": "Reply",
    "btn.suggested": "Send suggested",
    "btn.return": "Return to bot",
    "btn.spam": "Spam / complaint",
    "btn.resolved": "Resolved",
    "btn.send": "Send",
    "btn.edit": "Edit (reply)",
    "btn.dismiss": "Dismiss",
    "btn.filed": "Complaint filed",
    "btn.not_abuse": "Not abuse: back to bot",
    "btn.send_fixed": "Send corrected",
    # button answers
    "cb.refused": "Sorry, only the shop's staff can do this.",
    "cb.unknown": "This card is out of date.",
    "cb.done": "Done.",
    "cb.closed": "This chat is already closed.",
    # relay
    "relay.prompt": (
        "{who}, type your answer to the buyer as your next message here "
        "(or reply to the card). /cancel stops."
    ),
    "relay.sent": "Sent to the buyer.",
    "relay.refused": "Not sent: the text breaks Ozon's rules.",
    "relay.violation": "{rule}: \u201c{fragment}\u201d",
    "relay.fix_offer": "Corrected text (sent only if you press the button):",
    "relay.retry": "Change the text and send it again.",
    "relay.error": "Not sent: {error}",
    "relay.unknown": (
        "Ozon did not confirm the message. Look at the chat in the cabinet before sending it again."
    ),
    "relay.cancelled": "Reply cancelled.",
    "relay.nothing": "Nothing to cancel.",
    "relay.complaint": "This chat is in the complaint flow: nothing is sent to the buyer.",
    "relay.closed": "This escalation is closed; answer in the Ozon cabinet if needed.",
    "relay.not_text": "Only text can be sent to the buyer from here.",
    "relay.fix_expired": "This correction has expired.",
    "relay.no_suggestion": "There is no suggested reply.",
    # forwards and reminders
    "forward": "Buyer wrote ({at}):",
    "reminder.again": "Still waiting for a person: {reason}, {age}.",
    "reminder.owner": "@{owner}, this chat has waited {age} without an answer ({reason}).",
    "reminder.urgent": "Ozon's reply window closes in {left}. Answer now or it is lost.",
    "console.parked": (
        "\u26a0\ufe0f The bot cannot write to staff chat {chat} ({shops}): {reason}. Its "
        "notifications are kept and delivered once it can: add the bot to that chat again, "
        "or correct the chat id in the configuration."
    ),
    "console.unparked": (
        "Staff chat {chat} ({shops}) takes the bot's messages again; what waited follows there."
    ),
    # masks and durations
    "mask.phone": "[phone]",
    "mask.email": "[e-mail]",
    "dur.min": "{m} min",
    "dur.hours": "{h} h {m} min",
    "dur.days": "{d} d {h} h",
    # commands
    "queue.empty": "No open escalations.",
    "queue.title": "Open escalations, oldest first:",
    "queue.line": "{age} \u00b7 {shop} \u00b7 {reason} \u00b7 {status}",
    "queue.card": "card",
    "queue.more": "\u2026 and {n} more.",
    "stats.title": "Today ({day}), {shop}:",
    "stats.handled": "Buyer turns handled: {n}",
    "stats.answered": "Answered automatically: {n}",
    "stats.drafts": "Drafts: {n}",
    "stats.escalated": "Escalated: {n}",
    "stats.by_reason": "Escalated by reason:",
    "stats.blocked": "Blocked by rule:",
    "stats.flags": "Inbound flags:",
    "stats.none": "nothing yet",
    "shop.which": "Several shops here: name one of {shops}.",
    "shop.unknown": "Unknown shop {shop}; known here: {shops}.",
    "pause.done": "{shop}: paused. Replies become drafts until /resume.",
    "resume.done": "{shop}: resumed. The bot answers again.",
    "mode.usage": "Usage: /mode auto|draft|off [until HH:MM | for 2h] [shop]; /mode reset [shop]",
    "mode.bad_time": (
        "Cannot read the time: {value}. Use \u201cuntil 18:30\u201d or \u201cfor 2h\u201d."
    ),
    "mode.set": "{shop}: mode {mode} {until}.",
    "mode.until": "until {at}",
    "mode.forever": "until changed",
    "mode.reset": "{shop}: mode override removed; the shop's settings apply.",
    "mode.state": "{shop}: {mode}{paused}",
    "mode.default": "the shop's settings",
    "mode.paused": " (paused: replies become drafts)",
    "help": (
        "Cards appear here for every chat that needs a person. Buttons act on that chat.\n"
        "Reply to a card (or press Reply) to answer the buyer; every text is checked against "
        "Ozon's rules first. /cancel stops a pending reply.\n"
        "/queue: open escalations, oldest first\n"
        "/stats [shop]: today's numbers\n"
        "/pause [shop], /resume [shop]: stop or restart automatic replies\n"
        "/mode auto|draft|off [until HH:MM | for 2h] [shop]: override the mode; "
        "/mode alone shows it; /mode reset [shop] removes the override\n"
        "/help: this text"
    ),
    "digest.title": "Good morning, {shop}. Since the end of the last working day:",
    "digest.answered": "Answered automatically: {n}",
    "digest.by_intent": "  {intent}: {n}",
    "digest.escalated": "Handed to people: {n}",
    "digest.drafts": "Drafts waiting for approval: {n}",
    "digest.waiting": "Waiting now, oldest first:",
    "digest.nothing": "Nothing is waiting.",
    "digest.streams": "Last 24 hours by stream:",
    "digest.stream": (
        "  {stream}: {auto} answered automatically, {staff} handed to people, {pending} waiting now"
    ),
    "digest.stream.chats": "Chats",
    "digest.stream.questions": "Product questions",
    "digest.stream.reviews": "Reviews",
    "notice.writes_refused": (
        "Ozon refused to send a chat message: the shop's subscription does not "
        "include chat writes (Premium Plus or Premium Pro). The bot keeps "
        "running in draft mode: every reply waits on a card for staff to send "
        "it, and one real write is tried every 30 minutes."
    ),
    "notice.writes_work": "Ozon accepts chat messages again: automatic replies are back on.",
    "notice.key_refused": (
        "Ozon refuses the API key of shop {shop}: {cause} What to do: {fix} "
        "The bot reads nothing from this shop until the key works; it checks "
        "once a minute and tells you when it does."
    ),
    "notice.key_fix": (
        "create a new key in the seller cabinet (Settings → Seller API) with "
        "the roles the bot needs and put it into OZON_API_KEY."
    ),
    "notice.key_works": (
        "Ozon accepts the API key of shop {shop} again: the bot reads and answers chats."
    ),
    "notice.key_expires": (
        "The Ozon API key of shop {shop} expires in {days} d. ({when}). Create "
        "a new key in the seller cabinet before then, or the bot stops."
    ),
    "notice.chat_unreadable": (
        "the bot cannot read this chat's messages from Ozon ({cause}); please "
        "answer it in the seller cabinet."
    ),
    "notice.data_loss": (
        "Redis lost the bot's data (a restart without persistence, or a "
        "failover). Cards and takeovers from before are gone; chats people "
        "were handling are handed to you again instead of being answered."
    ),
    "notice.push_unhealthy": (
        "Ozon rates the push address of shop {shop} as {state}. Ozon switches "
        "off a push URL that stays unavailable for three days; the bot keeps "
        "polling meanwhile."
    ),
    "notice.key_roles": (
        "The Ozon API key of shop {shop} lacks roles for: {methods}. Create a "
        "key with those roles, or the bot cannot do that part."
    ),
    # machine translation for staff (bot/staff/translation.py)
    "lang.ru": "Russian",
    "lang.en": "English",
    "lang.zh": "Chinese",
    "card.mt_pending": "machine translation on its way\u2026",
    "card.mt_done": "machine translation, may be inaccurate",
    "card.mt_unavailable": "machine translation unavailable",
    "action.replied_translated": "replied (machine-translated)",
    "btn.send_translated": "Send",
    "relay.tr_preview": "Machine translation into {language}, what the buyer will get:",
    "relay.tr_passed": "Rules check: passed.",
    "relay.tr_confirm": "Nothing is sent until you press \u201c{button}\u201d.",
    "relay.tr_refused": "Not sent: the machine translation breaks Ozon's rules.",
    "relay.tr_violation": "{rule}: \u201c{fragment}\u201d = \u201c{back}\u201d",
    "relay.tr_fix_back": "The corrected text in your language:",
    "relay.tr_sent": "Sent to the buyer as a machine translation into {language}:",
    "relay.tr_unavailable": (
        "Not sent: the machine translation is unavailable now ({error}). Try again later or "
        "write in the buyer's language ({language})."
    ),
    "relay.tr_contacts": (
        "Not sent: phone numbers and e-mail addresses never go to buyers (Ozon's rules) or to "
        "the translation engine."
    ),
    "relay.tr_expired": "This translation has expired; write the reply again.",
    # product question and review cards (bot/staff/cards.py `render_public_card`)
    "pcard.question": "Product question: {why}",
    "pcard.review": "Review {stars}: {why}",
    "pcard.sent": "Answered publicly",
    "pcard.dismissed": "Dismissed: nothing was published",
    "pcard.product": "Product",
    "pcard.rating": "Rating",
    "pcard.facts": "Facts found",
    "pcard.asked": "Buyer asked",
    "pcard.wrote": "Buyer wrote",
    "pcard.no_text": "[no text: a rating only]",
    "pcard.suggested": "Suggested public answer",
    "pcard.silent": (
        "The product card does not say. Reply to this card with the answer, or dismiss it."
    ),
    "pcard.public": "Answers are public: every buyer of the product sees them.",
    "fact.asked": "asked about",
    "fact.card": "product card",
    "fact.stock": "in stock",
    "fact.rating": "rating",
    "fact.photos": "photos",
    "fact.order_status": "order status",
    "fact.answer": "refused answer",
    "why.card_silent": "the product card does not say",
    "why.compatibility": "compatibility the card cannot settle",
    "why.complaint": "a complaint written as a question",
    "why.abuse": "abusive words",
    "why.spam": "spam",
    "why.flagged": "contacts, a link or a legal threat in it",
    "why.unreadable": "too short or too long to answer",
    "why.sku_not_sold": "a product no longer on sale",
    "why.not_routine": "not a routine question",
    "why.draft": "draft: a person approves it first",
    "why.blocked_reply": "the answer broke a rule or repeated the last one",
    "why.low_rating": "low rating, never answered automatically",
    "why.bad_rating": "a rating outside 1 to 5",
    "why.dispute": "a dispute",
    "why.unknown": "not sure what the buyer wants",
    "why.moderation": "Ozon's moderation refused the answer ({status})",
    "rule.public_link": "a link (public answers may have none)",
    "rule.public_promise": "a promise beyond the product card",
    "action.sent": "published the answer",
    "action.dismissed": "dismissed it",
    "pub.sent": "Published on Ozon.",
    "pub.dismissed": "Dismissed.",
    "pub.closed": "This card is already closed.",
    "pub.busy": "Someone is publishing this answer right now.",
    "pub.no_suggestion": "There is no suggested answer: reply to the card with yours.",
    "pub.refused": "Not published: the text breaks Ozon's rules for public answers.",
    "pub.repetitive": (
        "Not published: these are the words of the product's last public answer, and Ozon "
        "limits sellers who repeat answers. Change the wording."
    ),
    "pub.ozon_error": "Not published: Ozon refused ({error}).",
    "pub.prompt": (
        "{who}, type the public answer as your next message here "
        "(or reply to the card). /cancel stops."
    ),
    "notice.questions_paused": (
        "Product questions of {shop} are paused: {cause} Answering them "
        "through the API needs Premium Plus. The bot tries again every 30 "
        "minutes; chats and reviews go on."
    ),
    "notice.questions_back": "Ozon answers the product questions of {shop} again.",
    "notice.reviews_paused": (
        "Reviews of {shop} are paused: {cause} Answering reviews through the "
        "API needs «Управление отзывами» or Premium Pro. The bot tries again "
        "every 30 minutes; chats and product questions go on."
    ),
    "notice.reviews_back": "Ozon answers the reviews of {shop} again.",
}
