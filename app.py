"""Application factory: ``uvicorn app:create_app --factory``. Nothing is built at import time."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from twilio.http import HttpClient
from twilio.request_validator import RequestValidator

from config import HelpdeskConfig, Settings
from database import make_engine, make_sessionmaker, writer_lock
from ivr import agent_line, agents_api, calllog_api, live_api, metrics, ops, reload, webhooks
from ivr.failsafe import FailSafeTwiML, fail_safe_twiml
from ivr.jobs import Jobs
from ivr.memory import freeze_startup_objects, return_large_blocks
from ivr.metrics import metrics_registry
from ivr.redirects import redirect_if_unstaffed
from ivr.reload import ConfigWatcher, build_renderer, config_version, load_file
from ivr.runtime import Clock, Runtime, caller_hash_key, system_clock, twilio_token
from ivr.security import SecurityHeaders
from ivr.service import HelpdeskApp
from ivr.spool import Spool
from ivr.twilio_rest import make_client
from ivr.writer import GroupCommit, RecentLines

log = logging.getLogger("ivr")
# How long a line state read after a batch stays usable by the webhooks that may use it (waiting
# callers, queue exits; never arrivals): a busy database should not send every webhook to it.
LINE_STATE_TTL_S = 0.5
# Python's default is 5 ms, about ten waits per batch of a writer thread: under full load the
# PostgreSQL writer then fell behind and the webhooks waited for it (make bench, paced run at
# half the bare rate: 4,498 of 5,067 requests/s answered, p99 2.2 s; at 0.5 ms: 4,978 of
# 5,039, p99 0.63 s).
WRITER_SWITCH_INTERVAL_S = 0.0005


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    config: HelpdeskConfig | None = None,
    twilio_http_client: HttpClient | None = None,
) -> HelpdeskApp:
    """Build the service from the environment (or the given settings); refuses a bad config.

    ``clock`` and ``config`` let the simulator run the real call flow on simulated time and
    with dry-run overrides; ``twilio_http_client`` carries the REST requests to Twilio (the
    simulator's, in tests).
    """
    settings = settings or Settings()
    return_large_blocks()
    # Only a config this app read itself is watched and reloaded: an explicit one is a dry run.
    config_file = settings.ivr_config if config is None else None
    if config is None:
        config, version = load_file(settings.ivr_config)
    else:
        version = config_version(config)
    engine = make_engine(settings.database_url)
    token = twilio_token(settings)
    caller_key = caller_hash_key(settings, token)
    runtime = Runtime(
        settings=settings,
        config=config,
        renderer=build_renderer(config, settings, version),
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
    jobs = Jobs(runtime)
    watcher = ConfigWatcher(runtime, on_reload=jobs.set_up_queues) if config_file is not None else None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Writes a previous run spooled while the database was down.
        await run_in_threadpool(runtime.replay_spool)
        # Agents dial the helpdesks' queues: they must exist before the first agent logs in.
        await run_in_threadpool(jobs.set_up_queues)
        switch_interval = sys.getswitchinterval()
        if runtime.writer is not None:
            start_writer(runtime, runtime.writer)
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
            engine.dispose()

    https = settings.public_base_url.startswith("https://")
    app = HelpdeskApp(
        fail_safe=partial(fail_safe_twiml, runtime),
        https=https,
        lifespan=lifespan,
        title="Vaccination helpdesk call flow",
        summary="Twilio webhooks and APIs of the local COVID-19 vaccination helpdesks",
        version="0.1.0",
    )
    app.state.runtime = runtime
    app.state.jobs = jobs
    app.state.config_watcher = watcher
    app.state.metrics_registry = metrics_registry(runtime)
    app.include_webhooks(webhooks.router)
    app.include_webhooks(agent_line.router)
    app.include_router(agents_api.router)
    app.include_router(calllog_api.router)
    app.include_router(ops.router)
    app.include_router(metrics.router)
    app.include_router(live_api.router)
    app.include_router(reload.router)

    # The webhook POSTs take HelpdeskApp's direct path, which answers the same way.
    app.add_middleware(FailSafeTwiML, fail_safe=app.fail_safe)
    # Outermost, so that the fail-safe answers carry the headers too.
    app.add_middleware(SecurityHeaders, https=https)
    return app


def start_writer(runtime: Runtime, writer: GroupCommit) -> None:
    """A SQLite file is written from the event loop, a database across the network from a thread.

    A SQLite batch is a few milliseconds of local work and, written on the loop once the writer
    lock is free, never waits; PostgreSQL's round trips would hold up every webhook on the loop.
    The thread gets Python's lock back after each round trip only when the busy event loop lets
    go of it, which it does every switch interval: that is shortened to WRITER_SWITCH_INTERVAL_S
    (the shutdown puts the old one back).
    """
    if runtime.engine.dialect.name == "sqlite":
        writer.start_in_loop(runtime.writer_lock.try_hold if runtime.writer_lock is not None else None)
    else:
        sys.setswitchinterval(min(sys.getswitchinterval(), WRITER_SWITCH_INTERVAL_S))
        writer.start()
