"""Application factory: ``uvicorn app:create_app --factory``. Nothing is built at import time."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import httpx
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from twilio.http import HttpClient
from twilio.request_validator import RequestValidator

from api import agents as agents_api
from api import call_lists as call_lists_api
from api import calllog as calllog_api
from api import closures as closures_api
from api import complaints as complaints_api
from api import config as config_api
from api import contact_card as contact_card_api
from api import escalations as escalations_api
from api import forecast as forecast_api
from api import info_scripts as info_scripts_api
from api import live, metrics, ops
from api import staffing_plan as staffing_plan_api
from api.metrics import metrics_registry
from config import HelpdeskConfig, Settings
from console import agent_sign_in as console_agent_sign_in
from console import followup as console_followup
from console import info as console_info
from console import ops as console_ops
from console import pages as console_pages
from console import plan as console_plan
from console import today as console_today
from console.auth import StaffOnlyError
from console.now import SharedNow
from database import make_engine, make_sessionmaker, writer_lock
from ivr import agent_line, agent_outbound, escalations, media_routes, webhooks
from ivr.failsafe import fail_safe_for
from ivr.media import measure_remote_audio
from ivr.redirects import redirect_if_unstaffed
from ivr.twilio_rest import TwilioCalls, make_client
from ivr.twiml import Renderer, build_renderer
from service.failsafe import FailSafeAnswers
from service.jobs import Jobs
from service.notify import Notifier, check_notify
from service.recordings import Recordings
from service.reload import ConfigWatcher, config_version, load_file
from service.runtime import Clock, Runtime, caller_hash_key, system_clock, twilio_token
from service.security import SecurityHeaders
from service.spool import Spool
from service.tuning import freeze_startup_objects, return_large_blocks, start_writer
from service.writer import GroupCommit, RecentLines

log = logging.getLogger("ivr")
# How long a line state read after a batch stays usable by the webhooks that may use it (waiting
# callers, queue exits; never arrivals): a busy database should not send every webhook to it.
LINE_STATE_TTL_S = 0.5


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    config: HelpdeskConfig | None = None,
    twilio_http_client: HttpClient | None = None,
    recordings_transport: httpx.BaseTransport | None = None,
    notify_transport: httpx.BaseTransport | None = None,
) -> FastAPI:
    """Build the service from the environment (or the given settings); refuses a bad config.

    ``clock`` and ``config`` let the simulator run the real call flow on simulated time and
    with dry-run overrides; ``twilio_http_client`` carries the REST requests to Twilio and
    ``recordings_transport`` the downloads of recordings (the simulator's, in tests);
    ``notify_transport`` the announcements to ``notify.webhook_url``.
    """
    settings = settings or Settings()
    return_large_blocks()
    # Only a config this app read itself is watched and reloaded: an explicit one is a dry run.
    config_file = settings.ivr_config if config is None else None
    if config is None:
        config, version = load_file(settings.ivr_config, measure_remote_audio)
    else:
        version = config_version(config)
    check_notify(config, settings.ivr_notify_secret, str(settings.ivr_config))
    engine = make_engine(settings.database_url)
    token = twilio_token(settings)
    caller_key = caller_hash_key(settings, token)
    build = partial(build_renderer, settings)
    runtime = Runtime[Renderer](
        settings=settings,
        config=config,
        renderer=build(config, version),
        engine=engine,
        sessions=make_sessionmaker(engine),
        clock=clock or system_clock,
        validator=RequestValidator(token),
        caller_key=caller_key,
        twilio=make_client(settings, twilio_http_client),
        config_file=config_file,
        spool=Spool(settings.ivr_spool_dir),
        writer_lock=writer_lock(engine),
    )
    if settings.ivr_group_commit:
        runtime.writer = GroupCommit(runtime.commit, after=runtime.refresh_lines)
        # Refreshed by the writer after its batches, so that they rarely expire while calls come in.
        runtime.lines = RecentLines(LINE_STATE_TTL_S)
    runtime.presence_listeners.append(partial(redirect_if_unstaffed, runtime))
    recordings = Recordings(settings, lambda: runtime.twilio, recordings_transport)
    notifier = Notifier(runtime, settings.ivr_notify_secret, transport=notify_transport)
    runtime.escalation_listeners.append(notifier)
    jobs = Jobs(runtime, TwilioCalls(runtime), recordings=recordings, notifier=notifier)
    watcher = (
        ConfigWatcher(runtime, build=build, measure_audio=measure_remote_audio, on_reload=jobs.set_up_queues)
        if config_file is not None
        else None
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Writes a previous run spooled while the database was down.
        await run_in_threadpool(runtime.replay_spool)
        # Agents dial the helpdesks' queues: they must exist before the first agent logs in.
        await run_in_threadpool(jobs.set_up_queues)
        switch_interval = sys.getswitchinterval()
        if runtime.writer is not None:
            start_writer(runtime, runtime.writer)
        notifier.start()
        if settings.ivr_scheduler:
            jobs.start()
        if watcher is not None:
            watcher.start()
        freeze_startup_objects()
        try:
            yield
        finally:
            if watcher is not None:
                watcher.stop()
            if runtime.writer is not None:
                await runtime.writer.aclose()
            sys.setswitchinterval(switch_interval)
            jobs.shutdown()
            notifier.stop()
            recordings.close()
            engine.dispose()

    https = settings.public_base_url.startswith("https://")
    app = FastAPI(
        # Twilio's webhooks first: they are nearly all of the traffic, and routes are matched in
        # order (the documentation routes FastAPI adds come after the routes given here).
        routes=[
            *webhooks.router.routes,
            *agent_line.router.routes,
            *agent_outbound.router.routes,
            *escalations.router.routes,
            *console_pages.refresh_routes,
        ],
        lifespan=lifespan,
        title="Vaccination helpdesk call flow",
        summary="Twilio webhooks and APIs of the local COVID-19 vaccination helpdesks",
        version="0.1.0",
        # The service reports through /metrics and its own logs; FastAPI's OpenTelemetry is not
        # used, and while on it looks for a provider on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.runtime = runtime
    app.state.jobs = jobs
    app.state.recordings = recordings
    app.state.notifier = notifier
    app.state.config_watcher = watcher
    app.state.metrics_registry = metrics_registry(runtime)
    # The console's "Nu" pages share one reading of the live state per second.
    app.state.console_now = SharedNow()
    app.include_router(media_routes.router)
    app.include_router(agents_api.router)
    app.include_router(calllog_api.router)
    app.include_router(ops.router)
    app.include_router(metrics.router)
    app.include_router(live.router)
    app.include_router(closures_api.router)
    app.include_router(config_api.router)
    app.include_router(contact_card_api.router)
    app.include_router(call_lists_api.router)
    app.include_router(complaints_api.router)
    app.include_router(escalations_api.router)
    app.include_router(forecast_api.router)
    app.include_router(staffing_plan_api.router)
    app.include_router(info_scripts_api.router)
    app.include_router(console_pages.router)
    app.include_router(console_ops.router)
    app.include_router(console_plan.router)
    app.include_router(console_followup.router)
    app.include_router(console_agent_sign_in.router)
    app.include_router(console_info.router)
    app.add_exception_handler(StaffOnlyError, console_pages.staff_only_page)
    app.include_router(console_today.router)

    # A webhook whose handler raises still answers TwiML that Twilio can run.
    app.add_middleware(FailSafeAnswers, fail_safe=fail_safe_for(runtime))
    # Outermost, so that the fail-safe answers carry the headers too.
    app.add_middleware(SecurityHeaders, https=https)
    return app
