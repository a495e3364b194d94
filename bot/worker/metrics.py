"""Prometheus metrics of one worker process (its own registry: no module-level globals)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

_LATENCY_BUCKETS = (0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.messages = Counter(
            "ozonbot_messages", "Buyer turns handled", ["shop", "intent", "decision"], registry=r
        )
        self.escalations = Counter(
            "ozonbot_escalations", "Escalations by reason", ["shop", "reason"], registry=r
        )
        self.guard_checks = Counter(
            "ozonbot_guard_checks", "Outbound checks", ["origin", "result"], registry=r
        )
        self.guard_blocks = Counter(
            "ozonbot_guard_blocks", "Outbound rule hits", ["origin", "rule"], registry=r
        )
        self.inbound_flags = Counter(
            "ozonbot_inbound_flags", "Inbound detector flags", ["flag"], registry=r
        )
        self.ozon_calls = Counter(
            "ozonbot_ozon_calls", "Ozon Seller API calls", ["method", "status"], registry=r
        )
        self.ozon_seconds = Histogram(
            "ozonbot_ozon_call_seconds",
            "Ozon call latency",
            ["method"],
            registry=r,
            buckets=_LATENCY_BUCKETS,
        )
        self.stage_seconds = Histogram(
            "ozonbot_stage_seconds",
            "Time per pipeline stage",
            ["stage"],
            registry=r,
            buckets=_LATENCY_BUCKETS,
        )
        self.reply_latency = Histogram(
            "ozonbot_reply_latency_seconds",
            "Buyer message seen by the worker -> reply sent",
            registry=r,
            buckets=_LATENCY_BUCKETS,
        )
        self.public_items = Counter(
            "ozonbot_public_items",
            "Product questions and reviews handled, by stream, decision and star rating",
            ["shop", "stream", "decision", "rating"],
            registry=r,
        )
        self.queue_depth = Gauge("ozonbot_queue_depth", "Chats waiting for work", registry=r)
        self.oldest_unhandled = Gauge(
            "ozonbot_oldest_unhandled_seconds", "Age of the oldest unhandled message", registry=r
        )
        self.outbox_pending = Gauge(
            "ozonbot_outbox_pending", "Staff notifications not yet delivered", registry=r
        )
        self.telegram_refusals = Counter(
            "ozonbot_telegram_refusals",
            "Staff chat writes Telegram refused: forbidden (parked) or rate_limited",
            ["chat", "reason"],
            registry=r,
        )
        self.telegram_parked = Gauge(
            "ozonbot_telegram_parked", "1 while a staff chat refuses the bot", ["chat"], registry=r
        )
        self.outbox_held = Gauge(
            "ozonbot_outbox_held",
            "Staff notifications waiting for a chat that cannot take them now",
            ["chat"],
            registry=r,
        )
        self.state_lost = Counter(
            "ozonbot_state_lost",
            "Redis structures found missing (data loss) and re-created",
            ["structure"],
            registry=r,
        )
        self.dependency_down = Counter(
            "ozonbot_dependency_failures",
            "Turns postponed because a service was down",
            ["service"],
            registry=r,
        )
        self.ozon_events = Counter(
            "ozonbot_ozon_events",
            "Rare Ozon events: retry_after_capped, rate_limited",
            ["event", "method"],
            registry=r,
        )
        self.lost_locks = Counter(
            "ozonbot_lost_locks", "Turns cancelled because the chat lock was lost", registry=r
        )
        self.quarantined = Counter(
            "ozonbot_quarantined_chats",
            "Chats whose messages could not be read and went to people",
            ["shop"],
            registry=r,
        )
        self.poll_failures = Counter(
            "ozonbot_poll_failures",
            "Polls that failed, by problem",
            ["shop", "problem"],
            registry=r,
        )
        self.shop_degraded = Gauge(
            "ozonbot_shop_degraded",
            "1 while a shop cannot be served fully (key refused, subscription missing)",
            ["shop", "problem"],
            registry=r,
        )
        self.key_expires_in = Gauge(
            "ozonbot_api_key_expires_seconds",
            "Seconds until the shop's API key expires",
            ["shop"],
            registry=r,
        )
        self.data_loss = Counter(
            "ozonbot_data_loss", "Times the worker found that Redis had lost its data", registry=r
        )
        self.control_retries = Counter(
            "ozonbot_control_retries",
            "Control steps (pause/resume in Rasa) that failed and wait for a retry",
            ["op"],
            registry=r,
        )

    def ozon_event(self, event: str, method: str) -> None:
        """`bot.ozon.client.EventObserver`: rare events (a capped Retry-After, a 429)."""
        self.ozon_events.labels(event=event, method=method).inc()

    def ozon_call(self, method: str, status: str, seconds: float) -> None:
        """`bot.ozon.client.CallObserver`: counts every HTTP attempt."""
        self.ozon_calls.labels(method=method, status=status).inc()
        self.ozon_seconds.labels(method=method).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
