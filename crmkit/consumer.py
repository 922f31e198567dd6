"""An event consumer: competing consumers on one durable quorum queue, bounded prefetch,
manual ack only after the handler's transaction committed, reconnect with backoff."""

from __future__ import annotations

import logging
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


class EventConsumer:
    def __init__(
        self,
        params: pika.URLParameters,
        spec: QueueSpec,
        handle: Handler,
        prefetch: int = 32,
    ) -> None:
        self.params = params
        self.spec = spec
        self.handle = handle
        self.prefetch = prefetch
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
            for method, _properties, body in channel.consume(
                self.spec.name, inactivity_timeout=inactivity_timeout or 1.0
            ):
                if method is None:
                    if inactivity_timeout is not None or self.stopping:
                        break
                    continue
                self._deliver(channel, method, body)
                if self.stopping:
                    break
        finally:
            self._channel = None
            if connection.is_open:
                connection.close()

    def stop(self) -> None:
        self.stopping = True

    def _deliver(self, channel: BlockingChannel, method: Any, body: bytes) -> None:
        tag = method.delivery_tag
        try:
            envelope = Envelope.FromString(body)
            set_trace_id(envelope.trace_id)
            applied = self._apply(channel, envelope)
        except (DecodeError, PoisonMessage, UnknownEventType):
            log.exception("poison event sent to the dead-letter queue")
            channel.basic_reject(tag, requeue=False)
            return
        except Exception:
            log.exception("event failed; it will be redelivered up to the delivery limit")
            channel.basic_nack(tag, requeue=True)
            return
        channel.basic_ack(tag)
        log.info(
            "event applied" if applied else "event already applied",
            extra={"event_type": envelope.type, "event_id": envelope.event_id},
        )

    def _apply(self, channel: BlockingChannel, envelope: Envelope) -> bool:
        """Waits out a database that is not answering while holding the message: sent back, it
        would come again at once, spend its delivery attempts in milliseconds and be
        dead-lettered though nothing is wrong with it."""
        pause = 0.5
        while True:
            try:
                return self.handle(envelope)
            except DATABASE_UNAVAILABLE:
                if self.stopping:
                    raise
                log.warning("database unavailable; trying the event again", exc_info=True)
                channel.connection.sleep(pause)
                pause = min(pause * 2, 15.0)
