"""The APScheduler job that fires due timers and sends due webhooks: inside ``szcg run`` or alone as ``szcg scheduler``.

One interval job asks the database what is due (engine.time.timers); it never scans
workflows and keeps no state, so several scheduler processes against one PostgreSQL are safe
(claims use SKIP LOCKED) and a restarted scheduler fires, once, whatever fell due while nothing
ran — the first run starts immediately.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from engine.audit import digests, personal_data
from engine.command.patrols import purge_tracks
from engine.deps import Deps
from engine.exchange import retention, sms
from engine.exchange.delivery import deliver_due
from engine.ops import heartbeat
from engine.time.timers import fire_due

log = logging.getLogger("szcg.scheduler")
BATCH = 200
RETENTION = "retention"  # the heartbeat of the hourly clearing of expired personal data and exchange rows
RETENTION_EVERY = timedelta(hours=1)


def tick(deps: Deps) -> int:
    """Stamp the heartbeat, fire everything due now (in batches), send the due webhooks, seal finished days;
    returns how many timers fired."""
    heartbeat.beat(deps)
    total = 0
    while True:
        fired = fire_due(deps, BATCH)
        total += sum(1 for f in fired if f.effect == "fired")
        if len(fired) < BATCH:
            break
    if total:
        log.info("fired %d timers", total)
    sms.hand_over_all(deps)  # SMS rows to the gateway's subscription, if there is one
    delivered = deliver_due(deps)  # after the timers: an overdue fired now is announced in this tick
    if delivered:
        log.info("delivered %d webhooks", delivered)
    for sealed in digests.seal_due(deps):  # the days that ended: their timeline heads sealed
        log.info("sealed the timeline of %s: %s", sealed.day, sealed.digest)
    last = heartbeat.last_beat(deps, RETENTION)
    if last is None or deps.clock.now() - last >= RETENTION_EVERY:
        heartbeat.beat(deps, RETENTION)
        cleared = personal_data.clear_expired(deps)
        if cleared:
            log.info("cleared the reporters' personal data of %d finished cases (retention)", cleared)
        purged = retention.purge(deps)  # old deliveries, their events, sent SMS rows (exchange_retention)
        if purged.total:
            log.info("purged %d webhook deliveries, %d events and %d sent SMS rows (retention)",
                     purged.deliveries, purged.events, purged.sms)
    return total


def _add_job(scheduler: BackgroundScheduler | BlockingScheduler, deps: Deps) -> None:
    scheduler.add_job(tick, "interval", args=[deps], seconds=deps.settings.scheduler_interval_seconds,
                      id="szcg-timers", max_instances=1, coalesce=True, next_run_time=datetime.now(UTC))
    # Patrol tracks are personal data: deleted once older than patrol.retention_days.
    scheduler.add_job(purge_tracks, "interval", args=[deps], hours=1, id="szcg-patrol-purge", max_instances=1,
                      coalesce=True, next_run_time=datetime.now(UTC))


def start_background(deps: Deps) -> BackgroundScheduler:
    """Start the timer job in a background thread of this process (``szcg run``)."""
    scheduler = BackgroundScheduler(timezone="UTC")
    _add_job(scheduler, deps)
    scheduler.start()
    log.info("scheduler started (every %ss)", deps.settings.scheduler_interval_seconds)
    return scheduler


def run_blocking(deps: Deps) -> None:
    """Run the timer job in the foreground until interrupted (``szcg scheduler``)."""
    scheduler = BlockingScheduler(timezone="UTC")
    _add_job(scheduler, deps)
    log.info("scheduler running alone (every %ss); Ctrl-C to stop", deps.settings.scheduler_interval_seconds)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("scheduler stopped")
