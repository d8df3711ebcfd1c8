"""Twilio's numbers are whole numbers within what Twilio can send; anything else is missing.

Durations (QueueTime, CallDuration, DialCallDuration) run from 0 to a day, counts (QueuePosition,
CurrentQueueSize, SequenceNumber) from 0 to a million: no parsed number overflows a database
column. A refused value is logged once per request, never raised.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from calllog import CallEvent, CallRecord
from ivr.params import (
    MAX_COUNT,
    MAX_DIGITS,
    MAX_SECONDS,
    DialResultParams,
    GatherParams,
    PersonDialParams,
    QueueDialParams,
    QueueExitParams,
    ScreenParams,
    StatusParams,
    TwilioParams,
    WaitParams,
    parse_params,
)
from ivr.twiml import XML_TYPE
from tests.ivr.conftest import Line

GOLDEN = Path(__file__).parent / "golden"
CALL = {"CallSid": "CA" + "1" * 32, "From": "+32470123456", "To": "+3233100100", "CallStatus": "in-progress"}

# (model, Twilio's name, attribute, largest value accepted)
NUMBERS = [
    pytest.param(WaitParams, "QueueTime", "queue_time", MAX_SECONDS, id="wait-QueueTime"),
    pytest.param(WaitParams, "QueuePosition", "queue_position", MAX_COUNT, id="QueuePosition"),
    pytest.param(WaitParams, "CurrentQueueSize", "current_queue_size", MAX_COUNT, id="CurrentQueueSize"),
    pytest.param(QueueExitParams, "QueueTime", "queue_time", MAX_SECONDS, id="exit-QueueTime"),
    pytest.param(
        DialResultParams, "DialCallDuration", "dial_call_duration", MAX_SECONDS, id="DialCallDuration"
    ),
    pytest.param(
        QueueDialParams, "DialCallDuration", "dial_call_duration", MAX_SECONDS, id="agent-DialCallDuration"
    ),
    pytest.param(
        PersonDialParams, "DialCallDuration", "dial_call_duration", MAX_SECONDS, id="person-DialCallDuration"
    ),
    pytest.param(StatusParams, "SequenceNumber", "sequence_number", MAX_COUNT, id="SequenceNumber"),
    pytest.param(StatusParams, "CallDuration", "call_duration", MAX_SECONDS, id="CallDuration"),
]


def test_the_bounds() -> None:
    assert (MAX_SECONDS, MAX_COUNT) == (86_400, 1_000_000)


@pytest.mark.parametrize(
    ("sent", "parsed"),
    [
        pytest.param("0", 0, id="zero"),
        pytest.param("65", 65, id="65"),
        pytest.param("86400", 86_400, id="a-day"),
        pytest.param("86401", None, id="a-day-and-a-second"),
        pytest.param("-1", None, id="negative"),
        pytest.param(str(10**40), None, id="10^40"),
        pytest.param("9" * 5000, None, id="5000-digits"),
        pytest.param("1e400", None, id="1e400"),
        pytest.param("1e3", None, id="exponent"),
        pytest.param("nan", None, id="nan"),
        pytest.param("inf", None, id="inf"),
        pytest.param("-inf", None, id="minus-inf"),
        pytest.param("12abc", None, id="12abc"),
        pytest.param("3.7", None, id="fraction"),
        pytest.param("", None, id="empty"),
        pytest.param("١٢٣", None, id="arabic-indic-digits"),
        pytest.param("\x00", None, id="nul"),
    ],
)
def test_queue_time(sent: str, parsed: int | None) -> None:
    assert parse_params(QueueExitParams, CALL | {"QueueTime": sent}).queue_time == parsed
    assert parse_params(WaitParams, CALL | {"QueueTime": sent}).queue_time == parsed


@pytest.mark.parametrize(("model", "name", "attribute", "high"), NUMBERS)
def test_each_number_is_accepted_from_0_to_its_bound(
    model: type[TwilioParams], name: str, attribute: str, high: int
) -> None:
    def parsed(sent: str) -> object:
        return getattr(parse_params(model, CALL | {name: sent}), attribute)

    assert [parsed(sent) for sent in ("0", "1", str(high), str(high + 1), "-1", "nan")] == [
        0,
        1,
        high,
        None,
        None,
        None,
    ]
    assert getattr(parse_params(model, CALL), attribute) is None  # absent


@pytest.mark.parametrize(("model", "name", "attribute", "high"), NUMBERS)
@given(sent=st.one_of(st.text(max_size=50), st.integers().map(str), st.floats().map(str)))
def test_no_text_gives_a_number_out_of_bounds(
    model: type[TwilioParams], name: str, attribute: str, high: int, sent: str
) -> None:
    value = getattr(parse_params(model, CALL | {name: sent}), attribute)
    assert value is None or (type(value) is int and 0 <= value <= high)


def test_the_rest_of_the_form_is_kept() -> None:
    form = CALL | {"QueueTime": str(10**40), "QueueResult": "hangup", "CallStatus": "x" * 33}
    params = parse_params(QueueExitParams, form)
    assert params == QueueExitParams(
        call_sid=CALL["CallSid"], from_=CALL["From"], to=CALL["To"], queue_result="hangup"
    )


def test_refused_numbers_are_logged_once_per_request(caplog: pytest.LogCaptureFixture) -> None:
    form = CALL | {"QueueTime": "1" * 100, "QueuePosition": "nan", "CurrentQueueSize": "4"}
    with caplog.at_level(logging.WARNING, logger="ivr.params"):
        params = parse_params(WaitParams, form)

    assert (params.queue_time, params.queue_position, params.current_queue_size) == (None, None, 4)
    assert [(record.name, record.levelno) for record in caplog.records] == [("ivr.params", logging.WARNING)]
    record = caplog.records[0]
    shown = f"'{'1' * 40}'… (100 characters)"
    assert record.getMessage() == (
        f"Twilio parameters out of range or not whole numbers, treated as missing: "
        f"QueueTime={shown}, QueuePosition='nan'"
    )
    assert record.__dict__["refused"] == {"QueueTime": shown, "QueuePosition": "'nan'"}
    assert record.__dict__["call_sid"] == repr(CALL["CallSid"])


def test_a_refused_value_cannot_forge_a_log_line(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="ivr.params"):
        parse_params(StatusParams, CALL | {"CallDuration": "1\nERROR forged"})
    assert caplog.records[0].getMessage().endswith("CallDuration='1\\nERROR forged'")


def test_numbers_in_range_log_nothing(caplog: pytest.LogCaptureFixture) -> None:
    form = CALL | {"SequenceNumber": "3", "CallDuration": "86400", "Timestamp": "x" * 65}
    with caplog.at_level(logging.DEBUG, logger="ivr.params"):
        params = parse_params(StatusParams, form)
    assert (params.sequence_number, params.call_duration, params.timestamp) == (3, 86_400, "")
    assert caplog.records == []


@pytest.mark.parametrize(
    ("sent", "parsed"),
    [
        pytest.param("101", "101", id="digits"),
        pytest.param("1234#", "1234#", id="with-hash"),
        pytest.param("*", "*", id="star"),
        pytest.param("0123456789*#", "0123456789*#", id="every-key"),
        pytest.param("", "", id="empty"),
        pytest.param("9" * MAX_DIGITS, "9" * MAX_DIGITS, id="longest"),
        pytest.param("9" * (MAX_DIGITS + 1), "", id="too-long"),
        pytest.param("12a", "", id="letter"),
        pytest.param("1 2", "", id="space"),
        pytest.param("12\n", "", id="newline"),
        pytest.param("\u0661\u0662", "", id="arabic-indic-digits"),
        pytest.param("-1", "", id="minus"),
    ],
)
def test_digits_are_keypad_keys(sent: str, parsed: str) -> None:
    assert parse_params(GatherParams, CALL | {"Digits": sent}).digits == parsed


def test_digits_absent_are_empty() -> None:
    assert parse_params(GatherParams, CALL).digits == ""


@pytest.mark.parametrize(
    ("sent", "parsed"),
    [
        pytest.param("true", True, id="true"),
        pytest.param("false", False, id="false"),
        pytest.param("TRUE", True, id="upper-case-true"),
        pytest.param("False", False, id="capital-false"),
        pytest.param("", None, id="empty"),
        pytest.param("1", None, id="one"),
        pytest.param("yes", None, id="yes"),
        pytest.param("truex", None, id="truex"),
    ],
)
def test_dial_bridged_is_true_or_false_or_missing(sent: str, parsed: bool | None) -> None:
    assert parse_params(QueueDialParams, CALL | {"DialBridged": sent}).dial_bridged is parsed


def test_a_queue_dial_report_keeps_the_rest_of_the_form() -> None:
    form = CALL | {
        "DialCallStatus": "completed",
        "DialCallSid": "CA" + "b" * 32,
        "DialCallDuration": "95",
        "DialBridged": "maybe",
    }
    assert parse_params(QueueDialParams, form) == QueueDialParams(
        call_sid=CALL["CallSid"],
        from_=CALL["From"],
        to=CALL["To"],
        call_status=CALL["CallStatus"],
        dial_call_status="completed",
        dial_call_sid="CA" + "b" * 32,
        dial_call_duration=95,
    )
    assert parse_params(QueueDialParams, CALL | {"DialCallSid": "C" * 65}).dial_call_sid == ""
    assert parse_params(QueueDialParams, CALL).dial_bridged is None


def test_a_dial_to_a_person_keeps_its_leg_and_talk_time() -> None:
    form = CALL | {"DialCallStatus": "completed", "DialCallSid": "CA" + "d" * 32, "DialCallDuration": "3.7"}
    assert parse_params(PersonDialParams, form) == PersonDialParams(
        call_sid=CALL["CallSid"],
        from_=CALL["From"],
        to=CALL["To"],
        call_status=CALL["CallStatus"],
        dial_call_status="completed",
        dial_call_sid="CA" + "d" * 32,
        dial_call_duration=None,
    )


@pytest.mark.parametrize(
    ("sent", "parsed"),
    [
        pytest.param({"AnsweredBy": "machine_end_beep"}, "machine_end_beep", id="machine"),
        pytest.param({"AnsweredBy": "human"}, "human", id="human"),
        pytest.param({}, "", id="absent"),
        pytest.param({"AnsweredBy": "x" * 33}, "", id="too-long"),
    ],
)
def test_answered_by_as_sent(sent: dict[str, str], parsed: str) -> None:
    assert parse_params(ScreenParams, CALL | sent).answered_by == parsed


def test_a_queue_exit_with_a_wait_of_10_to_the_40_answers_and_logs_no_wait(
    line: Line, caplog: pytest.LogCaptureFixture
) -> None:
    line.agents("voorkempen", 1)
    call = line.call()
    assert line.post("/twilio/voice", call).status_code == 200
    left = call | {"CallStatus": "in-progress", "QueueResult": "hangup", "QueueTime": str(10**40)}

    with caplog.at_level(logging.WARNING, logger="ivr.params"):
        response = line.post("/twilio/queue-exit?helpdesk=voorkempen", left)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith(XML_TYPE)
    # The answer to any caller who hung up in the queue.
    assert response.text + "\n" == (GOLDEN / "queue-exit-hangup.xml").read_text(encoding="utf-8")
    assert len([record for record in caplog.records if record.name == "ivr.params"]) == 1
    sid = call["CallSid"]
    with line.runtime.session() as session:
        data = session.execute(
            select(CallEvent.data).where(CallEvent.call_sid == sid, CallEvent.kind == "left_queue")
        ).scalar_one()
        record = session.execute(select(CallRecord).where(CallRecord.call_sid == sid)).scalar_one()
    assert json.loads(data) == {"result": "hangup", "wait_s": None}
    assert record.outcome == "abandoned"
