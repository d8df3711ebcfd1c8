"""Business configuration: the YAML file that operations staff edit, as frozen pydantic models.

The file shape is fixed by ``helpdesk.example.yaml`` (the product contract); rules for opening
hours come from the playbook, section 1.2.1 ("bereikbaar minstens tijdens de uren 9-16u") and
1.2.3.1 (central back-up hours). Unknown keys are refused so that a typo never silently changes
the call flow.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    Strict,
    StrictBool,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from messages import MessageKey, MessageOverride, check_template
from schedules import HolidayCalendar, Schedule, TimeRange, WeeklyHours, parse_day_hours, parse_day_key

Loc = tuple[str | int, ...]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


def problems_error(title: str, problems: Sequence[tuple[Loc, str]]) -> ValidationError:
    """A ``ValidationError`` whose entries sit at ``loc`` relative to the value being validated.

    Raised from a validator, pydantic keeps these locations, so a problem found while looking at a
    whole mapping or list still points at the one key or item that is wrong.
    """
    details = [
        InitErrorDetails(
            type=PydanticCustomError("config", "{problem}", {"problem": text}), loc=loc, input=None
        )
        for loc, text in problems
    ]
    return ValidationError.from_exception_data(title, details)


_E164_EXAMPLE = '"+3233100100"'


def _quoted_number(value: object) -> object:
    # Unquoted, YAML reads +3233100100 as the integer 3233100100 and the "+" is gone.
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(f"write phone numbers in quotes, like {_E164_EXAMPLE}")
    return value


def _e164(value: str) -> str:
    problem = f'"{value}" is not a phone number in E.164 form like {_E164_EXAMPLE}'
    if not value.startswith("+"):
        raise ValueError(problem)
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(problem) from exc
    if phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) != value or not (
        phonenumbers.is_possible_number(parsed)
    ):
        raise ValueError(problem)
    return value


E164 = Annotated[str, BeforeValidator(_quoted_number), AfterValidator(_e164)]

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date(value: object) -> dt.date:
    """A calendar date written as ``2026-12-24``, quoted or not; nothing else is guessed at."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    problem = f'"{value}" is not a date like "2026-12-24"'
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError(problem)
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(problem) from exc


Date = Annotated[dt.date, BeforeValidator(_date)]


def _day_key(value: str) -> str:
    parse_day_key(value)
    return value


DayKey = Annotated[str, AfterValidator(_day_key)]


def _day_hours(value: object) -> tuple[TimeRange, ...]:
    if value is None:  # "sun:" with nothing after it
        raise ValueError('no hours given; write closed, a range like "09:00-16:00" or a list of ranges')
    if isinstance(value, tuple) and all(isinstance(item, TimeRange) for item in value):
        return value
    return parse_day_hours(value)


DayHours = Annotated[tuple[TimeRange, ...], BeforeValidator(_day_hours)]


def _weekly(value: Mapping[str, tuple[TimeRange, ...]]) -> Mapping[str, tuple[TimeRange, ...]]:
    WeeklyHours.from_days(value)  # refuses a day given twice, e.g. in "mon-fri" and in "mon"
    return value


Hours = Annotated[Mapping[DayKey, DayHours], AfterValidator(_weekly)]

_HELPDESK_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


def _helpdesk_id(value: str) -> str:
    # The id appears in URLs, metrics labels and the database, so it stays short and plain.
    if not _HELPDESK_ID.fullmatch(value):
        raise ValueError(
            f'"{value}" is not a helpdesk id; use up to 40 lowercase letters, digits and "-", '
            'like "voorkempen"'
        )
    return value


HelpdeskId = Annotated[str, AfterValidator(_helpdesk_id)]

# Deliberately strict: a plain address as people write it on a card, nothing RFC 5322 allows
# beyond that (no quotes, comments, IP literals or display names); the central back-up mails
# its escalations there (playbook 1.2.3.3 and 1.6), so a typo must not load.
_EMAIL_LOCAL = r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*"
_EMAIL_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"{_EMAIL_LOCAL}@(?:{_EMAIL_LABEL}\.)+[A-Za-z]{{2,63}}")
_EMAIL_MAX = 254


def _email(value: str) -> str:
    if len(value) > _EMAIL_MAX or not _EMAIL.fullmatch(value) or len(value.split("@")[0]) > 64:
        raise ValueError(f'"{value}" is not an e-mail address like "vaccinatie@voorkempen.be"')
    return value


Email = Annotated[str, AfterValidator(_email)]

# Whole numbers only: "60" in quotes or 60.5 is a typo worth reporting, not something to coerce.
Seconds = Annotated[int, Strict()]


def reuse_problems(central_number: object, helpdesks: object) -> list[tuple[Loc, str]]:
    """Helpdesk ids and phone numbers that are given more than once, at their later occurrence.

    A call is routed by the number dialled (Twilio "To"), so a number may belong to one helpdesk
    only, either as a citizen line or as an agent line, and never be the central back-up number.
    Works on the plain data read from the file as well as on validated models, so that the loader
    can report these problems even when other parts of the file are invalid.
    """
    problems: list[tuple[Loc, str]] = []
    owners: dict[str, str] = {}
    if isinstance(central_number, str):
        owners[central_number] = "central.number"
    if not isinstance(helpdesks, Sequence) or isinstance(helpdesks, str):
        return problems
    ids: dict[str, str] = {}
    for index, desk in enumerate(helpdesks):
        if not isinstance(desk, Mapping):
            continue
        desk_id = desk.get("id")
        if isinstance(desk_id, str):
            if desk_id in ids:
                problems.append(
                    (("helpdesks", index, "id"), f'helpdesk id "{desk_id}" is already used by {ids[desk_id]}')
                )
            else:
                ids[desk_id] = f"helpdesks[{index}]"
        for field in NUMBER_FIELDS:
            numbers = desk.get(field)
            if not isinstance(numbers, Sequence) or isinstance(numbers, str):
                continue
            for position, number in enumerate(numbers):
                if not isinstance(number, str):
                    continue
                if number in owners:
                    problems.append(
                        (
                            ("helpdesks", index, field, position),
                            f'"{number}" is already used by {owners[number]}',
                        )
                    )
                else:
                    owners[number] = f"helpdesks[{index}].{field}"
    return problems


NUMBER_FIELDS = ("numbers", "agent_numbers", "escalation_numbers")
"""A helpdesk's Twilio numbers: citizens', agents' and the central helpdesk's urgent questions'."""


def menu_problems(central_number: object, helpdesks: object, menus: object) -> list[tuple[Loc, str]]:
    """A menu's number used elsewhere in the file, and choices naming a helpdesk that does not exist.

    Works on the plain data read from the file as well as on validated models, like
    :func:`reuse_problems`.
    """
    problems: list[tuple[Loc, str]] = []
    if not isinstance(menus, Sequence) or isinstance(menus, str):
        return problems
    owners: dict[str, str] = {}
    if isinstance(central_number, str):
        owners[central_number] = "central.number"
    ids: set[str] = set()
    desks = helpdesks if isinstance(helpdesks, Sequence) and not isinstance(helpdesks, str) else []
    for index, desk in enumerate(desks):
        if not isinstance(desk, Mapping):
            continue
        if isinstance(desk.get("id"), str):
            ids.add(desk["id"])
        for field in NUMBER_FIELDS:
            numbers = desk.get(field)
            if isinstance(numbers, Sequence) and not isinstance(numbers, str):
                for number in numbers:
                    if isinstance(number, str):
                        owners.setdefault(number, f"helpdesks[{index}].{field}")
    for index, menu in enumerate(menus):
        if not isinstance(menu, Mapping):
            continue
        number = menu.get("number")
        if isinstance(number, str):
            if number in owners:
                problems.append(
                    (("menus", index, "number"), f'"{number}" is already used by {owners[number]}')
                )
            else:
                owners[number] = f"menus[{index}].number"
        choices = menu.get("choices")
        if not isinstance(choices, Sequence) or isinstance(choices, str):
            continue
        for position, choice in enumerate(choices):
            target = choice.get("helpdesk") if isinstance(choice, Mapping) else None
            if isinstance(target, str) and target not in ids:
                problems.append(
                    (("menus", index, "choices", position, "helpdesk"), f'unknown helpdesk "{target}"')
                )
    return problems


class Voice(_Frozen):
    """How ``<Say>`` speaks: Twilio language code and voice name."""

    language: str = Field("nl-BE", min_length=1)
    voice: str = Field("Google.nl-BE-Standard-A", min_length=1)


class Holidays(_Frozen):
    """Public holidays from the ``holidays`` package, plus dates the site adds itself."""

    country: str
    subdivision: str | None = None
    language: str = "nl"
    extra: tuple[Date, ...] = ()

    @model_validator(mode="after")
    def _known(self) -> Holidays:
        HolidayCalendar.check(self.country, self.subdivision, self.language)
        return self

    def calendar(self) -> HolidayCalendar:
        return HolidayCalendar(
            country=self.country,
            subdivision=self.subdivision,
            language=self.language,
            extra=frozenset(self.extra),
        )


class Central(_Frozen):
    """The Flemish central back-up helpdesk (playbook 1.2.3): number and hours.

    ``escalation_callers``: the central contact centre's outgoing numbers, the only callers a
    helpdesk's ``escalation_numbers`` take urgent questions from (playbook 1.2.3.3).
    """

    number: E164
    hours: Hours
    holidays: Holidays | None = None
    escalation_callers: tuple[E164, ...] = ()


class QueueSettings(_Frozen):
    """Queue timing (playbook 1.2.2: wait message every 60 s, back-up after 180 s) and size (1.2.1)."""

    announce_every: Seconds = Field(60, ge=10, le=600)
    overflow_after: Seconds = Field(180, ge=10, le=3600)
    lines_per_agent: Seconds = Field(4, ge=1, le=50)
    min_agents: Seconds = Field(2, ge=0, le=1000)
    short_abandon: Seconds = Field(5, ge=0, le=120)
    service_level_s: Seconds = Field(60, ge=1, le=3600)
    # Twilio's own limit on the queue, set explicitly because its documented default differs
    # between pages (100 or 1000); routing keeps the real limit (lines_per_agent x agents).
    max_size: Seconds = Field(200, ge=1, le=5000)
    # Before the wait message: the caller's place in the queue (Twilio's QueuePosition), and with
    # announce_wait an estimate of the wait (routing.standing); the estimate needs the place.
    announce_position: StrictBool = False
    announce_wait: StrictBool = False

    @model_validator(mode="after")
    def _wait_follows_position(self) -> QueueSettings:
        if self.announce_wait and not self.announce_position:
            raise ValueError(
                "announce_wait needs announce_position: true (the estimate follows the place in the queue)"
            )
        return self


DtmfKey = Annotated[str, Field(pattern=r"^[0-9*#]$")]


# Twilio adds 5 s to a <Dial> timeout; with at most 55 s the agent's menu comes back within a
# minute by itself, whatever Twilio does with * while no caller is connected (not documented).
MAX_WAIT_FOR_CALLER = 55


class AgentLine(_Frozen):
    """How agents work on the phone line: the pause between callers and the menu keys."""

    wrap_up: Seconds = Field(10, ge=1, le=120)
    break_key: DtmfKey = "9"
    resume_key: DtmfKey = "1"
    # Switches a logged-in agent to calling citizens from the helpdesk's call lists (playbook 1.5).
    outbound_key: DtmfKey = "7"
    # After a conversation: the agent records the question for a more experienced colleague (1.3.2.2).
    escalate_key: DtmfKey = "5"
    wait_for_caller: Seconds = Field(MAX_WAIT_FOR_CALLER, ge=30)

    @field_validator("wait_for_caller")
    @classmethod
    def _menu_within_a_minute(cls, seconds: int) -> int:
        if seconds > MAX_WAIT_FOR_CALLER:
            raise ValueError(
                f"must be at most {MAX_WAIT_FOR_CALLER}, so that a waiting agent's menu comes back"
                " within a minute (Twilio adds 5 s)"
            )
        return seconds

    @model_validator(mode="after")
    def _distinct_keys(self) -> AgentLine:
        keys = {
            "break_key": self.break_key,
            "resume_key": self.resume_key,
            "outbound_key": self.outbound_key,
            "escalate_key": self.escalate_key,
        }
        if len(set(keys.values())) < len(keys):
            raise ValueError("break_key, resume_key, outbound_key and escalate_key must differ")
        return self


class Outbound(_Frozen):
    """Calling citizens from the agent line (playbook 1.5): let it ring at most ``max_rings`` times
    of ``ring_seconds`` each, and treat a citizen who rings back within ``callback_window_hours``
    of an unanswered call as returning our call."""

    max_rings: Seconds = Field(8, ge=1, le=20)
    ring_seconds: Seconds = Field(5, ge=3, le=10)
    callback_window_hours: Seconds = Field(72, ge=1, le=720)

    @property
    def ring_time(self) -> int:
        """Seconds the citizen's phone may ring: the ``<Dial timeout>`` of an outbound call."""
        return self.max_rings * self.ring_seconds


class Complaints(_Frozen):
    """The complaints register (playbook 1.4.3.3): a complainant's name, contact details and the
    description are erased ``retention_days`` after the complaint closes (answered or forwarded)."""

    retention_days: Seconds = Field(365, ge=1, le=3650)


DEFAULT_LAG_PROFILE = (0.10, 0.35, 0.20, 0.13, 0.10, 0.07, 0.05)
"""The share of a batch's calls on the helpdesk's open days from the day of sending (+0) to +6,
before a helpdesk has its own history (playbook 1.4.1: letters sent in the morning arrive the next
day, so most people call from the next open day on, fewer each day after)."""


class Staffing(_Frozen):
    """Planning the agents from the invitations (playbook 1.2.1, 1.4.1).

    ``target_service_level``: the share of offered calls to answer within the helpdesk's
    ``queue.service_level_s``; ``shift_hours``: the shift lengths a rota may use;
    ``lag_profile``: the prior share of a batch's calls per open day from sending (+0 … +6), used
    until the helpdesk has 14 open days of history; ``lunch_minutes``: the lunch break of a shift
    of at least ``lunch_from_hours`` hours.
    """

    target_service_level: float = Field(0.8, ge=0.5, le=0.99)
    shift_hours: tuple[Annotated[int, Strict(), Field(ge=2, le=12)], ...] = Field((4, 8), min_length=1)
    lag_profile: tuple[Annotated[float, Field(ge=0, le=1)], ...] = Field(
        DEFAULT_LAG_PROFILE, min_length=7, max_length=7
    )
    lunch_minutes: Seconds = Field(30, ge=0, le=90)
    lunch_from_hours: Seconds = Field(6, ge=2, le=12)

    @field_validator("lag_profile")
    @classmethod
    def _shares(cls, shares: tuple[float, ...]) -> tuple[float, ...]:
        if abs(sum(shares) - 1) > 0.01:
            raise ValueError(f"the 7 shares must add up to 1 (they add up to {sum(shares):.2f})")
        return shares

    @field_validator("shift_hours")
    @classmethod
    def _distinct(cls, lengths: tuple[int, ...]) -> tuple[int, ...]:
        if len(set(lengths)) < len(lengths):
            raise ValueError("each shift length once")
        return tuple(sorted(lengths))


def _webhook_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f'"{value}" is not an http(s) URL')
    return value


WebhookUrl = Annotated[str, AfterValidator(_webhook_url)]


class Notify(_Frozen):
    """Where new escalations are announced (a JSON POST signed with ``IVR_NOTIFY_SECRET``), so
    that a team can route them to mail or chat; ``retries`` more attempts after a failure, each
    given ``timeout_s`` seconds."""

    webhook_url: WebhookUrl | None = None
    timeout_s: Seconds = Field(5, ge=1, le=30)
    retries: Seconds = Field(3, ge=0, le=10)


class Helpdesk(_Frozen):
    """One local helpdesk (one vaccination centre) with its own numbers, hours and messages."""

    id: HelpdeskId
    name: str = Field(min_length=1)
    municipalities: tuple[Annotated[str, Field(min_length=1)], ...] = Field(min_length=1)
    numbers: tuple[E164, ...] = Field(min_length=1)
    agent_numbers: tuple[E164, ...] = ()
    # Numbers on which the central helpdesk leaves urgent questions for this centre (playbook
    # 1.2.3.3); only central.escalation_callers may use them.
    escalation_numbers: tuple[E164, ...] = ()
    # Where the central back-up sends the questions only this centre can answer (playbook 1.6).
    email: Email | None = None
    hours: Hours
    holidays: Holidays | None = None
    exceptions: Mapping[Date, DayHours] = Field(default_factory=dict)
    when_closed: Literal["route_to_central", "closing_message"] = "route_to_central"
    overflow: Literal["route", "announce"] = "route"
    queue: QueueSettings = QueueSettings()
    agent_line: AgentLine = AgentLine()
    hold_music: str | None = Field(None, min_length=1)
    messages: Mapping[MessageKey, MessageOverride] = Field(default_factory=dict)
    voice: Voice | None = None

    @field_validator("messages")
    @classmethod
    def _placeholders(
        cls, value: Mapping[MessageKey, MessageOverride]
    ) -> Mapping[MessageKey, MessageOverride]:
        problems: list[tuple[Loc, str]] = [
            ((key,), problem) for key, override in value.items() for problem in check_template(key, override)
        ]
        if problems:
            raise problems_error("messages", problems)
        return value


def _menu_key(value: object) -> object:
    # A key written without quotes (key: 1) is read by YAML as a number.
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or len(value) != 1 or value not in "0123456789":
        raise ValueError(f'"{value}" is not a menu key; use one of "0" to "9"')
    return value


MenuKey = Annotated[str, BeforeValidator(_menu_key)]


class MenuChoice(_Frozen):
    """One choice of a menu: a key (and spoken words), leading to a helpdesk or to another number."""

    key: MenuKey
    words: tuple[Annotated[str, Field(min_length=1, max_length=100)], ...] = ()
    helpdesk: HelpdeskId | None = None
    forward: E164 | None = None
    label: str | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _one_target(self) -> MenuChoice:
        if (self.helpdesk is None) == (self.forward is None):
            raise ValueError("give exactly one of helpdesk (a helpdesk id) or forward (a phone number)")
        return self


class Menu(_Frozen):
    """A number shared by several helpdesks (playbook 1.2.1): a spoken menu of choices by key or word.

    No input or an unknown key repeats the prompt up to ``retries`` times, then ``default`` is taken.
    """

    number: E164
    name: str | None = Field(None, min_length=1)
    prompt: str | None = Field(None, min_length=1)
    retries: Seconds = Field(2, ge=0, le=5)
    default: MenuKey
    choices: tuple[MenuChoice, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _keys(self) -> Menu:
        problems: list[tuple[Loc, str]] = []
        seen: dict[str, int] = {}
        for index, choice in enumerate(self.choices):
            if choice.key in seen:
                problems.append(
                    (
                        ("choices", index, "key"),
                        f'key "{choice.key}" is already used by choices[{seen[choice.key]}]',
                    )
                )
            else:
                seen[choice.key] = index
        if self.default not in seen:
            problems.append((("default",), f'"{self.default}" is not the key of one of the choices'))
        if problems:
            raise problems_error("Menu", problems)
        return self

    @property
    def id(self) -> str:
        """How the call log names the menu: ``menu:`` and its number."""
        return f"menu:{self.number}"

    def choice(self, key: str) -> MenuChoice | None:
        return next((choice for choice in self.choices if choice.key == key), None)


@dataclass(frozen=True)
class _Index:
    helpdesks: tuple[Helpdesk, ...]
    by_id: dict[str, Helpdesk]
    by_number: dict[str, Helpdesk]
    by_agent_number: dict[str, Helpdesk]
    by_escalation_number: dict[str, Helpdesk]


class HelpdeskConfig(_Frozen):
    """The whole file: shared settings, the central back-up and the local helpdesks.

    Schedules and the number lookups are built once per loaded file, because the call flow asks
    for them on every webhook.
    """

    timezone: str = "Europe/Brussels"
    website: str = Field(min_length=1)
    # Days a raw caller number is kept in the call log (then only its keyed hash and mask stay).
    retention_days: Seconds = Field(30, ge=1, le=3650)
    voice: Voice = Voice()
    central: Central
    helpdesks: tuple[Helpdesk, ...] = Field(min_length=1)
    # Numbers shared by several helpdesks: a menu first (playbook 1.2.1).
    menus: tuple[Menu, ...] = ()
    # Calls to citizens from the call lists (playbook 1.5).
    outbound: Outbound = Outbound()
    # The complaints register (playbook 1.4.3.3).
    complaints: Complaints = Complaints()
    # Announcing new escalations to another system (playbook 1.3.2.2, 1.2.3.3).
    notify: Notify = Notify()
    # The forecast and the staffing plan (playbook 1.2.1, 1.4.1).
    staffing: Staffing = Staffing()

    _base_dir: Path | None = PrivateAttr(None)
    # Remote audio messages measured when the file was loaded: URL -> whole seconds.
    _audio_seconds: dict[str, int] = PrivateAttr(default_factory=dict)
    _central_schedule: tuple[Central, Schedule] | None = PrivateAttr(None)
    _schedules: dict[str, tuple[Helpdesk, Schedule]] = PrivateAttr(default_factory=dict)
    _index: _Index | None = PrivateAttr(None)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f'unknown time zone "{value}"; use an IANA name like "Europe/Brussels"') from exc
        return value

    @model_validator(mode="after")
    def _unique(self) -> HelpdeskConfig:
        desks = [
            {"id": d.id, **{field: getattr(d, field) for field in NUMBER_FIELDS}} for d in self.helpdesks
        ]
        problems = reuse_problems(self.central.number, desks)
        menus = [
            {"number": m.number, "choices": [{"helpdesk": c.helpdesk} for c in m.choices]} for m in self.menus
        ]
        problems.extend(menu_problems(self.central.number, desks, menus))
        if problems:
            raise problems_error("HelpdeskConfig", problems)
        return self

    def model_post_init(self, context: Any, /) -> None:
        base_dir = context.get("base_dir") if isinstance(context, Mapping) else None
        self._base_dir = Path(base_dir) if base_dir is not None else None
        measured = context.get("audio_seconds") if isinstance(context, Mapping) else None
        self._audio_seconds = dict(measured) if isinstance(measured, Mapping) else {}
        self._central_schedule = (self.central, self._build_central_schedule())
        for desk in self.helpdesks:
            self._schedules[desk.id] = (desk, self._build_schedule(desk))
        self._lookups()

    def _lookups(self) -> _Index:
        """Helpdesks by id and by number, built once for these helpdesks.

        A copy with other helpdesks (``model_copy``, as the simulator's dry-run overrides do)
        shares the private attributes of the original, so the index checks whom it was built for.
        """
        index = self._index
        if index is None or index.helpdesks is not self.helpdesks:
            index = _Index(
                helpdesks=self.helpdesks,
                by_id={desk.id: desk for desk in self.helpdesks},
                by_number={number: desk for desk in self.helpdesks for number in desk.numbers},
                by_agent_number={number: desk for desk in self.helpdesks for number in desk.agent_numbers},
                by_escalation_number={
                    number: desk for desk in self.helpdesks for number in desk.escalation_numbers
                },
            )
            self._index = index
        return index

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def base_dir(self) -> Path | None:
        """Folder of the file this config was read from (validation context ``base_dir``)."""
        return self._base_dir

    def remote_audio_seconds(self) -> Mapping[str, int]:
        """Lengths of the remote audio messages measured at load (validation context ``audio_seconds``)."""
        return self._audio_seconds

    def media_path(self, path: str) -> Path:
        """Where a ``hold_music`` or audio path from the file lives: relative to ``base_dir``."""
        return (self._base_dir or Path()) / path

    def central_schedule(self) -> Schedule:
        cached = self._central_schedule
        if cached is not None and cached[0] is self.central:
            return cached[1]
        return self._build_central_schedule()

    def schedule(self, helpdesk: Helpdesk) -> Schedule:
        cached = self._schedules.get(helpdesk.id)
        # A helpdesk from another config (one held across a reload) gets its own hours, not ours.
        if cached is not None and cached[0] is helpdesk:
            return cached[1]
        return self._build_schedule(helpdesk)

    def _build_central_schedule(self) -> Schedule:
        holidays = self.central.holidays
        return Schedule(
            zone=self.zone,
            weekly=WeeklyHours.from_days(self.central.hours),
            holidays=holidays.calendar() if holidays else None,
            exceptions={},
        )

    def _build_schedule(self, helpdesk: Helpdesk) -> Schedule:
        return Schedule(
            zone=self.zone,
            weekly=WeeklyHours.from_days(helpdesk.hours),
            holidays=helpdesk.holidays.calendar() if helpdesk.holidays else None,
            exceptions=dict(helpdesk.exceptions),
        )

    def voice_for(self, helpdesk: Helpdesk) -> Voice:
        return helpdesk.voice or self.voice

    def helpdesk(self, helpdesk_id: str) -> Helpdesk | None:
        return self._lookups().by_id.get(helpdesk_id)

    def by_number(self, number: str) -> Helpdesk | None:
        return self._lookups().by_number.get(number)

    def by_agent_number(self, number: str) -> Helpdesk | None:
        return self._lookups().by_agent_number.get(number)

    def by_escalation_number(self, number: str) -> Helpdesk | None:
        """The helpdesk whose ``escalation_numbers`` hold ``number`` (urgent questions from central)."""
        return self._lookups().by_escalation_number.get(number)

    def menu(self, number: str) -> Menu | None:
        """The menu answering ``number`` (a handful of menus at most: looked through)."""
        return next((menu for menu in self.menus if menu.number == number), None)
