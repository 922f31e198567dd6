"""The outbox relay: publishes outbox rows to `crm.events` with publisher confirms.

Confirms are windowed: up to `window` messages are in flight at once and rows are marked sent
as the broker's acks arrive (acks may cover many tags at once), never before."""

from __future__ import annotations

import logging
from typing import Any, Protocol

import pika
from pika.adapters.select_connection import SelectConnection
from pika.channel import Channel
from pika.spec import Basic

from crmkit.lifecycle import keep_running, stop_on_signals
from crmkit.outbox import OutboxMessage
from crmkit.rabbit import EXCHANGE

log = logging.getLogger(__name__)

MARK_SENT_DELAY = 0.02  # seconds


class OutboxStore(Protocol):
    def claim(self, limit: int) -> list[OutboxMessage]: ...
    def mark_sent(self, seqs: list[int]) -> None: ...
    def release(self, seqs: list[int]) -> None: ...


class OutboxRelay:
    def __init__(
        self,
        store: OutboxStore,
        params: pika.URLParameters,
        window: int = 1000,
        poll_seconds: float = 0.1,
    ) -> None:
        self.store = store
        self.params = params
        self.window = window
        self.poll_seconds = poll_seconds
        self.stopping = False
        self._connection: SelectConnection | None = None
        self._channel: Channel | None = None
        self._in_flight: dict[int, int] = {}  # delivery tag -> outbox seq
        self._confirmed: list[int] = []  # seqs acked by the broker, not yet marked sent
        self._next_tag = 0

    # -- lifecycle -------------------------------------------------------------------------
    def run_forever(self) -> None:
        """Publish until SIGTERM/SIGINT, reconnecting with backoff when the broker goes away."""
        stop_on_signals(self.stop)
        keep_running(self.run_once, lambda: self.stopping, "relay")

    def run_once(self) -> None:
        """One connection's life: returns when it closes. Exceptions from the store propagate."""
        self._settle()
        self._next_tag = 0
        self._connection = SelectConnection(
            self.params,
            on_open_callback=self._on_connection_open,
            on_open_error_callback=lambda _c, err: self._on_closed(err),
            on_close_callback=lambda _c, reason: self._on_closed(reason),
        )
        try:
            self._connection.ioloop.start()
        finally:
            self._settle()

    def stop(self) -> None:
        """Ends the connection's life; one still opening ends as soon as it is open (it would
        run for ever otherwise: a SIGTERM while connecting hung the relay)."""
        self.stopping = True
        connection = self._connection
        if connection is not None:
            connection.ioloop.add_callback_threadsafe(self._close_if_open)

    def _close_if_open(self) -> None:
        connection = self._connection
        if connection is not None and connection.is_open:
            connection.close()

    def _on_closed(self, reason: Any) -> None:
        if not self.stopping:
            log.warning("relay connection closed", extra={"reason": str(reason)})
        assert self._connection is not None
        self._connection.ioloop.stop()

    def _settle(self) -> None:
        """At the end of a connection's life: confirmed rows are marked sent, unconfirmed ones
        released to be published again at once. What the database refuses now (it may be why
        the life ended) is kept and settled before the next connection, not left to the lease,
        which would hold the rows back for CRM_RELAY_CLAIM_SECONDS."""
        if self._confirmed:
            self._mark_confirmed()
        if self._in_flight:
            self.store.release(list(self._in_flight.values()))
            self._in_flight.clear()

    # -- channel set-up --------------------------------------------------------------------
    def _on_connection_open(self, connection: SelectConnection) -> None:
        if self.stopping:  # asked to stop while it was opening
            connection.close()
            return
        connection.channel(on_open_callback=self._on_channel_open)

    def _on_channel_open(self, channel: Channel) -> None:
        self._channel = channel
        channel.add_on_close_callback(lambda _ch, reason: self._close_connection(reason))
        channel.confirm_delivery(self._on_confirm, callback=lambda _f: self._declare())

    def _declare(self) -> None:
        assert self._channel is not None
        self._channel.exchange_declare(
            EXCHANGE, exchange_type="topic", durable=True, callback=lambda _f: self._pump()
        )

    def _close_connection(self, reason: Any) -> None:
        log.warning("relay channel closed", extra={"reason": str(reason)})
        if self._connection is not None and self._connection.is_open:
            self._connection.close()

    # -- publishing ------------------------------------------------------------------------
    def _pump(self) -> None:
        if self.stopping or self._channel is None or not self._channel.is_open:
            return
        room = self.window - len(self._in_flight)
        batch = self.store.claim(room) if room > 0 else []
        for message in batch:
            self._publish(message)
        delay = 0.0 if len(batch) == room and room > 0 else self.poll_seconds
        assert self._connection is not None
        self._connection.ioloop.call_later(delay, self._pump)

    def _publish(self, message: OutboxMessage) -> None:
        assert self._channel is not None
        properties = pika.BasicProperties(
            delivery_mode=pika.DeliveryMode.Persistent,
            content_type="application/x-protobuf",
            message_id=message.event_id,
            type=message.event_type,
        )
        body = message.published_body()
        self._channel.basic_publish(EXCHANGE, message.event_type, body, properties)
        self._next_tag += 1
        self._in_flight[self._next_tag] = message.seq

    def _on_confirm(self, frame: Any) -> None:
        method = frame.method
        tags = self._settled_tags(method.delivery_tag, method.multiple)
        seqs = [self._in_flight.pop(tag) for tag in tags]
        if isinstance(method, Basic.Ack):
            # Acks arrive in quick succession: mark them sent in one transaction shortly after.
            if not self._confirmed:
                assert self._connection is not None
                self._connection.ioloop.call_later(MARK_SENT_DELAY, self._mark_confirmed)
            self._confirmed.extend(seqs)
        else:
            log.warning("broker refused events; they will be retried", extra={"count": len(seqs)})
            self.store.release(seqs)

    def _mark_confirmed(self) -> None:
        self.store.mark_sent(self._confirmed)
        self._confirmed = []

    def _settled_tags(self, tag: int, multiple: bool) -> list[int]:
        if not multiple:
            return [tag] if tag in self._in_flight else []
        return sorted(t for t in self._in_flight if t <= tag)
