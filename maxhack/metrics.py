"""/metrics in the Prometheus text format, read from the actors' own statistics at scrape
time (no second bookkeeping): supervision tree, stores, db writer, sender, reminders."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from maxhack.app import Application

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class ApplicationCollector(Collector):
    def __init__(self, app_source: Callable[[], Application]) -> None:
        self._app_source = app_source

    def collect(self) -> Iterator[Metric]:
        app = self._app_source()
        tree = app.root.tree()
        up = GaugeMetricFamily("maxhack_actor_running", "1 when the actor runs", labels=["actor"])
        restarts = CounterMetricFamily(
            "maxhack_actor_restarts", "restarts of each actor", labels=["actor"]
        )
        mailbox = GaugeMetricFamily(
            "maxhack_mailbox_used", "items waiting in a mailbox", labels=["mailbox"]
        )
        pending = [tree]
        while pending:
            node = pending.pop()
            for child in node.children:
                up.add_metric([child.id], 1.0 if child.state.value == "running" else 0.0)
                restarts.add_metric([child.id], child.restart_count)
                for box in child.mailboxes:
                    mailbox.add_metric([box.name], box.used)
                if child.subtree is not None:
                    pending.append(child.subtree)
        yield from (up, restarts, mailbox)

        store_up = GaugeMetricFamily("maxhack_store_up", "latest probe ok", labels=["store"])
        store_up.add_metric(["postgres"], float(app.resources.postgres_check.ok))
        store_up.add_metric(["redis"], float(app.resources.redis_check.ok))
        yield store_up

        writer = app.writer.stats()
        yield CounterMetricFamily(
            "maxhack_db_writer_rows", "rows committed by the db writer", value=writer.rows_committed
        )
        yield CounterMetricFamily(
            "maxhack_db_writer_batches", "batches committed", value=writer.batches
        )

        if app.bot is not None:
            sender = app.bot.sender.stats()
            depth = GaugeMetricFamily("maxhack_sender_queued", "queued calls", labels=["lane"])
            sent = CounterMetricFamily(
                "maxhack_sender_sent", "calls that succeeded", labels=["lane"]
            )
            failed = CounterMetricFamily(
                "maxhack_sender_failed", "calls that failed", labels=["lane"]
            )
            for lane in (sender.interactive, sender.bulk):
                depth.add_metric([lane.lane], lane.queued)
                sent.add_metric([lane.lane], lane.sent)
                failed.add_metric([lane.lane], lane.failed)
            yield from (depth, sent, failed)
            yield GaugeMetricFamily(
                "maxhack_sender_utilisation",
                "grants in the last second / rate",
                value=sender.utilisation,
            )

        if app.reminders is not None:
            stats = app.reminders.stats
            reminders = CounterMetricFamily(
                "maxhack_reminders", "reminder deliveries by outcome", labels=["outcome"]
            )
            reminders.add_metric(["sent"], stats.sent)
            reminders.add_metric(["failed"], stats.failed)
            reminders.add_metric(["missed"], stats.missed)
            yield reminders
            yield GaugeMetricFamily(
                "maxhack_reminder_triggers_in_horizon",
                "triggers held in the in-memory level of the timer wheel",
                value=stats.triggers_in_horizon,
            )
            if stats.next_fire_at is not None:
                yield GaugeMetricFamily(
                    "maxhack_reminder_next_fire_timestamp_seconds",
                    "when the wheel wakes next",
                    value=stats.next_fire_at,
                )
            p50, p99 = stats.lag_percentiles()
            lag = GaugeMetricFamily(
                "maxhack_reminder_lag_seconds",
                "delivery lag (request start − due) over the last minute",
                labels=["quantile"],
            )
            if p50 is not None and p99 is not None:
                lag.add_metric(["0.5"], p50)
                lag.add_metric(["0.99"], p99)
            yield lag


def metrics_renderer(app_source: Callable[[], Application]) -> Callable[[], bytes]:
    """A per-application registry (several apps may live in one test process)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ApplicationCollector(app_source))
    return lambda: generate_latest(registry)
