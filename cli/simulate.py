"""``ivr simulate``: one call through the real call flow, in process, on a simulated clock.

The app is built exactly as in production (same config, same routing, same TwiML) on a
throw-away SQLite database; Twilio is played by the project's simulator. Operators use it to
dry-run a config change: "what does a caller hear on Saturday at 09:30 with one agent?"
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal, Protocol, cast
from urllib.parse import parse_qs, urlsplit

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from uvicorn.importer import import_from_string

from agents import PresenceStatus, set_presence
from calls import close_helpdesk, enter_queue
from cli import APP_FACTORY
from config import ConfigError, Helpdesk, HelpdeskConfig, Menu, Settings, load_config
from config.models import NUMBER_FIELDS
from database import upgrade
from ivr.media import measure_remote_audio
from ivr.twilio_rest import make_client
from ivr.twiml import Renderer, closing_prompt, prompt_for
from messages import MessageKey, Speech
from routing import Closure, PlayClosing, closure_problems
from service.runtime import Runtime
from simulator import DestinationBehaviour, Said, TwilioSimulator, format_timeline

SIMULATED_BASE_URL = "https://ivr.simulated"
DEFAULT_CALLER = "+32470123456"
BRIEF_TEXT = 48
CLOSURE_REASON = "dry run"
REASONS = {
    "closed": "the helpdesk is closed",
    "no_agents": "no agent is logged in",
    "queue_full": "the queue is full",
    "wait_timeout": "the caller waited too long",
    "error": "something went wrong",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="config file (default: IVR_CONFIG)")
    parser.add_argument("--helpdesk", help="helpdesk id (default: the first in the file)")
    parser.add_argument("--at", required=True, help='local time of the call, e.g. "2026-12-02 10:00"')
    parser.add_argument("--agents", type=int, default=1, help="agents logged in (default 1)")
    parser.add_argument("--waiting", type=int, default=0, help="callers already waiting (default 0)")
    parser.add_argument("--caller", default=DEFAULT_CALLER, help="the citizen's number")
    parser.add_argument("--hang-up-after", type=float, help="the caller hangs up after this many seconds")
    parser.add_argument(
        "--central",
        choices=["answer", "busy", "no-answer", "failed"],
        default="answer",
        help="how the central back-up line behaves (default: answer)",
    )
    parser.add_argument("--overflow", choices=["route", "announce"], help="override the helpdesk's overflow")
    parser.add_argument(
        "--when-closed",
        choices=["route_to_central", "closing_message"],
        help="override the helpdesk's when_closed",
    )
    parser.add_argument(
        "--closed",
        action="store_true",
        help="the helpdesk is closed by ops (as by ivr close) when the call comes in",
    )
    parser.add_argument(
        "--closure-message",
        help="with --closed: the closure's message, said instead of the closing message",
    )
    parser.add_argument(
        "--menu", metavar="NUMBER", help="call this shared number's menu instead of the helpdesk's own number"
    )
    parser.add_argument(
        "--press",
        dest="inputs",
        action="append",
        type=_press,
        metavar="KEY",
        help="at the menu, press KEY (repeat --press/--say for each time the menu asks; none: no input)",
    )
    parser.add_argument(
        "--say", dest="inputs", action="append", type=Said, metavar="WORDS", help="at the menu, say WORDS"
    )
    parser.add_argument("--max-seconds", type=int, default=900, help="stop the simulation after this long")
    parser.add_argument("--verbose", action="store_true", help="also show webhooks and status callbacks")
    parser.add_argument(
        "--brief", action="store_true", help=f"shorten spoken texts to {BRIEF_TEXT} characters"
    )


def _press(value: str) -> str:
    if len(value) != 1 or value not in "0123456789*#":
        raise argparse.ArgumentTypeError(f"{value!r} is not one key of 0-9, * or #")
    return value


def run_simulation(args: argparse.Namespace) -> int:
    config_path: Path = args.config or Settings().ivr_config
    try:
        config = load_config(config_path, measure_audio=measure_remote_audio)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    menu = config.menu(args.menu) if args.menu else None
    if args.menu and menu is None:
        known = ", ".join(m.number for m in config.menus) or "none"
        print(f"no menu answers {args.menu!r}; this file's menus: {known}", file=sys.stderr)
        return 2
    if menu is not None and not args.helpdesk:
        # The helpdesk whose line the scenario sets up: the menu's default, else its first helpdesk.
        targets = [menu.choice(menu.default), *menu.choices]
        args.helpdesk = next((c.helpdesk for c in targets if c is not None and c.helpdesk), None)
    desk = config.helpdesk(args.helpdesk) if args.helpdesk else config.helpdesks[0]
    if desk is None:
        known = ", ".join(d.id for d in config.helpdesks)
        print(f"unknown helpdesk {args.helpdesk!r}; this file has: {known}", file=sys.stderr)
        return 2
    try:
        start = datetime.fromisoformat(args.at).replace(tzinfo=config.zone)
    except ValueError:
        print(f'--at {args.at!r} is not a local time like "2026-12-02 10:00"', file=sys.stderr)
        return 2
    if args.closure_message is not None and not args.closed:
        print("--closure-message needs --closed", file=sys.stderr)
        return 2
    problems = closure_problems(CLOSURE_REASON, args.closure_message)
    if problems:
        print(f"--closure-message: {'; '.join(problems)}", file=sys.stderr)
        return 2
    config, desk = _override(config, desk, args.overflow, args.when_closed)
    print(simulate(config, config_path, desk, start, args))
    return 0


def _override(
    config: HelpdeskConfig, desk: Helpdesk, overflow: str | None, when_closed: str | None
) -> tuple[HelpdeskConfig, Helpdesk]:
    changes = {key: value for key, value in (("overflow", overflow), ("when_closed", when_closed)) if value}
    if not changes:
        return config, desk
    changed = desk.model_copy(update=changes)
    helpdesks = tuple(changed if d.id == desk.id else d for d in config.helpdesks)
    return config.model_copy(update={"helpdesks": helpdesks}), changed


@dataclass(frozen=True)
class Scenario:
    """What the simulated call meets: the situation of the line and the central back-up."""

    agents: int = 1
    waiting: int = 0
    caller: str = DEFAULT_CALLER
    hang_up_after: float | None = None
    central: Literal["answer", "busy", "no-answer", "failed"] = "answer"
    max_seconds: int = 900
    # Closed by ops when the call comes in (ivr close), until reopened.
    closure: Closure | None = None
    # A call to a shared number's menu, and what the caller answers each time it asks.
    menu: str | None = None
    inputs: tuple[str | Said, ...] = ()


# Seconds into the menu's <Gather> at which the caller presses or speaks: during the prompt.
ANSWER_AFTER = 3


class _SimulatorTransport(httpx.BaseTransport):
    """The app's downloads of recordings, sent to the simulator once it exists (it needs the app
    first: it sends the app its webhooks)."""

    def __init__(self) -> None:
        self.inner: httpx.BaseTransport | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.inner is None:
            raise httpx.ConnectError("the simulator is not running yet", request=request)
        return self.inner.handle_request(request)


class Deployment:
    """The real app on a migrated database, with Twilio played by the simulator.

    Webhooks go from the simulator to the app; the app's REST requests (redirects, queue sizes)
    go to the simulator. Use as a context manager; ``sim`` drives the calls.
    """

    ACCOUNT_SID = "AC" + "5" * 32

    def __init__(
        self,
        config: HelpdeskConfig,
        config_path: Path,
        start: datetime,
        database_url: str,
        spool_dir: Path | None = None,
        group_commit: bool = False,
        **simulator_options: Any,
    ) -> None:
        token = secrets.token_hex(16)
        # A dry run keeps its spooled writes (if any) apart from a real run's, in a folder of its
        # own that goes with it: they belong to its throw-away database.
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        if spool_dir is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="ivr-spool-")
            spool_dir = Path(self._scratch.name)
        settings = Settings(
            database_url=database_url,
            ivr_config=config_path,
            twilio_auth_token=SecretStr(token),
            twilio_account_sid=self.ACCOUNT_SID,
            public_base_url=SIMULATED_BASE_URL,
            ivr_scheduler=False,
            ivr_spool_dir=spool_dir,
            # One request at a time: each webhook commits its own writes.
            ivr_group_commit=group_commit,
        )
        self.clock = _Clock(start)
        recordings = _SimulatorTransport()
        self.app = _app_factory()(settings, clock=self.clock, config=config, recordings_transport=recordings)
        self.runtime: Runtime[Renderer] = self.app.state.runtime
        self.config = config
        self.client = TestClient(self.app, base_url=SIMULATED_BASE_URL)
        # The Twilio numbers of the account: the config's own (a <Dial callerId> must be one).
        simulator_options.setdefault("account_numbers", account_numbers(config))
        self.sim = TwilioSimulator(
            self.client,
            public_base_url=SIMULATED_BASE_URL,
            auth_token=token,
            start=start,
            account_sid=self.ACCOUNT_SID,
            **simulator_options,
        )
        self.clock.source = self.sim
        self.runtime.twilio = make_client(settings, self.sim.rest_http_client())
        recordings.inner = self.sim.httpx_transport()

    def __enter__(self) -> Deployment:
        self.client.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.client.__exit__(None, None, None)
        finally:
            if self._scratch is not None:
                self._scratch.cleanup()


def account_numbers(config: HelpdeskConfig) -> tuple[str, ...]:
    """The numbers the config answers on (helpdesks, agent lines, escalation numbers, shared
    menus): the account's."""
    numbers = [
        number for desk in config.helpdesks for field in NUMBER_FIELDS for number in getattr(desk, field)
    ]
    return tuple(dict.fromkeys([*numbers, *(menu.number for menu in config.menus)]))


def run_call(
    config: HelpdeskConfig,
    config_path: Path,
    desk: Helpdesk,
    start: datetime,
    scenario: Scenario,
    database_url: str,
) -> tuple[TwilioSimulator, str]:
    """Play one call on an already migrated database; returns the simulator and the call's sid."""
    with Deployment(config, config_path, start, database_url) as deployment:
        sim = deployment.sim
        with deployment.runtime.session() as session:
            for number in range(scenario.agents):
                set_presence(session, desk.id, f"agent-{number + 1}", PresenceStatus.AVAILABLE, start)
            for number in range(scenario.waiting):
                enter_queue(session, f"CA{'f' * 28}{number:04d}", desk.id, start)
            if scenario.closure is not None:
                closed = scenario.closure
                close_helpdesk(
                    session, desk.id, now=start, reason=closed.reason, message=closed.message, who="simulate"
                )
        sim.set_destination(config.central.number, DestinationBehaviour(outcome=scenario.central))
        for menu in config.menus:
            for choice in menu.choices:
                if choice.forward is not None:
                    sim.set_destination(choice.forward, DestinationBehaviour(outcome="answer"))
        call = sim.place_call(
            from_=scenario.caller,
            to=scenario.menu or desk.numbers[0],
            hang_up_after=scenario.hang_up_after,
            digits=[(ANSWER_AFTER, entry) for entry in scenario.inputs],
        )
        sim.run(until=start + timedelta(seconds=scenario.max_seconds))
    return sim, call.sid


def simulate(
    config: HelpdeskConfig, config_path: Path, desk: Helpdesk, start: datetime, args: argparse.Namespace
) -> str:
    """Run the call on a throw-away database and return the report: situation, timeline, ending."""
    scenario = Scenario(
        agents=args.agents,
        waiting=args.waiting,
        caller=args.caller,
        hang_up_after=args.hang_up_after,
        central=args.central,
        max_seconds=args.max_seconds,
        closure=Closure(reason=CLOSURE_REASON, message=args.closure_message) if args.closed else None,
        menu=args.menu,
        inputs=tuple(args.inputs or ()),
    )
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/simulate.sqlite3"
        upgrade(url)
        sim, call_sid = run_call(config, config_path, desk, start, scenario, url)
    timeline = format_timeline(
        sim.events,
        zone=config.zone,
        start=start,
        verbose=args.verbose,
        max_text=BRIEF_TEXT if args.brief else None,
    )
    header = _header(config, desk, start, scenario)
    menu = config.menu(scenario.menu) if scenario.menu else None
    if menu is not None:
        header += "\n" + _menu_header(menu, scenario)
    return f"{header}\n{timeline}\n{_ending(config, desk, sim, call_sid, scenario.closure, menu)}"


def _menu_header(menu: Menu, scenario: Scenario) -> str:
    answers = ", ".join(
        f'says "{entry.text}"' if isinstance(entry, Said) else f"presses {entry}" for entry in scenario.inputs
    )
    name = f" ({menu.name})" if menu.name else ""
    return (
        f"menu {menu.number}{name}: keys {', '.join(c.key for c in menu.choices)}, default {menu.default}, "
        f"retries {menu.retries}; the caller {answers or 'gives no input'}"
    )


class _Clock:
    """The app's clock: the simulator's once it exists (the app is built first)."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.source: TwilioSimulator | None = None

    def __call__(self) -> datetime:
        return self.source.now if self.source is not None else self.start


def _header(config: HelpdeskConfig, desk: Helpdesk, start: datetime, scenario: Scenario) -> str:
    local = config.zone
    schedule = config.schedule(desk)
    plan = schedule.plan(start.date())
    today = ", ".join(str(span) for span in plan.ranges) or "closed all day"
    why = {"exception": "exception", "holiday": plan.holiday or "holiday", "weekday": "weekday"}[plan.source]
    state = ("open" if schedule.is_open(start) else "closed") + f" (today {today}: {why})"
    central = "open" if config.central_schedule().is_open(start) else "closed"
    if scenario.closure is not None:
        state += ", but closed by ops until reopened"
    return (
        f"{desk.id} ({desk.numbers[0]}), {start.strftime('%a %Y-%m-%d %H:%M')} {local.key}\n"
        f"helpdesk {state}, central back-up {central}; {scenario.agents} agent(s) logged in, "
        f"{scenario.waiting} caller(s) waiting; overflow: {desk.overflow}, when_closed: {desk.when_closed}"
    )


def _ending(
    config: HelpdeskConfig,
    desk: Helpdesk,
    sim: TwilioSimulator,
    call_sid: str,
    closure: Closure | None = None,
    menu: Menu | None = None,
) -> str:
    """Where the call went, from what the app asked Twilio to do."""
    call = sim.calls[call_sid]
    events = call.events
    kinds = {event.kind for event in events}
    lasted = f"; the call lasted {call.duration} s" if call.duration is not None else ""
    if "application-error" in kinds:
        errors = [event.detail for event in events if event.kind == "application-error"]
        return f"=> APPLICATION ERROR: {errors[0]}"
    forwards = {choice.forward: choice.key for choice in menu.choices if choice.forward} if menu else {}
    dialled = [event.data.get("Number", "") for event in events if event.kind == "dial"]
    if dialled and dialled[0] in forwards:
        status = [event.data.get("DialCallStatus", "?") for event in events if event.kind == "dial-result"]
        return (
            f"=> forwarded to {dialled[0]} (menu choice {forwards[dialled[0]]}); "
            f"leg: {status[-1] if status else '?'}{lasted}"
        )
    results = [event.data.get("QueueResult") for event in events if event.kind == "queue-result"]
    reasons = [
        parse_qs(urlsplit(request.url).query).get("reason", ["?"])[0]
        for request in sim.webhooks
        if request.call_sid == call_sid and urlsplit(request.url).path == "/twilio/central-result"
    ]
    if reasons:
        status = [event.data.get("DialCallStatus", "?") for event in events if event.kind == "dial-result"]
        return (
            f"=> forwarded to the central back-up {config.central.number} because "
            f"{REASONS.get(reasons[0], reasons[0])} (outcome overflowed / {reasons[0]}); "
            f"central leg: {status[-1] if status else '?'}{lasted}"
        )
    if "bridged" in kinds:
        return f"=> answered by an agent (outcome answered){lasted}"
    if "hangup" in results:
        return f"=> the caller hung up while waiting (outcome abandoned){lasted}"
    spoken = [event.data.get("text", "") for event in events if event.kind == "say"]
    endings: tuple[tuple[MessageKey, str], ...] = (("closing", "closing_message"), ("busy", "busy_message"))
    for key, outcome in endings:
        prompt = prompt_for(config, desk, key)
        if spoken and isinstance(prompt, Speech) and spoken[-1] == prompt.text:
            return f"=> {key} message, then the call ends (outcome {outcome}){lasted}"
    if closure is not None and closure.message is not None and spoken:
        said = closing_prompt(config, desk, PlayClosing(message=closure.message))
        if isinstance(said, Speech) and spoken[-1] == said.text:
            return f"=> the closure's message, then the call ends (outcome closing_message){lasted}"
    if call.ended_at is None:
        return "=> still going when the simulation stopped (see --max-seconds)"
    return f"=> call ended ({call.status}){lasted}"


class AppFactory(Protocol):
    """``app.create_app`` as the simulation calls it."""

    def __call__(
        self,
        settings: Settings,
        *,
        clock: Any,
        config: HelpdeskConfig,
        recordings_transport: httpx.BaseTransport | None = None,
    ) -> FastAPI: ...


def _app_factory() -> AppFactory:
    return cast(AppFactory, import_from_string(APP_FACTORY))
