"""The escalation numbers (playbook 1.2.3.3) and what a ``<Record>`` action reports, as tables."""

from __future__ import annotations

import pytest

from routing import (
    NotInUse,
    Recording,
    RecordUrgent,
    UrgentRecorded,
    decide_escalation_call,
    decide_urgent_recorded,
    recorded,
)

CENTRAL_CALLERS = ("+3227138701", "+3227138702")
TOKEN = "0123456789abcdef0123456789abcdef"
SID = "RE" + "a" * 32

CALLS: list[tuple[str, str, object]] = [
    # id, Twilio's From, decision
    ("central-caller", "+3227138701", RecordUrgent("voorkempen", TOKEN, "+3227138701")),
    ("second-central-caller", "+3227138702", RecordUrgent("voorkempen", TOKEN, "+3227138702")),
    ("a-citizen", "+32470123456", NotInUse()),
    ("central-back-up-number-itself", "+3227138700", NotInUse()),
    ("withheld-anonymous", "anonymous", NotInUse()),
    ("withheld-restricted", "Restricted", NotInUse()),
    ("withheld-empty", "", NotInUse()),
    ("same-digits-national-form", "027138701", NotInUse()),
    ("sip-address", "sip:+3227138701@example.org", NotInUse()),
]


@pytest.mark.parametrize(("caller", "expected"), [row[1:] for row in CALLS], ids=[row[0] for row in CALLS])
def test_decide_escalation_call(caller: str, expected: object) -> None:
    assert decide_escalation_call("voorkempen", CENTRAL_CALLERS, caller, TOKEN) == expected


def test_without_escalation_callers_nobody_may_use_the_number() -> None:
    assert decide_escalation_call("voorkempen", (), "+3227138701", TOKEN) == NotInUse()


RECORDINGS: list[tuple[str, Recording, bool]] = [
    # id, the action's recording, something was recorded
    ("sid-and-length", Recording(SID, 14), True),
    ("sid-only", Recording(SID, None), True),
    ("length-only", Recording(None, 14), True),
    ("zero-seconds", Recording(SID, 0), False),
    ("redirect-after-an-empty-recording", Recording(None, None), False),
]


@pytest.mark.parametrize(
    ("recording", "expected"), [row[1:] for row in RECORDINGS], ids=[row[0] for row in RECORDINGS]
)
def test_recorded(recording: Recording, expected: bool) -> None:
    assert recorded(recording) is expected


@pytest.mark.parametrize(
    ("recording", "expected"),
    [
        (Recording(SID, 30), UrgentRecorded("voorkempen", saved=True)),
        (Recording(None, None), UrgentRecorded("voorkempen", saved=False)),
    ],
    ids=["thanks", "nothing-recorded"],
)
def test_decide_urgent_recorded(recording: Recording, expected: UrgentRecorded) -> None:
    assert decide_urgent_recorded("voorkempen", recording) == expected
