"""The agent line's outbound work through the webhooks (playbook 1.5), on SQLite and PostgreSQL:
the switch to it and back, each way a call to a person can end, what is recorded, the claims
released when the agent hangs up, and numbers never logged in clear."""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from agents import PresenceStatus, agents_logged_in, create_agent, presence, set_presence
from config import HelpdeskConfig
from outbound import CallList
from service.operations import EndAgentCall
from tests.ivr.conftest import BASE, Line, build_line
from tests.outbound.seed import add_list, attempts, do_not_call, entries

AGENT_LINE = "+3233100199"
CITIZEN_LINE = "+3233100100"
AGENT_PHONE = "+32499000101"
AGENT_CALL = "CA" + "a" * 32
PEOPLE = ["+32470000001", "+32470000002", "+32470000003"]
CLEAR_NUMBER = re.compile(r"\+3247000000\d")


@dataclass
class Agent:
    """The agent's own call on the agent line, following the URLs the service answers."""

    line: Line
    call_sid: str = AGENT_CALL

    def post(self, url: str, **form: str) -> str:
        params = self.line.call(
            to=AGENT_LINE, caller=AGENT_PHONE, CallSid=self.call_sid, CallStatus="in-progress"
        )
        response = self.line.post(html.unescape(url).removeprefix(BASE), params | form)
        assert response.status_code == 200
        return response.text

    def key(self, document: str, digits: str) -> str:
        """``digits`` pressed in the document's ``<Gather>``."""
        return self.post(_attribute(document, "Gather", "action"), Digits=digits)

    def silence(self, document: str) -> str:
        """Nothing pressed: Twilio goes on to the ``<Redirect>``."""
        return self.post(_text(document, "Redirect"))

    def dial_ends(self, document: str, status: str, duration: str | None = None) -> str:
        form = {"DialCallStatus": status, "DialCallSid": "CA" + "d" * 32}
        if duration is not None:
            form["DialCallDuration"] = duration
        return self.post(_attribute(document, "Dial", "action"), **form)

    def screen(self, document: str, answered_by: str | None) -> str:
        """The person's leg answered: the ``<Number url>`` request, on the person's own leg."""
        url = html.unescape(_attribute(document, "Number", "url")).removeprefix(BASE)
        params = self.line.call(to=_text(document, "Number"), caller=CITIZEN_LINE, CallSid="CA" + "d" * 32)
        if answered_by is not None:
            params["AnsweredBy"] = answered_by
        response = self.line.post(url, params | {"Direction": "outbound-dial", "CallStatus": "in-progress"})
        assert response.status_code == 200
        return response.text


def _attribute(document: str, tag: str, name: str) -> str:
    found = re.search(rf'<{tag}\b[^>]*\b{name}="([^"]+)"', document)
    assert found is not None, document
    return found[1]


def _text(document: str, tag: str) -> str:
    found = re.search(rf"<{tag}\b[^>]*>([^<]+)</{tag}>", document)
    assert found is not None, document
    return found[1]


def _said(document: str) -> list[str]:
    return re.findall(r"<Say\b[^>]*>([^<]+)</Say>", document)


@pytest.fixture
def agent(line: Line) -> Agent:
    with line.runtime.session() as session:
        create_agent(session, "voorkempen", "101", "An", "1234", line.clock())
        set_presence(
            session, "voorkempen", "101", PresenceStatus.AVAILABLE, line.clock(), call_sid=AGENT_CALL
        )
    return Agent(line)


MENU = "/twilio/agent/menu?helpdesk=voorkempen&code=101"


def _status(line: Line) -> PresenceStatus:
    with line.runtime.session() as session:
        (row,) = presence(session, "voorkempen")
    return row.status


def _outbound(agent: Agent, slots: int | None = None) -> tuple[int, str]:
    """A list of three for the helpdesk, and the agent pressing the outbound key: the first dial."""
    line = agent.line
    with line.runtime.session() as session:
        list_id = add_list(session, "voorkempen", PEOPLE, line.clock(), slots=slots)
    switched = agent.post(f"{MENU}&v={line.runtime.renderer.version}", Digits="7")
    assert "/twilio/agent/outbound/next" in switched
    return list_id, agent.silence(switched)


def test_the_outbound_key_switches_and_the_agent_no_longer_takes_callers(line: Line, agent: Agent) -> None:
    _, dial = _outbound(agent)

    assert _status(line) is PresenceStatus.OUTBOUND
    with line.runtime.session() as session:
        assert agents_logged_in(session, "voorkempen") == 0
    assert _said(dial) == ["reservelijst dinsdag 14 uur: nummer eindigend op 0 1."]
    assert _attribute(dial, "Dial", "callerId") == CITIZEN_LINE
    assert _attribute(dial, "Dial", "timeout") == "40"  # 8 rings of 5 s
    assert _attribute(dial, "Number", "machineDetection") == "Enable"
    assert _text(dial, "Number") == "+32470000001"


def test_a_conversation_the_outcome_keyed_and_the_list_filled(line: Line, agent: Agent) -> None:
    list_id, dial = _outbound(agent, slots=1)
    assert agent.screen(dial, "human") == '<?xml version="1.0" encoding="UTF-8"?><Response />'
    ask = agent.dial_ends(dial, "completed", "95")
    assert _said(ask)[0].startswith("Het gesprek is beëindigd. Druk 1: aanvaard.")
    # No key within the gather's time: asked again, the person still claimed.
    again = agent.silence(ask)
    assert _said(again) == _said(ask)
    with line.runtime.session() as session:
        assert entries(session, list_id)[0] == ("+32470000001", "claimed", None, 1, AGENT_CALL)
    recorded = agent.key(again, "1")
    assert _said(recorded)[0].startswith("Genoteerd: aanvaard.")

    with line.runtime.session() as session:
        assert [(state, outcome) for _, state, outcome, *_ in entries(session, list_id)] == [
            ("done", "accepted"),
            ("pending", None),
            ("pending", None),
        ]
        (attempt,) = attempts(session)
        closed = session.execute(select(CallList.closed_reason).where(CallList.id == list_id)).scalar_one()
    assert (attempt.answered_by, attempt.talk_s, attempt.outcome, attempt.dial_call_sid) == (
        "human",
        95,
        "accepted",
        "CA" + "d" * 32,
    )
    assert closed == "filled"
    # The list is closed: nobody left to call, and the agent takes callers again.
    nobody = agent.silence(recorded)
    assert _said(nobody) == [
        "Er staat niemand meer te bellen op de belijsten. U ontvangt weer inkomende oproepen."
    ]
    assert _status(line) is PresenceStatus.AVAILABLE
    assert "<Queue" in agent.silence(nobody)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [("no-answer", "no_answer"), ("busy", "busy"), ("failed", "failed"), ("canceled", "failed")],
    ids=["no-answer", "busy", "failed", "canceled"],
)
def test_nobody_reached_goes_on_to_the_next_person(
    line: Line, agent: Agent, status: str, outcome: str
) -> None:
    list_id, dial = _outbound(agent)
    ended = agent.dial_ends(dial, status)

    with line.runtime.session() as session:
        assert entries(session, list_id)[0] == ("+32470000001", "done", outcome, 1, None)
        assert attempts(session)[0].outcome == outcome
    following = agent.silence(ended)
    assert _text(following, "Number") == "+32470000002"


# Twilio does not document the DialCallStatus after the <Number url> hung up: every way.
@pytest.mark.parametrize("status", ["completed", "no-answer", "failed", ""])
@pytest.mark.parametrize("answered_by", ["machine_start", "machine_end_beep", "fax"])
def test_a_machine_is_hung_up_on_and_nothing_is_said_to_it(
    line: Line, agent: Agent, answered_by: str, status: str
) -> None:
    list_id, dial = _outbound(agent)
    screened = agent.screen(dial, answered_by)
    assert screened == '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup /></Response>'
    ended = agent.dial_ends(dial, status, "2")

    assert _said(ended)[0].startswith("Een antwoordapparaat nam op. Er werd geen bericht ingesproken.")
    with line.runtime.session() as session:
        assert entries(session, list_id)[0] == ("+32470000001", "done", "voicemail", 1, None)
        (attempt,) = attempts(session)
    assert (attempt.answered_by, attempt.outcome, attempt.talk_s) == (answered_by, "voicemail", None)


def test_never_again_goes_into_the_register(line: Line, agent: Agent) -> None:
    list_id, dial = _outbound(agent)
    agent.screen(dial, "human")
    recorded = agent.key(agent.dial_ends(dial, "completed", "40"), "3")

    assert _said(recorded)[0].startswith("Genoteerd: nooit meer bellen.")
    with line.runtime.session() as session:
        assert len(do_not_call(session)) == 1
        assert entries(session, list_id)[0][1:3] == ("done", "do_not_call")


def test_the_break_key_and_zero_between_people(line: Line, agent: Agent) -> None:
    _, dial = _outbound(agent)
    ended = agent.dial_ends(dial, "busy")
    on_break = agent.key(ended, "9")
    assert _said(on_break) == ["U bent in pauze. Druk 1 om weer oproepen te ontvangen."]
    assert _status(line) is PresenceStatus.BREAK
    # From the break the outbound key calls the next person again; 0 then goes back to callers.
    dial = agent.silence(agent.key(on_break, "7"))
    assert _status(line) is PresenceStatus.OUTBOUND
    ended = agent.dial_ends(dial, "no-answer")
    incoming = agent.key(ended, "0")
    assert _status(line) is PresenceStatus.AVAILABLE
    assert "<Queue" in agent.silence(incoming)


def test_hanging_up_mid_conversation_puts_the_person_back(line: Line, agent: Agent) -> None:
    list_id, dial = _outbound(agent)
    agent.screen(dial, "human")
    agent.dial_ends(dial, "completed", "30")  # asked for the outcome: the agent hangs up instead
    ended = line.call(to=AGENT_LINE, caller=AGENT_PHONE, CallSid=AGENT_CALL, CallStatus="completed")
    assert line.post("/twilio/status", ended).status_code == 200

    assert _status(line) is PresenceStatus.OFFLINE
    with line.runtime.session() as session:
        assert entries(session, list_id)[0] == ("+32470000001", "pending", None, 1, None)
        assert attempts(session)[0].talk_s == 30


def test_an_agent_calls_end_written_later_puts_the_person_back(line: Line, agent: Agent) -> None:
    # As the spool replays it once the database is back after an outage.
    list_id, _ = _outbound(agent)
    assert line.runtime.write([EndAgentCall(call_sid=AGENT_CALL, now=line.clock())]) is True

    assert _status(line) is PresenceStatus.OFFLINE
    with line.runtime.session() as session:
        assert entries(session, list_id)[0] == ("+32470000001", "pending", None, 1, None)


def test_another_login_hangs_the_old_call_up_at_the_outcome(line: Line, agent: Agent) -> None:
    list_id, dial = _outbound(agent)
    agent.screen(dial, "human")
    ask = agent.dial_ends(dial, "completed", "30")
    with line.runtime.session() as session:
        set_presence(
            session, "voorkempen", "101", PresenceStatus.AVAILABLE, line.clock(), call_sid="CA" + "e" * 32
        )

    assert agent.key(ask, "1") == '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup /></Response>'
    with line.runtime.session() as session:
        assert entries(session, list_id)[0][1] == "claimed"  # released when that call's end comes


def test_numbers_are_logged_masked_only(line: Line, agent: Agent, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    _, dial = _outbound(agent)
    agent.screen(dial, "machine_start")
    agent.silence(agent.dial_ends(dial, "completed"))

    logged = [(record.getMessage(), record.__dict__) for record in caplog.records]
    assert any(extra.get("number") == "+32 4** ** ** 01" for _, extra in logged)
    assert not [message for message, extra in logged if CLEAR_NUMBER.search(f"{message} {extra}")]


def test_a_bad_attempt_goes_on_to_the_next_person(line: Line, agent: Agent) -> None:
    _, dial = _outbound(agent)
    action = _attribute(dial, "Dial", "action").replace("attempt=1", "attempt=x")
    following = agent.post(action, DialCallStatus="busy")
    # The call's own claim is released and the same person claimed again.
    assert _text(agent.silence(following), "Number") == "+32470000001"


def test_the_prompts_say_the_helpdesks_own_keys(migrated_db_url: str, example_config: HelpdeskConfig) -> None:
    desk = example_config.helpdesks[0]
    keys = desk.agent_line.model_copy(update={"break_key": "*", "outbound_key": "#"})
    own = example_config.model_copy(
        update={"helpdesks": (desk.model_copy(update={"agent_line": keys}), *example_config.helpdesks[1:])}
    )
    for line in build_line(migrated_db_url, own):
        with line.runtime.session() as session:
            set_presence(
                session, "voorkempen", "101", PresenceStatus.AVAILABLE, line.clock(), call_sid=AGENT_CALL
            )
            add_list(session, "voorkempen", PEOPLE, line.clock())
        agent = Agent(line)
        version = line.runtime.renderer.version
        nobody_came = agent.post(
            f"/twilio/agent/after?helpdesk=voorkempen&code=101&dialled=1796202000&v={version}",
            DialCallStatus="completed",
            DialBridged="false",
        )
        assert _said(nobody_came) == [
            "Er wacht op dit ogenblik niemand. Druk sterretje voor een pauze of hekje om burgers van de "
            "belijsten te bellen, of blijf aan de lijn."
        ]
        dial = agent.silence(agent.key(nobody_came, "#"))
        busy = agent.dial_ends(dial, "busy")
        assert _said(busy) == [
            "Het nummer is in gesprek. Druk sterretje voor een pauze of 0 voor de inkomende oproepen, "
            "of wacht op de volgende persoon."
        ]
