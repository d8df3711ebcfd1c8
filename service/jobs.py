"""The once-a-minute jobs: staffing watch (against ``queue.min_agents`` and the forecast), the
reaper of ended calls, the Twilio queue sizes, the retention of personal data, the escalations'
loose ends (recordings of closed escalations still at Twilio, announcements not confirmed), and
once a day the list of overdue complaints.

Every instance runs the same scheduler; each job claims the minute in the database first
(``staffing.claim_tick``), so across all instances a job runs once per minute.
"""

from __future__ import annotations

import enum
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from agents import agents_logged_in, end_agent_call
from calllog import purge_raw_numbers
from calls import leave_queue
from complaints import complaints, erase_closed_complaints
from config import Helpdesk, HelpdeskConfig
from escalations import erase_closed_escalations
from outbound import erase_closed_numbers, release_claims
from planning import Step, Targets, forecast_helpdesk
from routing import returning_queue_name
from service.notify import Notifier
from service.recordings import Recordings, delete_closed_recordings
from service.runtime import Runtime
from staffing import (
    StaffingReason,
    agent_call_sids,
    claim_tick,
    open_alerts,
    prune_ticks,
    raise_alert,
    resolve_alert,
    shortfall,
    stale_queue_call_sids,
    tick_of,
)

log = logging.getLogger("ivr.jobs")
complaints_log = logging.getLogger("ivr.complaints")
staffing_log = logging.getLogger("ivr.staffing")

TICK_SECONDS = 60
# Callers mostly leave the queue within overflow_after (3 minutes); one counted as waiting for
# longer is checked with Twilio, and stays in the queue if the call is still up (central closed).
STALE_QUEUE_ENTRY = timedelta(minutes=10)
# Bounds the REST requests of one tick so that it ends well before the next one.
REAP_LIMIT = 100
KEEP_TICKS = timedelta(days=7)
# How long start-up or a reload waits for the queues to be set up; a slow Twilio finishes in the
# background (each REST request gives up after a timeout of its own).
QUEUE_SET_UP_WAIT_S = 5.0


class Job(enum.StrEnum):
    STAFFING_WATCH = "staffing-watch"
    REAPER = "reaper"
    QUEUES = "twilio-queues"
    RETENTION = "retention"
    ESCALATIONS = "escalations"
    # Claimed once per local day (the tick is the day's midnight), not per minute.
    COMPLAINTS_OVERDUE = "complaints-overdue"


@dataclass(frozen=True, slots=True)
class _StaffingEvent:
    kind: Literal["alert", "recovered", "closed"]
    helpdesk_id: str
    agents: int
    required: int
    reason: StaffingReason


class Telephony(Protocol):
    """What the jobs ask of the telephone provider (``ivr.twilio_rest.TwilioCalls``: Twilio's REST API).

    Both answer rather than raise when the provider cannot be asked: a job tries again next tick.
    """

    @property
    def available(self) -> bool:
        """Whether the provider can be asked at all (Twilio: credentials are set)."""
        ...

    def ended(self, call_sid: str) -> str | None:
        """The call's final status (``completed``, ``busy`` …) once it is over; else ``None``."""
        ...

    def ensure_queue(self, name: str, max_size: int) -> bool:
        """Whether queue ``name`` now exists and holds at most ``max_size`` callers."""
        ...


class Jobs:
    """The scheduled jobs of one app instance; ``run_tick`` is what the scheduler calls.

    Without ``telephony`` (or while it is not available: no Twilio credentials) the reaper and
    the queue set-up do nothing; without ``recordings`` and ``notifier`` neither do the
    escalations' loose ends.
    """

    def __init__(
        self,
        runtime: Runtime[Any],
        telephony: Telephony | None = None,
        *,
        recordings: Recordings | None = None,
        notifier: Notifier | None = None,
    ) -> None:
        self._runtime = runtime
        self._telephony = telephony
        self._recordings = recordings
        self._notifier = notifier
        self._queues_set_for: HelpdeskConfig | None = None
        self._scheduler: BackgroundScheduler | None = None
        # The forecast's need for the current hour per helpdesk (None: it failed), for one config.
        self._needs: dict[tuple[str, datetime], int | None] = {}
        self._needs_for: HelpdeskConfig | None = None

    @property
    def running(self) -> bool:
        return self._scheduler is not None

    def start(self) -> None:
        """Run ``run_tick`` every minute on the minute, in a background thread."""
        if self._scheduler is not None:
            return
        # The scheduler only paces the ticks; the jobs read the time through runtime.clock.
        now = datetime.now(UTC)
        every = self._runtime.settings.ivr_scheduler_interval
        # Paced on the minute; a shorter pace only makes the instances try each minute sooner.
        if every >= TICK_SECONDS:
            first = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
        else:
            first = now + timedelta(seconds=every)
        scheduler = BackgroundScheduler(timezone=UTC, executors={"default": ThreadPoolExecutor(1)})
        scheduler.add_job(
            self._scheduled_tick,
            IntervalTrigger(seconds=min(every, TICK_SECONDS), start_date=first, timezone=UTC),
            id="ivr-tick",
            name="once-a-minute jobs",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=30,
            next_run_time=first,
        )
        scheduler.start()
        self._scheduler = scheduler
        log.info("scheduled jobs started", extra={"first_tick": first.isoformat()})

    def next_run(self) -> datetime | None:
        """When the scheduler runs the next tick (None when not started)."""
        if self._scheduler is None:
            return None
        job = self._scheduler.get_job("ivr-tick")
        when: datetime | None = None if job is None else job.next_run_time
        return when

    def shutdown(self) -> None:
        """Stop the scheduler, waiting for a tick in progress to finish."""
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            scheduler.shutdown(wait=True)
            log.info("scheduled jobs stopped")

    def set_up_queues(self, wait: float = QUEUE_SET_UP_WAIT_S) -> None:
        """Create and size the helpdesks' Twilio queues now: at start-up and after a reload.

        An agent's ``<Dial><Queue>`` on a queue that does not exist fails at once, so the queues
        must exist before the first agent logs in, not only from the next tick on. Runs in its
        own thread and waits for it at most ``wait`` seconds; claimed per minute like the tick,
        so instances starting or reloading together do not create a queue twice.
        """
        if self._telephony is None or not self._telephony.available:
            return
        worker = threading.Thread(target=self._set_up_queues_now, name="twilio-queues", daemon=True)
        worker.start()
        worker.join(wait)
        if worker.is_alive():
            log.warning("Twilio queues still being set up after %.0f s; carrying on", wait)

    def _set_up_queues_now(self) -> None:
        now = self._runtime.clock()
        try:
            self._set_up_queues(tick_of(now), now)
        except Exception:
            log.exception("Twilio queues not set up", extra={"job": Job.QUEUES.value})

    def _scheduled_tick(self) -> None:
        try:
            self.run_tick(self._runtime.clock())
        except Exception:
            log.exception("scheduled jobs failed")

    def run_tick(self, now: datetime) -> list[Job]:
        """Run each job of the minute ``now`` falls in that no instance has run yet.

        Returns the jobs this instance ran. One failing job does not keep the others from
        running; it is not retried within the same minute.
        """
        tick = tick_of(now)
        # The reaper reads the queue: first what this instance's webhooks handed in.
        self._runtime.flush()
        # Local to this instance (its spool is on its own disk), so not claimed per minute.
        self._runtime.replay_spool()
        ran: list[Job] = []
        for job, run in (
            (Job.STAFFING_WATCH, self._watch_staffing),
            (Job.REAPER, self._reap),
            (Job.QUEUES, self._set_up_queues),
            (Job.RETENTION, self._purge_numbers),
            (Job.ESCALATIONS, self._escalation_loose_ends),
            (Job.COMPLAINTS_OVERDUE, self._log_overdue_complaints),
        ):
            try:
                if run(tick, now):
                    ran.append(job)
            except Exception:
                log.exception("scheduled job failed", extra={"job": job.value, "tick": tick.isoformat()})
        return ran

    def _watch_staffing(self, tick: datetime, now: datetime) -> bool:
        """Alert when an open helpdesk has fewer agents logged in than ``queue.min_agents``, or than
        the forecast needs for the current hour.

        Playbook 1.2.1: at least 2 agents logged in during opening hours, and ready for the peaks
        the invitations cause. Claim, reading and recording share one short transaction: on
        PostgreSQL a second instance waits for it and then skips; if it fails, the next instance
        to claim the minute runs the watch instead. The forecast is read before, in its own
        session and at most once an hour per helpdesk (``forecast_need``).
        """
        rt = self._runtime
        config = rt.config
        opened = {desk.id: config.schedule(desk).is_open(tick) for desk in config.helpdesks}
        needs = {
            desk.id: self.forecast_need(desk, now) if opened[desk.id] else None for desk in config.helpdesks
        }
        events: list[_StaffingEvent] = []
        with rt.session() as session:
            if not claim_tick(session, Job.STAFFING_WATCH, tick, ran_at=now):
                return False
            ongoing = open_alerts(session)
            for desk in config.helpdesks:
                open_now = opened[desk.id]
                agents = agents_logged_in(session, desk.id)
                short = shortfall(open_now, agents, desk.queue.min_agents, needs[desk.id])
                current = ongoing.get(desk.id)
                if short is not None:
                    reason, required = short
                    if current is not None and current.reason is not reason:
                        # Another reason is another alert: the old one ends as the new one starts.
                        resolve_alert(session, desk.id, tick)
                        current = None
                    if current is None and raise_alert(session, desk.id, tick, agents, required, reason):
                        events.append(_StaffingEvent("alert", desk.id, agents, required, reason))
                elif current is not None and resolve_alert(session, desk.id, tick) is not None:
                    kind: Literal["recovered", "closed"] = "recovered" if open_now else "closed"
                    events.append(_StaffingEvent(kind, desk.id, agents, current.required, current.reason))
            # A helpdesk removed from the config by a reload cannot recover any more.
            for helpdesk_id in ongoing.keys() - {desk.id for desk in config.helpdesks}:
                resolve_alert(session, helpdesk_id, tick)
            for job in Job:
                prune_ticks(session, job, tick - KEEP_TICKS)
        # Logged once committed, so that a rolled-back watch never reports what it did not record.
        for event in events:
            extra = {
                "helpdesk": event.helpdesk_id,
                "agents": event.agents,
                "required": event.required,
                "reason": event.reason.value,
            }
            if event.kind == "alert" and event.reason is StaffingReason.MIN_AGENTS:
                staffing_log.warning(
                    "too few agents logged in: %s has %d of the %d required while open",
                    event.helpdesk_id,
                    event.agents,
                    event.required,
                    extra=extra,
                )
            elif event.kind == "alert":
                staffing_log.warning(
                    "too few agents logged in for the forecast: %s has %d of the %d needed this hour",
                    event.helpdesk_id,
                    event.agents,
                    event.required,
                    extra=extra,
                )
            elif event.kind == "recovered":
                staffing_log.info(
                    "staffing recovered: %s has %d agents logged in (%d required)",
                    event.helpdesk_id,
                    event.agents,
                    event.required,
                    extra=extra,
                )
            else:
                staffing_log.info("staffing alert ended: %s closed", event.helpdesk_id, extra=extra)
        return True

    def forecast_need(self, desk: Helpdesk, now: datetime) -> int | None:
        """The agents the forecast needs at ``desk`` in the local hour of ``now``; ``None`` when the
        forecast cannot be made (logged once for the hour: the watch goes on with ``min_agents``).

        Computed at most once per helpdesk and local hour by this instance (and again after a
        config reload): the forecast reads a quarter of the call log.
        """
        rt = self._runtime
        config = rt.config
        if self._needs_for is not config:
            self._needs, self._needs_for = {}, config
        local = now.astimezone(config.zone)
        hour = local.replace(minute=0, second=0, microsecond=0)
        key = (desk.id, hour.astimezone(UTC))
        if key not in self._needs:
            # Only the current hour is kept.
            self._needs = {k: v for k, v in self._needs.items() if k[1] == key[1]}
            self._needs[key] = self._forecast_hour(config, desk, local)
        return self._needs[key]

    def _forecast_hour(self, config: HelpdeskConfig, desk: Helpdesk, local: datetime) -> int | None:
        today = local.date()
        targets = Targets(
            service_level=config.staffing.target_service_level,
            within_s=desk.queue.service_level_s,
            min_agents=desk.queue.min_agents,
            wrap_up_s=desk.agent_line.wrap_up,
        )
        try:
            with self._runtime.session() as session:
                made = forecast_helpdesk(
                    session,
                    desk.id,
                    config.schedule(desk),
                    config.staffing.lag_profile,
                    targets,
                    today,
                    today,
                    Step.HOUR,
                    today,
                )
        except Exception:
            staffing_log.warning(
                "no forecast for the staffing watch this hour: %s",
                desk.id,
                exc_info=True,
                extra={"helpdesk": desk.id},
            )
            return None
        hour = timedelta(hours=1)
        return next(
            (bucket.agents_needed for bucket in made.buckets if bucket.start <= local < bucket.start + hour),
            None,
        )

    def _reap(self, tick: datetime, now: datetime) -> bool:
        """End the agent logins and queue places of calls that Twilio says are over.

        Covers status callbacks that never arrived or failed: without this an agent whose call
        dropped would count as logged in, and a caller who hung up as waiting, until restart.
        """
        rt = self._runtime
        telephony = self._telephony
        if telephony is None or not telephony.available:
            return False
        with rt.session() as session:
            if not claim_tick(session, Job.REAPER, tick, ran_at=now):
                return False
            agent_calls = agent_call_sids(session, REAP_LIMIT)
            queue_calls = stale_queue_call_sids(session, now - STALE_QUEUE_ENTRY, REAP_LIMIT)
        # Twilio is asked outside any transaction: a slow answer must not hold database locks.
        for call_sid in agent_calls:
            status = telephony.ended(call_sid)
            if status is not None:
                with rt.session() as session:
                    agents = end_agent_call(session, call_sid, now)
                    release_claims(session, call_sid, now)
                for helpdesk_id, agent in agents:
                    log.info(
                        "agent logged out: the call had ended",
                        extra={
                            "helpdesk": helpdesk_id,
                            "agent": agent,
                            "call_sid": call_sid,
                            "status": status,
                        },
                    )
                # Callers waiting at a helpdesk left without agents must not wait for nobody.
                for helpdesk_id in sorted({key.helpdesk_id for key in agents}):
                    rt.presence_changed(helpdesk_id)
        for call_sid in queue_calls:
            status = telephony.ended(call_sid)
            if status is not None:
                with rt.session() as session:
                    left = leave_queue(session, call_sid, now, f"reaped-{status}")
                if left:
                    log.info(
                        "caller taken out of the queue: the call had ended",
                        extra={"call_sid": call_sid, "status": status},
                    )
        return True

    def _purge_numbers(self, tick: datetime, now: datetime) -> bool:
        """Forget raw caller numbers older than the retention period (PRODUCT.md: 30 days), and
        the numbers on the call lists closed longer ago than that.

        Only the keyed hash and the masked number stay, so repeat callers remain countable.
        """
        rt = self._runtime
        with rt.session() as session:
            if not claim_tick(session, Job.RETENTION, tick, ran_at=now):
                return False
            before = now - timedelta(days=rt.config.retention_days)
            purged = purge_raw_numbers(session, before)
            erased = erase_closed_numbers(session, before, now)
            complaints_before = now - timedelta(days=rt.config.complaints.retention_days)
            complaints_erased = erase_closed_complaints(session, complaints_before, now)
            # The call log's retention, counted from the escalation's closing.
            escalations_erased = erase_closed_escalations(session, before, now)
        if purged:
            log.info("raw caller numbers purged", extra={"records": purged})
        if erased:
            log.info("numbers of closed call lists erased", extra={"lists": erased})
        if complaints_erased:
            log.info(
                "complainants' details of closed complaints erased", extra={"complaints": complaints_erased}
            )
        if escalations_erased:
            log.info("numbers of closed escalations erased", extra={"escalations": escalations_erased})
        return True

    def _escalation_loose_ends(self, tick: datetime, now: datetime) -> bool:
        """Delete at Twilio the recordings of closed escalations it still holds (the deletion on
        closing failed, or the recording was reported after the escalation closed), and announce
        again the escalations whose announcement was not confirmed."""
        rt = self._runtime
        recordings = (
            self._recordings if self._recordings is not None and self._recordings.can_delete else None
        )
        notifier = self._notifier if rt.config.notify.webhook_url is not None else None
        if recordings is None and notifier is None:
            return False
        with rt.session() as session:
            if not claim_tick(session, Job.ESCALATIONS, tick, ran_at=now):
                return False
        # Twilio and the receiver are asked outside any transaction.
        if recordings is not None:
            deleted = delete_closed_recordings(rt, recordings, now)
            if deleted:
                log.info("recordings of closed escalations deleted at Twilio", extra={"recordings": deleted})
        if notifier is not None:
            notifier.announce_missed(now)
        return True

    def _log_overdue_complaints(self, tick: datetime, now: datetime) -> bool:
        """Once a local day (the first tick of the day on any instance), log the open complaints whose
        45-day deadline is within 7 days or past: one line, their ids and deadlines, no personal data."""
        rt = self._runtime
        zone = rt.config.zone
        today = now.astimezone(zone).date()
        midnight = datetime.combine(today, datetime.min.time(), tzinfo=zone).astimezone(UTC)
        with rt.session() as session:
            if not claim_tick(session, Job.COMPLAINTS_OVERDUE, midnight, ran_at=now):
                return False
            overdue = complaints(session, today, overdue=True)
        if overdue:
            complaints_log.warning(
                "%d complaints overdue (final answer due within 7 days or late)",
                len(overdue),
                extra={
                    "complaints": [
                        {"id": c.id, "helpdesk": c.helpdesk_id, "deadline": c.deadline.isoformat()}
                        for c in overdue
                    ]
                },
            )
        return True

    def _set_up_queues(self, tick: datetime, now: datetime) -> bool:
        """Set every helpdesk's Twilio queues to ``queue.max_size``, once per loaded config.

        The minute is claimed so that instances starting together do not create the same queue
        twice; an instance that loses the claim tries again on the next tick.
        """
        rt = self._runtime
        telephony = self._telephony
        config = rt.config
        if telephony is None or not telephony.available or self._queues_set_for is config:
            return False
        with rt.session() as session:
            if not claim_tick(session, Job.QUEUES, tick, ran_at=now):
                return False
        # Each helpdesk's own queue and its returning queue (taken first by the agents): a queue
        # dial on one that does not exist fails at once.
        done = [
            telephony.ensure_queue(name, desk.queue.max_size)
            for desk in config.helpdesks
            for name in (desk.id, returning_queue_name(desk.id))
        ]
        if all(done):
            self._queues_set_for = config
        return True
