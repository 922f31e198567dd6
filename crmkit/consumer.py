"""An event consumer: competing consumers on one durable quorum queue, bounded prefetch,
manual ack only after the handler's transaction committed, reconnect with backoff.

Deliveries are applied in batches when the handler can (up to `batch_size` messages, or what
arrived within `batch_seconds` of the first): one transaction for the batch, then one ack for all
of it. A batch that fails is applied again one message at a time, so that a poison message is
dead-lettered alone and the others still go through once."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import pika
from google.protobuf.message import DecodeError
from pika.adapters.blocking_connection import BlockingChannel

from crm.events.v1.envelope_pb2 import Envelope
from crmkit.db import DATABASE_UNAVAILABLE
from crmkit.events import PoisonMessage, UnknownEventType
from crmkit.lifecycle import keep_running, stop_on_signals
from crmkit.rabbit import QueueSpec, declare_queue
from crmkit.tracing import set_trace_id

log = logging.getLogger(__name__)

Handler = Callable[[Envelope], bool]
BatchHandler = Callable[[list[Envelope]], list[bool]]
POISON = (DecodeError, PoisonMessage, UnknownEventType)
Delivery = tuple[int, bytes]  # delivery tag, body


class EventConsumer:
    def __init__(
        self,
        params: pika.URLParameters,
        spec: QueueSpec,
        handle: Handler,
        prefetch: int = 500,
        handle_batch: BatchHandler | None = None,
        batch_size: int = 500,
        batch_seconds: float = 0.05,
    ) -> None:
        self.params = params
        self.spec = spec
        self.handle = handle
        self.prefetch = prefetch
        self.handle_batch = handle_batch
        self.batch_size = batch_size if handle_batch else 1
        self.batch_seconds = batch_seconds
        self.stopping = False
        self._channel: BlockingChannel | None = None

    def run_forever(self) -> None:
        """Consume until SIGTERM/SIGINT, reconnecting with backoff when the broker goes away."""
        stop_on_signals(self.stop)
        keep_running(self.run_once, lambda: self.stopping, "consumer")

    def run_once(self, inactivity_timeout: float | None = None) -> None:
        """Consume until stopped (or, with a timeout, until the queue stays quiet that long)."""
        connection = pika.BlockingConnection(self.params)
        try:
            channel = connection.channel()
            self._channel = channel
            declare_queue(channel, self.spec)
            channel.basic_qos(prefetch_count=self.prefetch)
            self._consume(channel, inactivity_timeout)
        finally:
            self._channel = None
            if connection.is_open:
                connection.close()

    def _consume(self, channel: BlockingChannel, inactivity_timeout: float | None) -> None:
        pending: list[Delivery] = []
        first_at = quiet_since = time.monotonic()
        tick = min(self.batch_seconds, inactivity_timeout or 1.0)
        for method, _properties, body in channel.consume(self.spec.name, inactivity_timeout=tick):
            now = time.monotonic()
            if method is None:  # nothing came for a tick: apply what is waiting
                self._flush(channel, pending)
                pending = []
                if self.stopping:
                    break
                if inactivity_timeout is not None and now - quiet_since >= inactivity_timeout:
                    break
                continue
            quiet_since = now
            if not pending:
                first_at = now
            pending.append((method.delivery_tag, body))
            if len(pending) >= self.batch_size or now - first_at >= self.batch_seconds:
                self._flush(channel, pending)
                pending = []
            if self.stopping:
                break
        self._flush(channel, pending)

    def stop(self) -> None:
        self.stopping = True

    # -- applying ----------------------------------------------------------------------------
    def _flush(self, channel: BlockingChannel, pending: list[Delivery]) -> None:
        if not pending:
            return
        if self.handle_batch is None or len(pending) == 1:
            for tag, body in pending:
                self._deliver(channel, tag, body)
            return
        decoded: list[tuple[int, Envelope]] = []
        for tag, body in pending:
            try:
                decoded.append((tag, Envelope.FromString(body)))
            except DecodeError:
                log.exception("poison event sent to the dead-letter queue")
                channel.basic_reject(tag, requeue=False)
        if not decoded:
            return
        try:
            applied = self._patiently(channel, lambda: self._apply_batch(decoded))
        except Exception:
            log.warning("a batch failed; its events are applied one by one", exc_info=True)
            for tag, envelope in decoded:
                self._settle(channel, tag, envelope)
            return
        channel.basic_ack(decoded[-1][0], multiple=True)
        if log.isEnabledFor(logging.INFO):
            for (_, envelope), now in zip(decoded, applied, strict=True):
                _log_applied(envelope, now)

    def _apply_batch(self, decoded: list[tuple[int, Envelope]]) -> list[bool]:
        assert self.handle_batch is not None
        set_trace_id(decoded[0][1].trace_id)
        return self.handle_batch([envelope for _, envelope in decoded])

    def _deliver(self, channel: BlockingChannel, tag: int, body: bytes) -> None:
        try:
            envelope = Envelope.FromString(body)
        except DecodeError:
            log.exception("poison event sent to the dead-letter queue")
            channel.basic_reject(tag, requeue=False)
            return
        self._settle(channel, tag, envelope)

    def _settle(self, channel: BlockingChannel, tag: int, envelope: Envelope) -> None:
        """One event on its own: applied and acked, dead-lettered if poison, else sent back."""
        try:
            set_trace_id(envelope.trace_id)
            applied = self._patiently(channel, lambda: self.handle(envelope))
        except POISON:
            log.exception("poison event sent to the dead-letter queue")
            channel.basic_reject(tag, requeue=False)
            return
        except Exception:
            log.exception("event failed; it will be redelivered up to the delivery limit")
            channel.basic_nack(tag, requeue=True)
            return
        channel.basic_ack(tag)
        _log_applied(envelope, applied)

    def _patiently(self, channel: BlockingChannel, apply: Callable[[], Any]) -> Any:
        """Waits out a database that is not answering while holding the messages: sent back,
        they would come again at once, spend their delivery attempts in milliseconds and be
        dead-lettered though nothing is wrong with them."""
        pause = 0.5
        while True:
            try:
                return apply()
            except DATABASE_UNAVAILABLE:
                if self.stopping:
                    raise
                log.warning("database unavailable; trying the events again", exc_info=True)
                channel.connection.sleep(pause)
                pause = min(pause * 2, 15.0)


def _log_applied(envelope: Envelope, now: bool) -> None:
    log.info(
        "event applied" if now else "event already applied",
        extra={"event_type": envelope.type, "event_id": envelope.event_id},
    )
