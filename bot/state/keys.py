"""Every Redis key name and TTL the project uses, in one place.

All keys start with the deployment's prefix (`REDIS_PREFIX`, default `ozonbot`) so tests and
several deployments can share one Redis. Rasa's own tracker and lock stores use the prefix
configured in `endpoints.yml` and never touch these keys.

Layout (`{p}` prefix, `{s}` shop id, `{c}` Ozon chat id):

    {p}:poll-lock:{s}              string  one poller per shop at a time (token, PX)
    {p}:queue                      zset    chats with work, member `shop|chat`, score = due time
                                           (ms); a claim pushes the score forward by a lease
    {p}:queue:since                hash    member -> when its oldest unhandled message was seen (ms)
    {p}:chat:{s}:{c}:inbox         list    buyer messages fetched but not yet handled (JSON).
                                           No TTL on purpose: it is work still owed to a buyer;
                                           the commit that handles the last entry empties it
                                           (Redis deletes an empty list)
    {p}:chat:{s}:{c}:cursor        string  newest message id taken from Ozon into the inbox
                                           (CURSOR_S, renewed by every ingest; without it the
                                           chat is re-read from the seller's last message)
    {p}:chat:{s}:{c}:lock          string  per-chat processing lock (token, PX, renewed); the
                                           token is the fencing token every effect checks
    {p}:chat:{s}:{c}:send          string  a send in flight: what to look for when reconciling
                                           (SEND_MARK_S)
    {p}:chat:{s}:{c}:state         string  context, takeover, complaint, language (STATE_S,
                                           renewed whenever it is read for a turn)
    {p}:chat:{s}:{c}:recent        list    the last buyer turns (for cards and repeat detection)
                                           (the record retention)
    {p}:chat:{s}:{c}:failures      string  unexpected errors handling the chat (1 h): after a few,
                                           the chat goes to people with reason `system`
    {p}:chat:{s}:{c}:read-failures string  polls that could not read the chat from Ozon (1 h)
    {p}:chat:{s}:{c}:quarantine    string  a chat Ozon's answers for which cannot be read: the
                                           poller skips it and people have it (QUARANTINE_S)
    {p}:record:{s}:{c}:{m}         string  one handled turn: intent, flags, decision, timings (TTL)
    {p}:records:{s}                zset    record keys by handled time (review, digest, stats)
    {p}:blocked:{s}                zset    blocked outgoing texts kept for review (TTL'd entries)
    {p}:esc:{id}                   hash    one escalation and its card state
    {p}:esc:open                   zset    open escalation ids by creation time
    {p}:esc:all:{s}                zset    every escalation id of a shop by creation time (review)
    {p}:esc:chat:{s}:{c}           string  the open escalation of a chat (one card per chat)
                                           (CHAT_ESCALATION_S, renewed by every save)
    {p}:outbox                     stream  staff notifications to deliver; group `staff`
    {p}:outbox:done:{id}           string  notification already delivered (idempotency)
    {p}:outbox:held:{tg}           list    notifications for staff chat {tg} while it cannot take
                                           them (parked, or a 429): delivered in order once it
                                           can (OUTBOX_HELD_S after the last one held)
    {p}:tg:offset                  string  Telegram update offset
    {p}:tg:lock                    string  which worker runs the staff console (owner, PX)
    {p}:tg:msg:{chat}:{message}    string  which escalation a staff-chat message belongs to (cards,
                                           forwards, reminders: a reply to any of them is a relay)
    {p}:tg:reply:{chat}:{user}     string  "reply" pressed: that user's next message goes to this
                                           escalation (TTL)
    {p}:tg:fix:{token}             string  a corrected text offered to staff, awaiting a tap (TTL)
    {p}:tg:translated:{token}      string  a staff reply machine-translated into the buyer's
                                           language and checked, awaiting the "Send" tap (TG_FIX_S)
    {p}:tr:{s}:{c}:{m}:{lang}      string  buyer message {m} machine-translated into staff
                                           language {lang}, JSON (the record retention); a failed
                                           try is kept TRANSLATION_RETRY_S so the card is not
                                           retried on every refresh
    {p}:tg:parked:{tg}             string  staff chat {tg} refuses the bot (kicked, not found):
                                           why, since when, alerted; gone when a delivery there
                                           succeeds (TG_PARKED_S, renewed by every failed probe)
    {p}:tg:wait:{tg}               string  write nothing to staff chat {tg} until this expires
                                           (a 429's retry_after, or the re-probe of a parked chat)
    {p}:shop:{s}:paused            string  kill switch: no auto-replies for the shop
    {p}:shop:{s}:mode              string  mode override JSON {mode, until}
    {p}:shop:{s}:premium-missing   string  Ozon refused a write for lack of a subscription: the
                                           shop is in draft mode until it expires (WRITES_PROBE_S),
                                           then the next reply probes for real
    {p}:shop:{s}:premium-lacking   string  since when writes were refused; deleted by the first
                                           write that works (staff hear of both, once)
    {p}:stats:{s}:{yyyy-mm-dd}     hash    daily counters for /stats and the digest
    {p}:marks:{s}                  hash    staff "wrong intent: X" marks by record key
    {p}:holding:{s}:{c}:{night}    string  the after-hours holding reply was sent this night
    {p}:digest:{s}:{yyyy-mm-dd}    string  the morning digest was posted
    {p}:notice:{s}:{name}          string  a staff notice about the shop's key or push address
                                           was posted (DIGEST_S: once per warning or per day)
    {p}:outage:{kind}:{s}          string  first time Rasa/Ozon was seen down (for `system`)
    {p}:control                    zset    conversations with a control step still to do (pause
                                           or resume in Rasa), score = next try (ms)
    {p}:control:want               hash    conversation -> the step staff want (the latest wins)
    {p}:sentinel                   string  written at start; missing later means Redis lost its
                                           data (a flush or an empty failover)
    {p}:recovering                 string  set after data loss was seen: chats without state
                                           whose seller wrote recently go to people (RECOVERY_S)
    {p}:poll:{s}                   hash    the shop's poll progress: last success, last error,
                                           the next allowed poll (for /healthz and backoff)
    {p}:ratelimit:{client_id}      hash    one Client-Id's shared request budget (GCRA: `tat`,
                                           `pause` in ms of Redis time), expires when idle
                                           (bot/state/ratelimit.py)
    {p}:ozon:attrs:{cat}:{type}:{lang}  string  attribute id → name of one Ozon category and
                                           type in one language, JSON (ATTRIBUTE_NAMES_S)

  Product questions and reviews (`bot.state.streams`; {t} `questions`|`reviews`, {i} Ozon's id):
    {p}:pub:{s}:{t}:{i}:lock       string  one worker handles the item at a time (token,
                                           PUBLIC_LEASE_MS); a dead worker's lease expires
    {p}:pub:{s}:{t}:{i}            string  the item's progress, JSON: `posting` (written BEFORE
                                           the answer/comment call, with the text), `posted`,
                                           `carded`, `done`, `skipped` (PUBLIC_ITEM_S). A
                                           `posting` found later is reconciled with Ozon's
                                           answer/comment list before anything is sent again
    {p}:pub:{s}:last:{sku}         string  digest of the last public text posted for the SKU:
                                           the next one must differ (PUBLIC_ROTATION_S)
    {p}:pub:{s}:{t}:paused         string  Ozon refused the stream for lack of a subscription:
                                           nothing is polled until it expires (PUBLIC_PROBE_S)
    {p}:pub:{s}:{t}:refused        string  staff were told of that refusal (once); deleted by
                                           the first poll that works
    {p}:pub:{s}:{t}:posting        zset    items whose progress is `posting`, score = when it
                                           was written (ms): looked at after each poll, since an
                                           item Ozon took (and so marked processed) is no longer
                                           listed as NEW; an item leaves when its progress moves
                                           on (PUBLIC_ITEM_S after the last one added)
    {p}:pub:{s}:watch              zset    answers whose moderation is still open, member
                                           `question|sku|answer`, score = next look (ms)
    {p}:pub-card:{id}              string  a question/review card for staff, JSON (PUBLIC_CARD_S)
    {p}:pub:{s}:turns              zset    each question/review decided: its text, the intent
                                           understood, the decision, JSON by handled time (ms);
                                           entries older than PUBLIC_TURNS_S go. The digest
                                           counts them; `review export` reads them
    {p}:pub:{s}:open               zset    the shop's open question/review cards, member
                                           `stream|card id`, score = creation time (ms): the
                                           digest's "waiting"; a card leaves when sent or
                                           dismissed (older than PUBLIC_CARD_S: dropped)

Long (~350 lines) because the key layout table above is the documentation of everything Redis
holds, next to the functions that build the keys.
"""

from __future__ import annotations

from dataclasses import dataclass

OUTBOX_GROUP = "staff"

# TTLs in milliseconds or seconds, named by unit.
POLL_LOCK_MS = 15_000
CHAT_LOCK_MS = 30_000
"""A worker renews its chat lock while it works; a dead worker's lock expires in this time."""
CLAIM_LEASE_MS = 30_000
"""A claimed chat comes back to the queue after this long unless its worker renews the lease."""
SEND_MARK_S = 7 * 24 * 3600
CURSOR_S = 30 * 24 * 3600
STATE_S = 90 * 24 * 3600
CHAT_ESCALATION_S = 30 * 24 * 3600
QUARANTINE_S = 24 * 3600
READ_FAILURES_S = 3600
RECOVERY_S = 24 * 3600
WRITES_PROBE_S = 30 * 60
"""A shop whose chat writes Ozon refused tries one real write again after this long."""
SEND_SETTLE_S = 20
"""A send whose outcome is unknown is looked for in the chat history for this long before it
is taken as not sent: Ozon may show a message in the history some seconds after taking it."""
OUTBOX_DONE_S = 30 * 24 * 3600
HOLDING_S = 36 * 3600
OUTAGE_MEMORY_S = 180
"""An outage record lives this long after the last failure (retries come at least every 60 s)."""
DIGEST_S = 3 * 24 * 3600
STATS_S = 90 * 24 * 3600
RECENT_TURNS = 10
STREAM_MAXLEN = 100_000
TG_MESSAGE_S = 30 * 24 * 3600
TG_REPLY_S = 15 * 60
TG_FIX_S = 24 * 3600
OUTBOX_HELD_S = 30 * 24 * 3600
TG_PARKED_S = 30 * 24 * 3600
TRANSLATION_RETRY_S = 10 * 60
"""A buyer message the engine could not translate is tried again after this long (the card
says "translation unavailable" meanwhile)."""
PUBLIC_LEASE_MS = 120_000
"""Far longer than one answer call (10 s timeout, never retried): a lease that expired means
the worker died, and only then is its `posting` record reconciled."""
PUBLIC_ITEM_S = 90 * 24 * 3600
PUBLIC_ROTATION_S = 30 * 24 * 3600
PUBLIC_PROBE_S = 30 * 60
"""A stream refused for lack of a subscription is tried again after this long."""
PUBLIC_CARD_S = 30 * 24 * 3600
PUBLIC_TURNS_S = 30 * 24 * 3600
"""As long as the chat turn records are kept by default (`record_retention_days`)."""
PUBLIC_WATCH_S = 7 * 24 * 3600
"""An answer still in moderation after this long is no longer watched."""
ATTRIBUTE_NAMES_S = 7 * 24 * 3600
"""Ozon renames attributes rarely (and pushes TYPE_DESCRIPTION_CATEGORY_TREE_CHANGED when it
does); a week keeps `/v1/description-category/attribute` calls to a few per category."""


@dataclass(frozen=True, slots=True)
class Keys:
    """Key builder for one deployment prefix."""

    prefix: str = "ozonbot"

    def _k(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    # ingest and processing
    def poll_lock(self, shop: str) -> str:
        return self._k("poll-lock", shop)

    @property
    def queue(self) -> str:
        return self._k("queue")

    @property
    def queue_since(self) -> str:
        return self._k("queue", "since")

    def inbox(self, shop: str, chat: str) -> str:
        return self._k("chat", shop, chat, "inbox")

    def cursor(self, shop: str, chat: str) -> str:
        return self._k("chat", shop, chat, "cursor")

    def chat_lock(self, shop: str, chat: str) -> str:
        return self._k("chat", shop, chat, "lock")

    def pending_send(self, shop: str, chat: str) -> str:
        return self._k("chat", shop, chat, "send")

    def failures(self, shop: str, chat: str) -> str:
        return self._k("chat", shop, chat, "failures")

    def read_failures(self, shop: str, chat: str) -> str:
        return self._k("chat", shop, chat, "read-failures")

    def quarantine(self, shop: str, chat: str) -> str:
        return self._k("chat", shop, chat, "quarantine")

    def chat_state(self, shop: str, chat: str) -> str:
        return self._k("chat", shop, chat, "state")

    def recent(self, shop: str, chat: str) -> str:
        return self._k("chat", shop, chat, "recent")

    def record(self, shop: str, chat: str, message_id: str) -> str:
        return self._k("record", shop, chat, message_id)

    def records(self, shop: str) -> str:
        return self._k("records", shop)

    def blocked(self, shop: str) -> str:
        return self._k("blocked", shop)

    # escalations and staff
    def escalation(self, escalation_id: str) -> str:
        return self._k("esc", escalation_id)

    @property
    def open_escalations(self) -> str:
        return self._k("esc", "open")

    def all_escalations(self, shop: str) -> str:
        return self._k("esc", "all", shop)

    def chat_escalation(self, shop: str, chat: str) -> str:
        return self._k("esc", "chat", shop, chat)

    @property
    def outbox(self) -> str:
        return self._k("outbox")

    def outbox_done(self, notification_id: str) -> str:
        return self._k("outbox", "done", notification_id)

    def outbox_held(self, staff_chat: int) -> str:
        return self._k("outbox", "held", str(staff_chat))

    @property
    def telegram_offset(self) -> str:
        return self._k("tg", "offset")

    @property
    def telegram_lock(self) -> str:
        return self._k("tg", "lock")

    def telegram_message(self, chat_id: str, message_id: str) -> str:
        return self._k("tg", "msg", chat_id, message_id)

    def telegram_reply(self, chat_id: str, user_id: str) -> str:
        return self._k("tg", "reply", chat_id, user_id)

    def telegram_fix(self, token: str) -> str:
        return self._k("tg", "fix", token)

    def telegram_translated(self, token: str) -> str:
        return self._k("tg", "translated", token)

    def translation(self, shop: str, chat: str, message_id: str, language: str) -> str:
        return self._k("tr", shop, chat, message_id, language)

    def telegram_parked(self, staff_chat: int) -> str:
        return self._k("tg", "parked", str(staff_chat))

    def telegram_wait(self, staff_chat: int) -> str:
        return self._k("tg", "wait", str(staff_chat))

    # shop switches
    def shop_paused(self, shop: str) -> str:
        return self._k("shop", shop, "paused")

    def shop_mode(self, shop: str) -> str:
        return self._k("shop", shop, "mode")

    def premium_missing(self, shop: str) -> str:
        return self._k("shop", shop, "premium-missing")

    def premium_lacking_since(self, shop: str) -> str:
        return self._k("shop", shop, "premium-lacking")

    def stats(self, shop: str, day: str) -> str:
        return self._k("stats", shop, day)

    def marks(self, shop: str) -> str:
        return self._k("marks", shop)

    def holding(self, shop: str, chat: str, night: str) -> str:
        return self._k("holding", shop, chat, night)

    def notice_sent(self, shop: str, name: str) -> str:
        return self._k("notice", shop, name)

    def digest(self, shop: str, day: str) -> str:
        return self._k("digest", shop, day)

    def outage(self, kind: str, shop: str) -> str:
        return self._k("outage", kind, shop)

    @property
    def control(self) -> str:
        return self._k("control")

    @property
    def control_want(self) -> str:
        return self._k("control", "want")

    @property
    def sentinel(self) -> str:
        return self._k("sentinel")

    @property
    def recovering(self) -> str:
        return self._k("recovering")

    def poll_state(self, shop: str) -> str:
        return self._k("poll", shop)

    def ratelimit(self, client_id: str) -> str:
        return self._k("ratelimit", client_id)

    def attribute_names(self, category_id: str, type_id: str, language: str) -> str:
        return self._k("ozon", "attrs", category_id, type_id, language)

    # product questions and reviews
    def public_lock(self, shop: str, stream: str, item: str) -> str:
        return self._k("pub", shop, stream, item, "lock")

    def public_item(self, shop: str, stream: str, item: str) -> str:
        return self._k("pub", shop, stream, item)

    def public_last(self, shop: str, sku: str) -> str:
        return self._k("pub", shop, "last", sku)

    def public_paused(self, shop: str, stream: str) -> str:
        return self._k("pub", shop, stream, "paused")

    def public_refused(self, shop: str, stream: str) -> str:
        return self._k("pub", shop, stream, "refused")

    def public_posting(self, shop: str, stream: str) -> str:
        return self._k("pub", shop, stream, "posting")

    def public_watch(self, shop: str) -> str:
        return self._k("pub", shop, "watch")

    def public_card(self, card_id: str) -> str:
        return self._k("pub-card", card_id)

    def public_turns(self, shop: str) -> str:
        return self._k("pub", shop, "turns")

    def public_open(self, shop: str) -> str:
        return self._k("pub", shop, "open")
