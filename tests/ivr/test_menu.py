"""A shared number's menu through the real app: its TwiML (golden files), the choice leading to
exactly a helpdesk's own arrival or to a forward, and what the call log keeps of it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app import create_app
from calllog import CallEvent, CallRecord, menu_summary, summary
from tests.ivr.conftest import BASE, BRUSSELS, SUPERVISOR_TOKEN, Clock, Line, make_settings
from tests.ivr.test_golden_twiml import assert_golden

CHOICE = Path(__file__).resolve().parents[2] / "config" / "examples" / "choice-menu.yaml"
MENU = "+3233100300"
GENERAL_LINE = "+3233100000"
VOORKEMPEN = "+3233100100"
CALLER = "+32470123456"


@pytest.fixture
def menu_line(migrated_db_url: str) -> Iterator[Line]:
    clock = Clock()
    app = create_app(make_settings(migrated_db_url).model_copy(update={"ivr_config": CHOICE}), clock=clock)
    with TestClient(app, base_url=BASE) as client:
        yield Line(client=client, runtime=app.state.runtime, clock=clock)


def _menu_path(line: Line, attempt: str = "0", **extra: str) -> str:
    version = line.runtime.renderer.version
    query = "&".join(f"{key}={value}" for key, value in extra.items())
    return f"/twilio/menu?menu=%2B3233100300&attempt={quote(attempt)}&v={version}" + (
        f"&{query}" if query else ""
    )


def _events(line: Line, call_sid: str) -> list[tuple[str, str, dict[str, object]]]:
    with line.runtime.session() as session:
        rows = session.execute(
            select(CallEvent.kind, CallEvent.helpdesk_id, CallEvent.data)
            .where(CallEvent.call_sid == call_sid)
            .order_by(CallEvent.id)
        ).all()
    return [(kind, desk, json.loads(data)) for kind, desk, data in rows]


def _post(line: Line, path: str, call: dict[str, str]) -> str:
    response = line.post(path, call)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    return response.text


def _without_version(line: Line, body: str) -> str:
    return body.replace(line.runtime.renderer.version, "VERSION")


# -- the documents ------------------------------------------------------------------------------


def test_the_call_to_the_shared_number_hears_the_menu(menu_line: Line) -> None:
    body = _post(menu_line, "/twilio/voice", menu_line.call(to=MENU))
    assert_golden("menu-prompt", _without_version(menu_line, body))


def test_an_unknown_key_asks_again(menu_line: Line) -> None:
    body = _post(menu_line, _menu_path(menu_line), menu_line.call(to=MENU, Digits="7"))
    assert_golden("menu-ask-again", _without_version(menu_line, body))


def test_the_forward_choice_dials_the_general_line_with_the_callers_number(menu_line: Line) -> None:
    body = _post(menu_line, _menu_path(menu_line), menu_line.call(to=MENU, Digits="2"))
    assert_golden("menu-forward", body)


@pytest.mark.parametrize(
    ("params", "attempt"),
    [
        pytest.param({"Digits": "1"}, "0", id="key"),
        pytest.param({"SpeechResult": "Een vraag over mijn prik", "Confidence": "0.71"}, "1", id="speech"),
        pytest.param({}, "2", id="no-input-repeats-used-up"),
        pytest.param({"Digits": "5"}, "2", id="unknown-key-repeats-used-up"),
    ],
)
def test_the_helpdesk_choice_is_exactly_the_helpdesks_own_arrival(
    menu_line: Line, params: dict[str, str], attempt: str
) -> None:
    menu_line.agents("voorkempen", 1)
    direct = _post(menu_line, "/twilio/voice", menu_line.call(to=VOORKEMPEN))
    chosen = _post(menu_line, _menu_path(menu_line, attempt), menu_line.call(to=MENU, **params))
    assert chosen == direct
    assert_golden("menu-helpdesk-open-room-in-queue", _without_version(menu_line, chosen))


def test_the_helpdesk_choice_follows_the_helpdesks_rules(menu_line: Line) -> None:
    menu_line.clock.set_local("2026-12-02 21:00")  # both closed: the closing message
    direct = _post(menu_line, "/twilio/voice", menu_line.call(to=VOORKEMPEN))
    chosen = _post(menu_line, _menu_path(menu_line), menu_line.call(to=MENU, Digits="1"))
    assert chosen == direct
    assert "<Hangup />" in chosen


@pytest.mark.parametrize("attempt", ["", "x", "99", "-1", "\u0661"])
def test_an_attempt_not_ours_counts_as_the_last(menu_line: Line, attempt: str) -> None:
    body = _post(menu_line, _menu_path(menu_line, attempt), menu_line.call(to=MENU))
    assert "<Enqueue" in body or "<Dial" in body  # the default, voorkempen's arrival
    assert "<Gather" not in body


def test_the_menu_comes_from_the_number_when_the_query_lacks_it(menu_line: Line) -> None:
    path = f"/twilio/menu?attempt=0&v={menu_line.runtime.renderer.version}"
    body = _post(menu_line, path, menu_line.call(to=MENU, Digits="2"))
    assert f"<Number>{GENERAL_LINE}</Number>" in body


def test_a_menu_request_for_no_menu_gets_the_fail_safe(menu_line: Line) -> None:
    body = _post(menu_line, "/twilio/menu?menu=%2B3299999999&attempt=0", menu_line.call(to="+3299999999"))
    assert "+3227138700" in body  # central is open at 10:00: the fail-safe forwards there


def test_a_failing_menu_answers_the_citizen_fail_safe(
    menu_line: Line, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("decision failed")

    monkeypatch.setattr("ivr.webhooks.decide_choice", broken)
    body = _post(menu_line, _menu_path(menu_line), menu_line.call(to=MENU, Digits="1"))
    assert f'<Dial callerId="{CALLER}" timeout="30">+3227138700</Dial>' in body


# -- the call log -------------------------------------------------------------------------------


def test_a_call_that_chose_a_helpdesk_is_offered_to_it(menu_line: Line) -> None:
    menu_line.agents("voorkempen", 1)
    arrival = menu_line.call(to=MENU)
    _post(menu_line, "/twilio/voice", arrival)
    _post(menu_line, _menu_path(menu_line), {**arrival, "SpeechResult": "vaccinatie", "Confidence": "0.9"})

    events = _events(menu_line, arrival["CallSid"])
    assert sorted((kind, desk) for kind, desk, _ in events) == [
        ("entered_queue", "voorkempen"),
        ("menu_choice", f"menu:{MENU}"),
        ("menu_offered", f"menu:{MENU}"),
        ("offered", "voorkempen"),
    ]
    chosen = next(data for kind, _, data in events if kind == "menu_choice")
    assert chosen == {"key": "1", "how": "speech", "target": "voorkempen"}
    with menu_line.runtime.session() as session:
        record = session.get(CallRecord, arrival["CallSid"])
        assert record is not None
        assert (record.helpdesk_id, record.arrival_date, record.entered_queue) == (
            "voorkempen",
            dt.date(2026, 12, 2),
            True,
        )


def test_a_forwarded_call_is_offered_to_no_helpdesk(menu_line: Line) -> None:
    arrival = menu_line.call(to=MENU)
    _post(menu_line, "/twilio/voice", arrival)
    _post(menu_line, _menu_path(menu_line), {**arrival, "Digits": "2"})
    _post(menu_line, "/twilio/status", {**arrival, "CallStatus": "completed", "CallDuration": "64"})

    events = _events(menu_line, arrival["CallSid"])
    assert [kind for kind, _, _ in events] == ["menu_offered", "menu_choice", "status"]
    assert {desk for _, desk, _ in events} == {f"menu:{MENU}"}
    assert events[1][2] == {"key": "2", "how": "dtmf", "target": GENERAL_LINE}
    with menu_line.runtime.session() as session:
        kpis = summary(session, None, dt.date(2026, 12, 2), dt.date(2026, 12, 2))
    assert kpis.offered == 0


def test_the_status_of_a_call_that_chose_a_helpdesk_is_logged(menu_line: Line) -> None:
    menu_line.agents("voorkempen", 1)
    arrival = menu_line.call(to=MENU)
    _post(menu_line, "/twilio/voice", arrival)
    _post(menu_line, _menu_path(menu_line), {**arrival, "Digits": "1"})
    _post(menu_line, "/twilio/status", {**arrival, "CallStatus": "completed", "SequenceNumber": "0"})
    with menu_line.runtime.session() as session:
        record = session.get(CallRecord, arrival["CallSid"])
        assert record is not None
        # Hung up while queued: the status callback (To is the shared number) ends the call.
        assert (record.helpdesk_id, record.call_status, record.outcome) == (
            "voorkempen",
            "completed",
            "abandoned",
        )


def test_the_menu_kpis_count_the_calls_and_their_choices(menu_line: Line) -> None:
    menu_line.agents("voorkempen", 1)
    answers: list[tuple[str, dict[str, str]]] = [
        ("0", {"Digits": "1"}),
        ("0", {"Digits": "2"}),
        ("1", {"SpeechResult": "de gemeente", "Confidence": "0.8"}),
        ("2", {}),  # the default, key 1
    ]
    for attempt, params in answers:
        arrival = menu_line.call(to=MENU)
        _post(menu_line, "/twilio/voice", arrival)
        _post(menu_line, _menu_path(menu_line, attempt), {**arrival, **params})
    _post(menu_line, "/twilio/voice", menu_line.call(to=MENU))  # hangs up in the menu
    _post(menu_line, "/twilio/voice", menu_line.call(to=VOORKEMPEN))  # a direct call

    day = dt.date(2026, 12, 2)
    with menu_line.runtime.session() as session:
        menu = menu_summary(session, f"menu:{MENU}", ["1", "2"], day, day, BRUSSELS)
        voorkempen = summary(session, "voorkempen", day, day)
        next_day = menu_summary(
            session, f"menu:{MENU}", ["1", "2"], day + dt.timedelta(1), day + dt.timedelta(1), BRUSSELS
        )
    assert (menu.menu_offered, dict(menu.choices), dict(menu.by_how), menu.no_choice) == (
        5,
        {"1": 2, "2": 2},
        {"dtmf": 2, "speech": 1, "default": 1},
        1,
    )
    assert voorkempen.offered == 3  # the two that chose it and the direct call
    assert next_day.menu_offered == 0

    response = menu_line.client.get(
        "/api/metrics/menus",
        params={"from": "2026-12-02", "to": "2026-12-02"},
        headers={"Authorization": f"Bearer {SUPERVISOR_TOKEN}"},
    )
    assert response.status_code == 200
    assert response.json() == {
        "from": "2026-12-02",
        "to": "2026-12-02",
        "menus": [
            {
                "number": MENU,
                "name": "Gemeente Brecht",
                "menu_offered": 5,
                "choices": {"1": 2, "2": 2},
                "by_how": {"dtmf": 2, "speech": 1, "default": 1},
                "no_choice": 1,
            }
        ],
    }


def test_the_menu_kpis_of_an_unknown_menu_are_not_found(menu_line: Line) -> None:
    response = menu_line.client.get(
        "/api/metrics/menus",
        params={"from": "2026-12-02", "to": "2026-12-02", "menu": "+3200000000"},
        headers={"Authorization": f"Bearer {SUPERVISOR_TOKEN}"},
    )
    assert response.status_code == 404
