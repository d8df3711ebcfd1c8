"""Each webhook's fail-safe belongs to the document Twilio asked for, and holds only verbs Twilio
allows there: a handler that raises, and a database that cannot be reached, on every route."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

import pytest
from starlette.types import Scope

from config import Voice
from ivr.failsafe import DOCUMENTS, VERIFIED_FORM, Document, document_of, fail_safe_twiml, wait_seconds
from ivr.signature import FormParams
from ivr.twiml import Renderer, agent_line_unavailable, escalation_line_unavailable, last_resort
from routing import PlayClosing
from service.runtime import Runtime
from simulator.twiml import ANNOUNCE_VERBS, MAIN_VERBS, WAIT_VERBS, DialNumber, Verb, parse_twiml
from simulator.twiml import Dial as SimDial
from tests.ivr.conftest import Line, build_line
from tests.ivr.test_hostile_input import ROUTES

CITIZEN, AGENT_LINE = "+3233100100", "+3233100199"
CALLER = "+32470123456"
HEAD = '<?xml version="1.0" encoding="UTF-8"?>'
EMPTY = f"{HEAD}<Response />"
HANG_UP = f"{HEAD}<Response><Hangup /></Response>"
VOICE = 'language="nl-BE" voice="Google.nl-BE-Standard-A"'
FORWARD = f'{HEAD}<Response><Dial callerId="{CALLER}" timeout="30">+3227138700</Dial></Response>'
APOLOGY = (
    f"{HEAD}<Response><Say {VOICE}>De medewerkerslijn is op dit ogenblik niet bereikbaar. "
    "Probeer het later opnieuw.</Say><Hangup /></Response>"
)
ESCALATION_APOLOGY = (
    f"{HEAD}<Response><Say {VOICE}>De lijn voor dringende vragen is op dit ogenblik niet bereikbaar. "
    "Probeer het later opnieuw.</Say><Hangup /></Response>"
)


@dataclass(frozen=True)
class Family:
    document: Document
    allowed: frozenset[str]  # Twilio's verbs for that document, less what a fail-safe must not do


CITIZEN_DOC = Family(Document.CITIZEN, MAIN_VERBS)
# waitUrl: never Dial, Hangup or Enqueue (Dial and Enqueue are not in Twilio's list anyway).
WAIT_DOC = Family(Document.WAIT, WAIT_VERBS - {"Hangup"})
QUEUE_URL_DOC = Family(Document.QUEUE_URL, ANNOUNCE_VERBS)
AGENT_DOC = Family(Document.AGENT, MAIN_VERBS)
# The leg of a person an agent calls, before the agent is put through: nothing said or played to
# what may be an answering machine.
SCREEN_DOC = Family(Document.SCREEN, frozenset({"Hangup"}))
STATUS_DOC = Family(Document.STATUS, frozenset())
# The escalation numbers' call (the central contact centre).
ESCALATION_DOC = Family(Document.ESCALATION, MAIN_VERBS)

FAMILIES = {
    "/twilio/voice": CITIZEN_DOC,
    "/twilio/queue-exit": CITIZEN_DOC,
    "/twilio/forward": CITIZEN_DOC,
    "/twilio/central-result": CITIZEN_DOC,
    "/twilio/wait": WAIT_DOC,
    "/twilio/status": STATUS_DOC,
    "/twilio/agent": AGENT_DOC,
    "/twilio/agent/start": AGENT_DOC,
    "/twilio/agent/code": AGENT_DOC,
    "/twilio/agent/pin": AGENT_DOC,
    "/twilio/agent/next": AGENT_DOC,
    "/twilio/agent/connect": QUEUE_URL_DOC,
    "/twilio/agent/after": AGENT_DOC,
    "/twilio/agent/menu": AGENT_DOC,
    "/twilio/agent/outbound/next": AGENT_DOC,
    "/twilio/agent/outbound/screen": SCREEN_DOC,
    "/twilio/agent/outbound/after": AGENT_DOC,
    "/twilio/agent/outbound/outcome": AGENT_DOC,
    "/twilio/menu": CITIZEN_DOC,
    "/twilio/agent/escalation": AGENT_DOC,
    "/twilio/escalation": ESCALATION_DOC,
    "/twilio/escalation/recorded": ESCALATION_DOC,
    "/twilio/recording-status": STATUS_DOC,
}
# What the fail-safe answers for each path at 10:00 on a Wednesday (central open), QueueTime 30.
RAISED = {
    Document.CITIZEN: FORWARD,
    Document.WAIT: f'{HEAD}<Response><Pause length="30" /></Response>',
    Document.QUEUE_URL: EMPTY,
    Document.AGENT: APOLOGY,
    Document.SCREEN: HANG_UP,
    Document.ESCALATION: ESCALATION_APOLOGY,
    Document.STATUS: EMPTY,
}


def _params(line: Line, path: str) -> dict[str, str]:
    to = AGENT_LINE if path.startswith("/twilio/agent") and path != "/twilio/agent/connect" else CITIZEN
    return line.call(
        to=to,
        caller=CALLER,
        QueueTime="30",
        QueueResult="leave",
        DialCallStatus="busy",
        CallStatus="completed",
        SequenceNumber="0",
        Digits="1234#",
    )


def _verbs(body: str, family: Family) -> tuple[Verb, ...]:
    """The answer parsed as Twilio would for that document (raises for a verb it refuses)."""
    verbs = parse_twiml(body, allowed=family.allowed, where=family.document.value)
    if family.document is Document.AGENT:
        # An agent is never forwarded to a number (central): only the queue is dialled.
        assert not any(isinstance(verb, SimDial) and isinstance(verb.target, DialNumber) for verb in verbs)
    return verbs


def test_the_table_names_a_document_for_every_route() -> None:
    assert {path: document_of(path) for path in ROUTES} == {
        path: family.document for path, family in FAMILIES.items()
    }
    assert document_of("/api/helpdesks") is None
    assert document_of("/twilio/agentx") is Document.CITIZEN  # a sibling, not the agent line
    # A parent path comes after the paths under it, or it would hide them.
    for index, (prefix, _) in enumerate(DOCUMENTS):
        assert not any(
            earlier.startswith(prefix + "/") is False and prefix.startswith(earlier + "/")
            for earlier, _ in DOCUMENTS[:index]
        )


@pytest.mark.parametrize("path", ROUTES, ids=[path.removeprefix("/twilio/") for path in ROUTES])
def test_a_handler_that_raises_gets_the_fail_safe_of_its_document(
    line: Line, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("handler failed")

    # Every handler parses its parameters first, once the signature is verified.
    monkeypatch.setattr("ivr.webhooks.parse_params", broken)
    monkeypatch.setattr("ivr.agent_line.parse_params", broken)
    monkeypatch.setattr("ivr.agent_outbound.parse_params", broken)
    monkeypatch.setattr("ivr.escalations.parse_params", broken)
    response = line.post(f"{path}?helpdesk=voorkempen", _params(line, path))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    family = FAMILIES[path]
    _verbs(response.text, family)
    assert response.text == RAISED[family.document]


@pytest.fixture
def unreachable_line() -> Iterator[Line]:
    # Nothing listens on port 1: every connection is refused at once.
    yield from build_line("postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=1")


# The routes whose answer needs the database: with it down they answer their fail-safe (the
# arrival decides with the fail-safe decision itself: test_webhook_safety).
DATABASE_FAIL_SAFES = {
    "/twilio/agent": APOLOGY,
    "/twilio/agent/pin": APOLOGY,
    "/twilio/agent/menu": APOLOGY,
    "/twilio/agent/connect": EMPTY,
    "/twilio/agent/outbound/after": APOLOGY,
    "/twilio/agent/outbound/outcome": APOLOGY,
    # The leg is put through or hung up on by AnsweredBy alone (none here: put through).
    "/twilio/agent/outbound/screen": EMPTY,
    "/twilio/status": EMPTY,
}


@pytest.mark.parametrize("path", ROUTES, ids=[path.removeprefix("/twilio/") for path in ROUTES])
def test_without_the_database_every_answer_is_allowed_in_its_document(
    unreachable_line: Line, path: str
) -> None:
    line = unreachable_line
    agent = path.startswith("/twilio/agent")
    query = "?helpdesk=voorkempen&code=1234&attempt=1" if agent else "?helpdesk=voorkempen"
    response = line.post(f"{path}{query}", _params(line, path))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    verbs = _verbs(response.text, FAMILIES[path])
    if path in DATABASE_FAIL_SAFES:
        assert response.text == DATABASE_FAIL_SAFES[path]
    elif FAMILIES[path] is WAIT_DOC:
        assert verbs  # the caller keeps waiting: something to hear, so Twilio does not loop at once


@pytest.mark.parametrize(
    ("answered_by", "expected"),
    [("machine_start", HANG_UP), ("fax", HANG_UP), ("human", EMPTY)],
    ids=["machine", "fax", "human"],
)
def test_without_the_database_the_screen_still_hangs_up_on_a_machine(
    unreachable_line: Line, answered_by: str, expected: str
) -> None:
    line = unreachable_line
    params = line.call(to="+32470123456", caller=CITIZEN, AnsweredBy=answered_by)
    response = line.post("/twilio/agent/outbound/screen?helpdesk=voorkempen&code=101&attempt=1", params)
    assert response.text == expected


def test_without_the_database_an_agent_in_outbound_work_takes_callers(unreachable_line: Line) -> None:
    line = unreachable_line
    response = line.post("/twilio/agent/outbound/next?helpdesk=voorkempen&code=101", line.call(to=AGENT_LINE))
    verbs = _verbs(response.text, AGENT_DOC)
    assert [
        (type(verb).__name__, type(verb.target).__name__) for verb in verbs if isinstance(verb, SimDial)
    ] == [("Dial", "DialQueue")]


@pytest.mark.parametrize(
    ("local_time", "to", "expected"),
    [
        ("2026-12-02 10:00", CITIZEN, FORWARD),
        ("2026-12-02 21:00", CITIZEN, "closing-voorkempen"),
        ("2026-12-02 21:00", "+3200000000", "closing-unknown"),
    ],
    ids=["central-open", "central-closed", "central-closed-unknown-number"],
)
def test_the_citizen_fail_safe_forwards_while_central_is_open(
    line: Line, local_time: str, to: str, expected: str
) -> None:
    line.clock.set_local(local_time)
    scope = _scope("/twilio/voice", {"From": CALLER, "To": to})
    body = fail_safe_twiml(line.runtime, Document.CITIZEN, scope)
    _verbs(body, CITIZEN_DOC)
    renderer = line.runtime.renderer
    if expected == "closing-voorkempen":
        desk = line.runtime.config.helpdesk("voorkempen")
        assert desk is not None
        assert body == renderer.after_central(desk, PlayClosing())
    elif expected == "closing-unknown":
        assert body == renderer.unknown_number(PlayClosing(), CALLER, to)
    else:
        assert body == expected


def _scope(path: str, form: dict[str, str], query: str = "") -> Scope:
    return {"path": path, "query_string": query.encode(), VERIFIED_FORM: FormParams(form.items())}


@pytest.mark.parametrize(
    ("helpdesk", "queue_time", "local_time", "expected"),
    [
        ("voorkempen", "0", "2026-12-02 10:00", 60),
        ("voorkempen", "61", "2026-12-02 10:00", 59),
        ("voorkempen", "170", "2026-12-02 10:00", 10),  # the last document ends at overflow_after
        ("voorkempen", "180", "2026-12-02 10:00", None),  # routed to central: <Leave/>
        ("voorkempen", "200", "2026-12-02 21:00", 40),  # central closed: keep waiting
        ("voorkempen", "", "2026-12-02 10:00", 60),  # no QueueTime: one interval
        ("voorkempen", "-5", "2026-12-02 10:00", 60),
    ],
    ids=["t0", "t61", "t170", "t180-leave", "t200-central-closed", "no-queue-time", "negative"],
)
def test_the_wait_fail_safe_keeps_waiting_up_to_the_next_boundary(
    line: Line, helpdesk: str, queue_time: str, local_time: str, expected: int | None
) -> None:
    line.clock.set_local(local_time)
    scope = _scope("/twilio/wait", {"QueueTime": queue_time, "To": CITIZEN}, f"helpdesk={helpdesk}")
    body = fail_safe_twiml(line.runtime, Document.WAIT, scope)
    _verbs(body, WAIT_DOC)
    if expected is None:
        assert body == f"{HEAD}<Response><Leave /></Response>"
    else:
        assert body == f'{HEAD}<Response><Pause length="{expected}" /></Response>'


def test_the_wait_fail_safe_of_an_unknown_helpdesk_leaves_the_queue(line: Line) -> None:
    scope = _scope("/twilio/wait", {"QueueTime": "30", "To": "+3200000000"})
    assert fail_safe_twiml(line.runtime, Document.WAIT, scope) == f"{HEAD}<Response><Leave /></Response>"


def test_wait_seconds_without_central_routing(line: Line) -> None:
    config = line.runtime.config
    desk = config.helpdesk("voorkempen")
    assert desk is not None
    announcing = desk.model_copy(update={"overflow": "announce"})
    assert wait_seconds(config, announcing, line.clock(), 200) == 40


def test_the_agent_fail_safe_speaks_in_the_helpdesks_voice(line: Line) -> None:
    config = line.runtime.config
    desk = config.helpdesk("voorkempen")
    assert desk is not None
    own = Voice(language="nl-BE", voice="Polly.Lotte")
    line.runtime.config = config.model_copy(
        update={"helpdesks": (desk.model_copy(update={"voice": own}), *config.helpdesks[1:])}
    )
    scope = _scope("/twilio/agent/pin", {"To": AGENT_LINE}, "helpdesk=voorkempen")
    body = fail_safe_twiml(line.runtime, Document.AGENT, scope)
    assert body == APOLOGY.replace("Google.nl-BE-Standard-A", "Polly.Lotte")


@pytest.mark.parametrize("document", list(Document), ids=[document.value for document in Document])
def test_a_fail_safe_that_cannot_be_rendered_still_answers_its_documents_verbs(document: Document) -> None:
    # A runtime without config or clock: every fail-safe falls back to its document's bare answer.
    body = fail_safe_twiml(cast(Runtime[Renderer], object()), document, _scope("/twilio/x", {}))
    _verbs(body, {family.document: family for family in FAMILIES.values()}[document])
    expected = {
        Document.CITIZEN: last_resort(),
        Document.WAIT: f'{HEAD}<Response><Pause length="60" /></Response>',
        Document.QUEUE_URL: EMPTY,
        Document.AGENT: agent_line_unavailable(),
        Document.SCREEN: HANG_UP,
        Document.ESCALATION: escalation_line_unavailable(),
        Document.STATUS: EMPTY,
    }
    assert body == expected[document]
