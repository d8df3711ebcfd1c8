"""The "Plan" page (on SQLite and PostgreSQL): a session is needed, and every figure it shows (the
forecast per day and per hour, the week's staffing plan, the batches and the advice on the
planned ones) is the API's answer for the same moment; too little history and a rota that
cannot be made are said plainly, unknown helpdesks, days and weeks give the 404 page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from calllog import CallRecord
from tests.console.conftest import OPS_TOKEN, SUPERVISOR_TOKEN, Console
from tests.console.page_html import rows, texts
from tests.planning.synthetic import generate

TODAY = dt.date(2026, 12, 2)  # the console fixture's clock: Wednesday 2 December 2026, 10:00
BATCHES = {"2026-11-20": 5000, "2026-12-04": 4000, "2026-12-08": 2500, "2026-12-11": 3000}
WEEKDAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")
MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def _api(console: Console, path: str, status: int = 200) -> Any:
    answer = console.client.get(path, headers={"Authorization": f"Bearer {SUPERVISOR_TOKEN}"})
    assert answer.status_code == status, answer.text
    return answer.json()


def _invite(console: Console, batches: dict[str, int] = BATCHES, helpdesk: str = "voorkempen") -> None:
    for day, count in batches.items():
        posted = console.client.post(
            "/api/invitations",
            json={"helpdesk": helpdesk, "date": day, "count": count},
            headers={"Authorization": f"Bearer {OPS_TOKEN}"},
        )
        assert posted.status_code == 200, posted.text


def _day(text: str) -> str:
    day = dt.date.fromisoformat(text[:10])
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def _decimal(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def test_the_page_needs_a_session(console: Console) -> None:
    answer = console.client.get("/console/plan", follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/console")
    console.signed_in()
    assert console.client.get("/console/plan").status_code == 200


def _assert_the_apis_figures(console: Console, html: str, day: str, week: str) -> dict[str, str]:
    """Every figure of the page is the API's for the same moment; returns the advice's texts by
    batch date."""
    forecast = _api(
        console, f"/api/forecast?helpdesk=voorkempen&from={TODAY}&to={TODAY + dt.timedelta(days=13)}"
    )
    shown = rows(html, "data-forecast")[1:]
    assert shown == [
        [
            _day(bucket["start"]),
            "open" if bucket["open"] else "gesloten",
            str(bucket["invitations"]),
            _decimal(bucket["offered"]),
            str(bucket["agents_needed"]),
        ]
        for bucket in forecast["buckets"]
    ]
    # Not a forecast of nothing: the batches make calls.
    assert {row[3] for row in shown} != {"0,0"}

    hours = _api(console, f"/api/forecast?helpdesk=voorkempen&from={day}&to={day}&step=hour")
    shown_hours = rows(html, "data-hours", day)[1:]
    assert shown_hours == [
        [bucket["start"][11:16], _decimal(bucket["offered"]), str(bucket["agents_needed"])]
        for bucket in hours["buckets"]
        if bucket["open"]
    ]
    assert shown_hours != []

    plan = _api(console, f"/api/staffing-plan?helpdesk=voorkempen&week={week}")
    assert f"Personeelsplan week {plan['week']}" in html
    [(_, shown_totals)] = texts(html, "data-totals")
    assert f"Diensten {plan['totals']['shifts']}" in shown_totals
    assert f"Medewerkersuren {_decimal(plan['totals']['agent_hours'])}" in shown_totals
    half_hours = [
        [row[0], row[1], row[2], row[3]]
        for row in rows(html, "class", "plan-day")
        if row and row[0] != "Half uur"
    ]
    assert half_hours == [
        [item["time"], str(item["needed"]), str(item["planned"]), str(item["at_lunch"])]
        for item in plan["half_hours"]
    ]

    sent, planned = TODAY - dt.timedelta(days=28), TODAY + dt.timedelta(days=92)
    listed = _api(console, f"/api/invitations?helpdesk=voorkempen&from={sent}&to={planned}")
    assert rows(html, "data-batches")[1:] == [
        [_day(batch["date"]), str(batch["count"]), "gepland" if batch["date"] > str(TODAY) else "verstuurd"]
        for batch in listed["invitations"]
    ]

    tomorrow = TODAY + dt.timedelta(days=1)
    advice = _api(console, f"/api/invitations/advice?helpdesk=voorkempen&from={tomorrow}&to={planned}")
    advised = {value: text for value, text in texts(html, "data-day") if "uitnodigingen –" in text}
    assert list(advised) == [batch["date"] for batch in advice["batches"]]
    titles = {
        "peak_on_closed_day": "Piek op een sluitingsdag.",
        "peak_before_closed_day": "Piek vlak voor een sluitingsdag.",
        "more_agents_than_ever": "Meer medewerkers dan ooit.",
    }
    for batch in advice["batches"]:
        text = advised[batch["date"]]
        assert text.startswith(f"{_day(batch['date'])}: {batch['invitations']} uitnodigingen")
        assert f"{batch['agents_needed']} medewerkers tegelijk" in text
        assert f"piekdag {_day(batch['peak_day'])} (+{batch['peak_lag']})" in text
        shown_titles = [title for title in titles.values() if title in text]
        assert shown_titles == [titles[flag["reason"]] for flag in batch["flags"]]
        assert ("In orde" in text) is batch["ok"]
    return advised


@pytest.mark.parametrize("token", [SUPERVISOR_TOKEN, OPS_TOKEN], ids=["supervisor", "ops"])
def test_forecast_plan_batches_and_advice_are_the_apis(console: Console, token: str) -> None:
    _invite(console)
    console.signed_in(token)
    page = console.client.get("/console/plan?helpdesk=voorkempen&dag=2026-12-05")
    assert page.status_code == 200
    advised = _assert_the_apis_figures(console, page.text, "2026-12-05", "2026-W49")
    forecast = _api(console, "/api/forecast?helpdesk=voorkempen&from=2026-12-02&to=2026-12-02")
    assert forecast["basis"] == "prior"
    assert "Te weinig geschiedenis voor een eigen voorspelling: 0 open dagen met oproepen" in page.text
    # The Friday batches peak on the Saturday before a closed Sunday: flagged, with the reason.
    assert "Piek vlak voor een sluitingsdag." in advised["2026-12-04"]
    assert "de dag voor de helpdesk gesloten is (zondag 6 dec)" in advised["2026-12-04"]
    assert "In orde" in advised["2026-12-08"]


def test_a_learned_forecast_is_the_apis_and_says_what_it_learned_from(console: Console) -> None:
    with console.runtime.session() as session:
        generate(session, console.runtime.config, "voorkempen", dt.date(2026, 9, 21), weeks=10)
    _invite(console, {"2026-12-03": 5000, "2026-12-09": 4000})
    console.signed_in()
    page = console.client.get("/console/plan?dag=2026-12-10&week=2026-W50")
    assert page.status_code == 200
    _assert_the_apis_figures(console, page.text, "2026-12-10", "2026-W50")
    forecast = _api(console, "/api/forecast?helpdesk=voorkempen&from=2026-12-02&to=2026-12-02")
    assert forecast["basis"] == "learned"
    rate = _decimal(forecast["model"]["contact_rate"] * 100)
    [(_, basis)] = texts(page.text, "data-basis")
    assert basis == (
        f"Geleerd uit {forecast['history_days']} open dagen geschiedenis (sinds "
        f"{_day(forecast['history_from'])}): {rate} oproepen per 100 uitnodigingen."
    )


def test_a_batch_needing_more_agents_than_ever_logged_in_is_flagged(console: Console) -> None:
    # One answered call by one agent: the most agents ever seen at once is 1.
    with console.runtime.session() as session:
        session.add(
            CallRecord(
                call_sid="CA" + "1" * 32,
                helpdesk_id="voorkempen",
                arrived_at=dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC),
                open_on_arrival=True,
                outcome="answered",
                entered_queue=True,
                answered_by="101",
                last_sequence=3,
            )
        )
    _invite(console, {"2026-12-08": 9000})
    console.signed_in()
    html = console.client.get("/console/plan").text
    advice = _api(console, "/api/invitations/advice?helpdesk=voorkempen&from=2026-12-03&to=2027-03-03")
    [batch] = advice["batches"]
    assert [flag["reason"] for flag in batch["flags"]] == ["more_agents_than_ever"]
    assert (
        f"De oproepen van deze batch alleen vragen {batch['agents_needed']} medewerkers tegelijk, meer dan "
        "de 1 die ooit tegelijk aangemeld waren." in " ".join(html.split())
    )


def test_a_rota_that_cannot_be_made_is_said_with_every_half_hour(console: Console) -> None:
    # One agent account, two agents needed while open (queue.min_agents): the API answers 409.
    created = console.client.post(
        "/api/agents",
        json={"helpdesk": "kempen-zuid", "code": "201", "name": "Els Claes", "pin": "4826"},
        headers={"Authorization": f"Bearer {OPS_TOKEN}"},
    )
    assert created.status_code == 201
    refused = _api(console, "/api/staffing-plan?helpdesk=kempen-zuid&week=2026-W50", status=409)
    console.signed_in()
    page = console.client.get("/console/plan?helpdesk=kempen-zuid&week=2026-W50")
    assert page.status_code == 200
    assert "Geen rooster dekt elk half uur van deze week:" in page.text
    uncovered = [text for value, text in texts(page.text, "data-uncovered")]
    items = uncovered[0].split(" nodig, maar er zijn maar 1 medewerkers met een account")
    assert len(items) - 1 == len(refused["detail"]["half_hours"]) > 0
    first = refused["detail"]["half_hours"][0]
    assert uncovered[0].startswith(f"{_day(first['day'])} {first['time']}: {first['needed']} nodig")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("helpdesk=nergens", "Er is geen helpdesk 'nergens'."),
        ("dag=morgen", "De dag 'morgen' is geen datum als 2026-12-02."),
        ("dag=1999-01-01", "De dag 1999-01-01 ligt buiten de periode die de console kent."),
        ("week=2026-W60", "De week '2026-W60' bestaat niet (schrijf ze als 2026-W50)."),
    ],
    ids=["helpdesk", "day", "day-out-of-range", "week"],
)
def test_unknown_helpdesks_days_and_weeks_give_the_404_page(
    console: Console, query: str, message: str
) -> None:
    console.signed_in()
    page = console.client.get(f"/console/plan?{query}")
    assert page.status_code == 404
    assert texts(page.text, "role") == [("alert", message)]
