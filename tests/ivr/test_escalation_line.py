"""Escalated questions on the phone: every new step as exact TwiML (golden files), and what the
webhooks store, on both databases.

An agent escalates after a conversation (playbook 1.3.2.2); the central contact centre leaves an
urgent question on a helpdesk's escalation number (1.2.3.3). Regenerate the golden files after a
deliberate change with ``UPDATE_GOLDEN=1`` and review the diff.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from agents import PresenceStatus, create_agent, set_presence
from app import create_app
from calllog import CallRecord
from config import HelpdeskConfig
from config.loader import parse_config
from escalations import Escalation
from ivr.failsafe import Document, document_of
from tests.ivr.conftest import BASE, CONFIG, Clock, Line, make_settings
from tests.ivr.test_golden_twiml import assert_golden

AGENT_LINE = "+3233100199"
CITIZEN_LINE = "+3233100100"
ESCALATION_LINE = "+3233100198"
CENTRAL_CALLER = "+3227138701"
CITIZEN = "+32470123456"
AGENT_CALL = "CA" + "a" * 32
CITIZEN_CALL = "CA" + "b" * 32
CENTRAL_CALL = "CA" + "c" * 32
TOKEN = "0123456789abcdef0123456789abcdef"
RECORDING = "RE" + "d" * 32
RECORDING_URL = f"https://api.twilio.com/2010-04-01/Accounts/AC{'1' * 32}/Recordings/{RECORDING}"
DIALLED = "1796201940"  # a minute before 2026-12-02 10:00 in Brussels, the clock of the test
AGENT = "?helpdesk=voorkempen&code=101"
QUESTION = f"{AGENT}&token={TOKEN}&citizen={CITIZEN_CALL}"
URGENT = f"?helpdesk=voorkempen&token={TOKEN}&caller=%2B3227138701"


def escalation_config() -> HelpdeskConfig:
    """The example config with an escalation number for voorkempen and central's own caller."""
    text = CONFIG.read_text(encoding="utf-8")
    text = text.replace(
        '    agent_numbers: ["+3233100199"]',
        f'    agent_numbers: ["+3233100199"]\n    escalation_numbers: ["{ESCALATION_LINE}"]',
    )
    text = text.replace(
        "  holidays:\n    country: BE\n\nhelpdesks:",
        f'  holidays:\n    country: BE\n  escalation_callers: ["{CENTRAL_CALLER}"]\n\nhelpdesks:',
        1,
    )
    config = parse_config(text, str(CONFIG), CONFIG.parent)
    assert config.by_escalation_number(ESCALATION_LINE) is not None
    assert config.central.escalation_callers == (CENTRAL_CALLER,)
    return config


@dataclass
class EscalationLine(Line):
    """A line on the escalation config that keeps the escalations announced."""

    announced: list[int] = field(default_factory=list)


@pytest.fixture
def esc(migrated_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EscalationLine]:
    # The random token of a recording, fixed so that the documents are exact.
    monkeypatch.setattr("secrets.token_hex", lambda size: TOKEN)
    clock = Clock()
    settings = make_settings(migrated_db_url).model_copy(update={"ivr_spool_dir": tmp_path / "spool"})
    app: FastAPI = create_app(settings, clock=clock, config=escalation_config())
    with TestClient(app, base_url=BASE) as client:
        line = EscalationLine(client=client, runtime=app.state.runtime, clock=clock)
        line.runtime.escalation_listeners.append(line.announced.append)
        yield line


def _agent(line: Line) -> None:
    with line.runtime.session() as session:
        create_agent(session, "voorkempen", "101", "An", "1234", line.clock())
        set_presence(
            session, "voorkempen", "101", PresenceStatus.AVAILABLE, line.clock(), call_sid=AGENT_CALL
        )


def _nothing(line: Line) -> None:
    pass


@dataclass(frozen=True)
class Step:
    """A request (our own URLs get ``v=``), the form's own values, and the records before it."""

    path: str
    to: str
    form: dict[str, str] = field(default_factory=dict)
    before: object = _nothing
    caller: str = "+32470000101"
    call_sid: str = AGENT_CALL


RECORDED = {"RecordingUrl": RECORDING_URL, "RecordingDuration": "14", "Digits": "#"}
STEPS = {
    # The wrap-up when Twilio did not name the citizen's call: the queue's record will.
    "agent-after-conversation-unnamed": Step(
        f"/twilio/agent/after{AGENT}&dialled={DIALLED}",
        AGENT_LINE,
        {"DialCallStatus": "completed", "DialBridged": "true"},
        _agent,
    ),
    # The escalate key in the menu after a conversation: the prompt and the <Record>.
    "agent-menu-escalate": Step(
        f"/twilio/agent/menu{AGENT}&citizen={CITIZEN_CALL}", AGENT_LINE, {"Digits": "5"}, _agent
    ),
    "agent-menu-escalate-unnamed": Step(
        f"/twilio/agent/menu{AGENT}&citizen=latest&dialled={DIALLED}", AGENT_LINE, {"Digits": "5"}, _agent
    ),
    # The <Record> action: saved, or (its <Redirect> after an empty recording) nothing recorded.
    "agent-escalation-saved": Step(f"/twilio/agent/escalation{QUESTION}", AGENT_LINE, RECORDED, _agent),
    "agent-escalation-nothing": Step(f"/twilio/agent/escalation{QUESTION}", AGENT_LINE, {}, _agent),
    # The escalation number: central's own number records, anyone else hears "not in use".
    "escalation-call-in": Step(
        "/twilio/escalation", ESCALATION_LINE, caller=CENTRAL_CALLER, call_sid=CENTRAL_CALL
    ),
    "escalation-not-in-use": Step(
        "/twilio/escalation", ESCALATION_LINE, caller=CITIZEN, call_sid=CENTRAL_CALL
    ),
    "escalation-thanks": Step(
        f"/twilio/escalation/recorded{URGENT}",
        ESCALATION_LINE,
        RECORDED,
        caller=CENTRAL_CALLER,
        call_sid=CENTRAL_CALL,
    ),
    "escalation-nothing": Step(
        f"/twilio/escalation/recorded{URGENT}", ESCALATION_LINE, caller=CENTRAL_CALLER, call_sid=CENTRAL_CALL
    ),
}


@pytest.mark.parametrize("name", list(STEPS), ids=list(STEPS))
def test_escalation_step(esc: EscalationLine, name: str) -> None:
    step = STEPS[name]
    step.before(esc)  # type: ignore[operator]
    path = f"{step.path}&v={esc.runtime.renderer.version}" if "?" in step.path else step.path
    params = esc.call(to=step.to, caller=step.caller, CallSid=step.call_sid, CallStatus="in-progress")
    response = esc.post(path, params | step.form)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert_golden(name, response.text)


@pytest.mark.parametrize(
    "caller", ["anonymous", "", "+3227138700"], ids=["anonymous", "empty", "central-back-up"]
)
def test_withheld_and_other_numbers_hear_not_in_use(esc: EscalationLine, caller: str) -> None:
    params = esc.call(to=ESCALATION_LINE, caller=caller, CallSid=CENTRAL_CALL)
    response = esc.post("/twilio/escalation", params)
    assert response.text + "\n" == _golden("escalation-not-in-use")


def test_an_escalation_number_on_the_voice_url_is_the_escalation_line(esc: EscalationLine) -> None:
    allowed = esc.post(
        "/twilio/voice", esc.call(to=ESCALATION_LINE, caller=CENTRAL_CALLER, CallSid=CENTRAL_CALL)
    )
    assert allowed.text + "\n" == _golden("escalation-call-in")
    refused = esc.post("/twilio/voice", esc.call(to=ESCALATION_LINE, caller=CITIZEN, CallSid="CA" + "e" * 32))
    assert refused.text + "\n" == _golden("escalation-not-in-use")


def test_a_call_to_an_escalation_number_is_no_citizens_call(esc: EscalationLine) -> None:
    for sid, caller in ((CENTRAL_CALL, CENTRAL_CALLER), ("CA" + "e" * 32, CITIZEN)):
        esc.post("/twilio/voice", esc.call(to=ESCALATION_LINE, caller=caller, CallSid=sid))
        ended = esc.call(
            to=ESCALATION_LINE, caller=caller, CallSid=sid, CallStatus="completed", CallDuration="40"
        )
        assert esc.post("/twilio/status", ended).text == '<?xml version="1.0" encoding="UTF-8"?><Response />'
    with esc.runtime.session() as session:
        assert session.scalar(select(func.count()).select_from(CallRecord)) == 0


def _golden(name: str) -> str:
    return (Path(__file__).parent / "golden" / f"{name}.xml").read_text(encoding="utf-8")


def _escalations(line: Line) -> list[Escalation]:
    with line.runtime.session() as session:
        rows = list(session.scalars(select(Escalation).order_by(Escalation.id)))
        session.expunge_all()
    return rows


def _citizen_call(line: Line) -> None:
    """The citizen's call arrives (its call record holds the number) and the agent takes it."""
    _agent(line)
    line.post("/twilio/voice", line.call(to=CITIZEN_LINE, caller=CITIZEN, CallSid=CITIZEN_CALL))
    connect = line.call(to=CITIZEN_LINE, caller=CITIZEN, CallSid=CITIZEN_CALL, QueueTime="12")
    line.post(f"/twilio/agent/connect{AGENT}&v={line.runtime.renderer.version}", connect)


def _agent_request(line: Line, path: str, form: dict[str, str]) -> str:
    params = line.call(to=AGENT_LINE, caller="+32470000101", CallSid=AGENT_CALL, CallStatus="in-progress")
    response = line.post(f"{path}&v={line.runtime.renderer.version}", params | form)
    assert response.status_code == 200
    return response.text


def _callback(line: Line, query: str, status: str, **extra: str) -> None:
    form = {
        "AccountSid": "AC" + "1" * 32,
        "CallSid": AGENT_CALL,
        "RecordingSid": RECORDING,
        "RecordingUrl": RECORDING_URL,
        "RecordingStatus": status,
        **extra,
    }
    response = line.post(f"/twilio/recording-status{query}&v={line.runtime.renderer.version}", form)
    assert response.text == '<?xml version="1.0" encoding="UTF-8"?><Response />'


def test_an_agents_question_is_stored_with_the_citizen_and_announced_once(esc: EscalationLine) -> None:
    _citizen_call(esc)
    said = _agent_request(esc, f"/twilio/agent/escalation{QUESTION}", RECORDED)
    assert "Uw vraag is bewaard." in said
    (row,) = _escalations(esc)
    assert (row.token, row.helpdesk_id, row.priority, row.source, row.agent) == (
        TOKEN,
        "voorkempen",
        "normal",
        "agent",
        "101",
    )
    assert (row.call_sid, row.recording_call_sid, row.contact_number) == (CITIZEN_CALL, AGENT_CALL, CITIZEN)
    assert (row.recording_sid, row.recording_status, row.recording_duration_s) == (RECORDING, "pending", 14)
    assert esc.announced == [row.id]
    agent_query = f"?helpdesk=voorkempen&source=agent&code=101&token={TOKEN}&citizen={CITIZEN_CALL}"
    _callback(esc, agent_query, "completed", RecordingDuration="15")
    (row,) = _escalations(esc)
    assert (row.recording_status, row.recording_duration_s) == ("completed", 15)
    assert esc.announced == [row.id]


def test_the_callback_may_come_first(esc: EscalationLine) -> None:
    _citizen_call(esc)
    query = f"?helpdesk=voorkempen&source=agent&code=101&token={TOKEN}&citizen={CITIZEN_CALL}"
    _callback(esc, query, "completed", RecordingDuration="15")
    _agent_request(esc, f"/twilio/agent/escalation{QUESTION}", RECORDED)
    (row,) = _escalations(esc)
    assert (row.recording_status, row.contact_number, row.agent) == ("completed", CITIZEN, "101")
    assert esc.announced == [row.id]


def test_the_queues_record_names_the_citizen_when_twilio_did_not(esc: EscalationLine) -> None:
    _citizen_call(esc)
    _agent_request(
        esc, f"/twilio/agent/escalation{AGENT}&token={TOKEN}&citizen=latest&dialled={DIALLED}", RECORDED
    )
    (row,) = _escalations(esc)
    assert (row.call_sid, row.contact_number) == (CITIZEN_CALL, CITIZEN)


def test_nothing_recorded_stores_nothing(esc: EscalationLine) -> None:
    _citizen_call(esc)
    said = _agent_request(esc, f"/twilio/agent/escalation{QUESTION}", {})
    assert "Er werd niets opgenomen." in said
    assert f"citizen={CITIZEN_CALL}" in said  # the escalate key works again
    _callback(esc, f"?helpdesk=voorkempen&source=agent&code=101&token={TOKEN}", "absent", ErrorCode="16101")
    assert _escalations(esc) == []
    assert esc.announced == []


def test_an_absent_recording_removes_a_pending_question(esc: EscalationLine) -> None:
    _citizen_call(esc)
    _agent_request(esc, f"/twilio/agent/escalation{QUESTION}", RECORDED)
    _callback(esc, f"?helpdesk=voorkempen&source=agent&code=101&token={TOKEN}", "absent")
    assert _escalations(esc) == []


def test_an_urgent_question_from_central(esc: EscalationLine) -> None:
    params = esc.call(
        to=ESCALATION_LINE, caller=CENTRAL_CALLER, CallSid=CENTRAL_CALL, CallStatus="in-progress"
    )
    said = esc.post(
        f"/twilio/escalation/recorded{URGENT}&v={esc.runtime.renderer.version}", params | RECORDED
    )
    assert "Bedankt." in said.text
    (row,) = _escalations(esc)
    assert (row.priority, row.source, row.agent, row.call_sid) == ("urgent", "central", None, None)
    assert (row.contact_number, row.recording_call_sid, row.recording_status) == (
        CENTRAL_CALLER,
        CENTRAL_CALL,
        "pending",
    )
    central_query = f"?helpdesk=voorkempen&source=central&token={TOKEN}&caller=%2B3227138701"
    _callback(esc, central_query, "completed", CallSid=CENTRAL_CALL, RecordingDuration="31")
    (row,) = _escalations(esc)
    assert (row.recording_status, row.recording_duration_s) == ("completed", 31)
    assert esc.announced == [row.id]


def test_a_failed_recording_keeps_the_question_for_a_call_back(esc: EscalationLine) -> None:
    _citizen_call(esc)
    query = f"?helpdesk=voorkempen&source=agent&code=101&token={TOKEN}&citizen={CITIZEN_CALL}"
    _callback(esc, query, "failed", ErrorCode="16104")
    (row,) = _escalations(esc)
    assert (row.recording_status, row.contact_number) == ("failed", CITIZEN)


@pytest.mark.parametrize(
    ("query", "status"),
    [
        (f"?helpdesk=voorkempen&source=agent&code=101&token={TOKEN}", "in-progress"),
        (f"?helpdesk=voorkempen&source=agent&code=101&token={TOKEN}", "Completed"),
        (f"?helpdesk=nowhere&source=agent&code=101&token={TOKEN}", "completed"),
        (f"?helpdesk=voorkempen&source=citizen&token={TOKEN}", "completed"),
        ("?helpdesk=voorkempen&source=agent&code=101&token=abc", "completed"),
    ],
    ids=["in-progress", "status-not-twilios", "unknown-helpdesk", "unknown-source", "bad-token"],
)
def test_a_callback_with_nothing_to_keep_stores_nothing(esc: EscalationLine, query: str, status: str) -> None:
    _callback(esc, query, status)
    assert _escalations(esc) == []


def test_a_question_without_a_token_goes_on_to_the_next_caller(esc: EscalationLine) -> None:
    _agent(esc)
    said = _agent_request(esc, f"/twilio/agent/escalation{AGENT}&token=nope&citizen={CITIZEN_CALL}", RECORDED)
    assert said == (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Redirect method="POST">'
        f"{BASE}/twilio/agent/next?helpdesk=voorkempen&amp;code=101&amp;v={esc.runtime.renderer.version}"
        "</Redirect></Response>"
    )
    assert _escalations(esc) == []


def test_a_question_is_kept_while_the_database_is_down(
    esc: EscalationLine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _citizen_call(esc)
    rt = esc.runtime

    def down() -> Iterator[object]:
        raise OSError("the database cannot be reached")

    monkeypatch.setattr(rt, "session", down)
    said = _agent_request(esc, f"/twilio/agent/escalation{QUESTION}", RECORDED)
    assert "Uw vraag is bewaard." in said
    assert rt.spool is not None
    assert rt.spool.pending()
    monkeypatch.undo()
    assert rt.replay_spool() == 1
    (row,) = _escalations(esc)
    assert (row.token, row.call_sid, row.contact_number, row.recording_status) == (
        TOKEN,
        CITIZEN_CALL,
        CITIZEN,
        "pending",
    )


def test_the_fail_safe_documents_of_the_new_webhooks() -> None:
    assert document_of("/twilio/escalation") is Document.ESCALATION
    assert document_of("/twilio/escalation/recorded") is Document.ESCALATION
    assert document_of("/twilio/recording-status") is Document.STATUS
    assert document_of("/twilio/agent/escalation") is Document.AGENT


APOLOGY = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Say language="nl-BE" voice="Google.nl-BE-Standard-A">'
    "De lijn voor dringende vragen is op dit ogenblik niet bereikbaar. Probeer het later opnieuw.</Say>"
    "<Hangup /></Response>"
)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/twilio/escalation", APOLOGY),
        ("/twilio/escalation/recorded", APOLOGY),
        ("/twilio/voice", APOLOGY),  # never forwarded to central, who is the caller
        ("/twilio/recording-status", '<?xml version="1.0" encoding="UTF-8"?><Response />'),
    ],
    ids=["call-in", "recorded", "voice-url", "recording-status"],
)
def test_a_handler_that_raises_gets_the_escalation_lines_fail_safe(
    esc: EscalationLine, monkeypatch: pytest.MonkeyPatch, path: str, expected: str
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("handler failed")

    monkeypatch.setattr("ivr.webhooks.parse_params", broken)
    monkeypatch.setattr("ivr.escalations.parse_params", broken)
    params = esc.call(to=ESCALATION_LINE, caller=CENTRAL_CALLER, CallSid=CENTRAL_CALL)
    response = esc.post(f"{path}?helpdesk=voorkempen", params)
    assert response.status_code == 200
    assert response.text == expected


def test_a_question_not_stored_sends_central_an_apology(
    esc: EscalationLine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(*_: object) -> None:
        raise ValueError("refused")

    monkeypatch.setattr("ivr.escalations._store", refused)
    params = esc.call(to=ESCALATION_LINE, caller=CENTRAL_CALLER, CallSid=CENTRAL_CALL)
    response = esc.post(
        f"/twilio/escalation/recorded{URGENT}&v={esc.runtime.renderer.version}", params | RECORDED
    )
    assert response.text == APOLOGY
