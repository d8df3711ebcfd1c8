"""The "Opvolging" page (on SQLite and PostgreSQL): escalations in the API's order with their
recording streamed behind the session (the API's bytes, no Twilio trace), handled by the roles the
API allows with the form's CSRF token, complaints overdue first with the API's deadlines, and the
call lists' progress as the API counts it; bad ids give the 404 page."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from escalations import Priority
from outbound import Outcome
from tests.console.conftest import CSRF_FIELD, sign_in_with_token
from tests.console.page_html import rows, texts
from tests.ivr.conftest import OPS_TOKEN, SUPERVISOR_TOKEN, TOKEN
from tests.ivr.test_escalations_api import ACCOUNT, AUDIO, Service, build
from tests.outbound.attempts import LABEL, add_attempt


@pytest.fixture
def service(migrated_db_url: str) -> Iterator[Service]:
    yield from build(migrated_db_url)


def _sign_in(service: Service, token: str) -> str:
    signed = sign_in_with_token(service.client, token)
    assert signed.status_code == 303
    page = service.client.get("/console/opvolging")
    assert page.status_code == 200
    found = CSRF_FIELD.search(page.text)
    assert found is not None
    return found.group(1)


def _api(service: Service, path: str) -> Any:
    answer = service.send("GET", path)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _handle(service: Service, escalation_id: int | str, **form: str) -> Any:
    return service.client.post(
        f"/console/opvolging/escalaties/{escalation_id}", data=form, follow_redirects=False
    )


def _shown_escalations(html: str) -> dict[str, list[str]]:
    """The escalation ids of each list (open, closed), in the page's order."""
    lists: dict[str, list[str]] = {}
    for section in ("open", "closed"):
        start = html.find(f'data-escalations="{section}"')
        if start < 0:
            continue
        end = html.find("</ul>\n", start)
        lists[section] = re.findall(r'data-escalation="(\d+)"', html[start:end])
    return lists


def test_the_page_and_the_recording_need_a_session(service: Service) -> None:
    escalation_id = service.escalate()
    page = service.client.get("/console/opvolging", follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (303, "/console")
    audio = service.client.get(f"/console/opvolging/escalaties/{escalation_id}/opname")
    assert audio.status_code == 401
    assert audio.content != AUDIO
    handled = _handle(service, escalation_id, status="in_progress")
    assert (handled.status_code, handled.headers["location"]) == (303, "/console")
    assert service.twilio.fetched == []
    assert _api(service, f"/api/escalations/{escalation_id}")["status"] == "open"


def test_escalations_in_the_apis_order_with_their_recording(service: Service) -> None:
    normal = service.escalate()
    urgent = service.escalate(priority=Priority.URGENT)
    _sign_in(service, SUPERVISOR_TOKEN)
    html = service.client.get("/console/opvolging").text
    listed = _api(service, "/api/escalations")
    assert _shown_escalations(html) == {"open": [str(item["id"]) for item in listed]}
    assert [item["id"] for item in listed] == [urgent, normal]
    fields = dict(texts(html, "data-field"))
    assert fields["contact"] == listed[-1]["contact_masked"] == "+32 4** ** ** 56"
    assert f'src="/console/opvolging/escalaties/{normal}/opname"' in html
    assert f'src="/console/opvolging/escalaties/{urgent}/opname"' in html
    for secret in (ACCOUNT, TOKEN, "twilio.com", *service.sids.values()):
        assert secret not in html

    from_console = service.client.get(f"/console/opvolging/escalaties/{normal}/opname")
    from_api = service.send("GET", f"/api/escalations/{normal}/recording")
    assert (from_console.status_code, from_console.content) == (200, from_api.content)
    assert from_console.content == AUDIO
    assert from_console.headers["content-type"] == from_api.headers["content-type"] == "audio/x-wav"
    assert from_console.headers["cache-control"] == "no-store"
    headers = "".join(f"{key}: {value}" for key, value in from_console.headers.items())
    for secret in (ACCOUNT, TOKEN, "twilio", service.sids[normal]):
        assert secret not in headers


def test_ops_handle_an_escalation_and_it_moves_to_the_closed_ones(service: Service) -> None:
    first = service.escalate()
    second = service.escalate()
    csrf = _sign_in(service, OPS_TOKEN)
    html = service.client.get("/console/opvolging").text
    assert f'href="/console/info/nieuw?escalatie={first}"' in html

    taken = _handle(service, first, csrf=csrf, status="in_progress", note="Ik bel haar terug")
    assert (taken.status_code, taken.headers["location"]) == (
        303,
        f"/console/opvolging?behandeld={first}#esc-{first}",
    )
    body = _api(service, f"/api/escalations/{first}")
    assert (body["status"], body["note"], body["updated_by"]) == (
        "in_progress",
        "Ik bel haar terug",
        "console:ops",
    )
    service.clock.now += dt.timedelta(minutes=20)
    closed = _handle(service, first, csrf=csrf, status="answered", note="Teruggebeld, afspraak verzet")
    assert closed.status_code == 303
    body = _api(service, f"/api/escalations/{first}")
    assert (body["status"], body["closed_at"], body["recording_status"]) == (
        "answered",
        "2026-12-02T10:20:00+01:00",
        "deleted",
    )
    assert service.twilio.deleted == [service.sids[first]]

    page = service.client.get(closed.headers["location"]).text
    assert _shown_escalations(page) == {"open": [str(second)], "closed": [str(first)]}
    assert ("status", f"Escalatie {first} is nu beantwoord.") in texts(page, "role")
    # A closed one has no form and no recording any more.
    assert f'action="/console/opvolging/escalaties/{first}"' not in page
    assert f'action="/console/opvolging/escalaties/{second}"' in page
    assert f'src="/console/opvolging/escalaties/{first}/opname"' not in page
    assert "Opname gewist bij Twilio na het afsluiten." in page

    again = _handle(service, first, csrf=csrf, status="forwarded")
    assert again.status_code == 409
    assert "Er is niets gewijzigd." in again.text
    assert _api(service, f"/api/escalations/{first}")["status"] == "answered"


def test_supervisors_handle_escalations_as_the_api_allows_but_make_no_info_entry(service: Service) -> None:
    escalation_id = service.escalate()
    csrf = _sign_in(service, SUPERVISOR_TOKEN)
    html = service.client.get("/console/opvolging").text
    assert "/console/info/nieuw" not in html
    assert f'action="/console/opvolging/escalaties/{escalation_id}"' in html
    handled = _handle(service, escalation_id, csrf=csrf, status="forwarded")
    assert handled.status_code == 303
    body = _api(service, f"/api/escalations/{escalation_id}")
    assert (body["status"], body["updated_by"]) == ("forwarded", "console:supervisor")


@pytest.mark.parametrize("token", [SUPERVISOR_TOKEN, OPS_TOKEN], ids=["supervisor", "ops"])
@pytest.mark.parametrize("csrf", [None, "", "0" * 64, "other"], ids=["missing", "empty", "wrong", "other"])
def test_a_form_without_the_sessions_csrf_token_is_refused(
    service: Service, token: str, csrf: str | None
) -> None:
    escalation_id = service.escalate()
    real = _sign_in(service, token)
    form = {"status": "answered"}
    if csrf == "other":
        # The token of another session is no good either.
        other = TestClient(service.app, base_url=str(service.client.base_url))
        assert sign_in_with_token(other, token).status_code == 303
        found = CSRF_FIELD.search(other.get("/console/opvolging").text)
        assert found is not None
        assert found.group(1) != real
        form["csrf"] = found.group(1)
    elif csrf is not None:
        form["csrf"] = csrf
    refused = _handle(service, escalation_id, **form)
    assert refused.status_code == 403
    assert "Er is niets gewijzigd." in refused.text
    assert _api(service, f"/api/escalations/{escalation_id}")["status"] == "open"
    assert service.twilio.deleted == []


@pytest.mark.parametrize("bad", ["999999", "0", "abc", "1e3", "99999999999"], ids=str)
def test_bad_ids_give_the_404_page(service: Service, bad: str) -> None:
    service.escalate()
    csrf = _sign_in(service, OPS_TOKEN)
    for answer in (
        _handle(service, bad, csrf=csrf, status="answered"),
        service.client.get(f"/console/opvolging/escalaties/{bad}/opname"),
    ):
        assert answer.status_code == 404
        assert texts(answer.text, "role") == [("alert", f"Er is geen escalatie {bad}.")]
    assert service.twilio.fetched == []


def test_a_form_without_a_status_or_a_note_changes_nothing(service: Service) -> None:
    escalation_id = service.escalate()
    csrf = _sign_in(service, OPS_TOKEN)
    for form in ({"csrf": csrf}, {"csrf": csrf, "status": "gesloten"}, {"csrf": csrf, "note": "x" * 4001}):
        answer = _handle(service, escalation_id, **form)
        assert answer.status_code == 422
    assert _api(service, f"/api/escalations/{escalation_id}")["updated_by"] is None


def _complain(service: Service, received_on: str, scope: str = "local") -> int:
    answer = service.send(
        "POST",
        "/api/complaints",
        body={
            "helpdesk": "voorkempen",
            "received_on": received_on,
            "channel": "phone",
            "name": "Jan Peeters",
            "contact": "0470 11 22 33",
            "description": "Een uur buiten aangeschoven in de regen",
            "category": "organisation",
            "scope": scope,
        },
    )
    assert answer.status_code == 201, answer.text
    identifier: int = answer.json()["id"]
    return identifier


def test_complaints_overdue_first_with_the_apis_deadlines(service: Service) -> None:
    fresh = _complain(service, "2026-11-30")
    late = _complain(service, "2026-10-01")  # deadline 15 November: past
    due_soon = _complain(service, "2026-10-20")  # deadline 4 December: within 7 days
    central = _complain(service, "2026-11-25", scope="central")  # forwarded at once: closed
    _sign_in(service, SUPERVISOR_TOKEN)
    html = service.client.get("/console/opvolging").text
    table = rows(html, "data-complaints")
    by_id = {str(item["id"]): item for item in _api(service, "/api/complaints")}
    open_rows = [row for row in table if row[0] in by_id and by_id[row[0]]["status"] == "open"]
    assert [row[0] for row in open_rows] == [str(late), str(due_soon), str(fresh)]
    assert [bool(by_id[row[0]]["overdue"]) for row in open_rows] == [True, True, False]
    assert [row[6] for row in open_rows] == ["zo 15 nov 2026", "vr 4 dec 2026", "do 14 jan 2027"]
    assert [by_id[row[0]]["deadline"] for row in open_rows] == ["2026-11-15", "2026-12-04", "2027-01-14"]
    assert [row[7] for row in open_rows] == [
        "Dringend: termijn verstreken, 17 dagen te laat",
        "Dringend: nog 2 dagen",
        "nog 43 dagen",
    ]
    assert f'data-complaint="{late}" class="overdue"' in html
    assert f'data-complaint="{fresh}" class="overdue"' not in html
    [closed] = [row for row in table if row[0] == str(central)]
    assert closed[5] == "doorgestuurd naar de Vlaamse overheid"
    assert "Jan Peeters" not in html
    assert "0470 11 22 33" not in html


def test_call_lists_with_the_apis_progress_and_figures(service: Service) -> None:
    imported = service.send(
        "POST",
        "/api/call-lists",
        OPS_TOKEN,
        {
            "helpdesk": "kempen-zuid",
            "purpose": "volunteers",
            "label": "vrijwilligers zaterdag",
            "slots": 2,
            "people": [{"number": "0470 11 22 33"}, {"number": "0471 22 33 44"}],
        },
    )
    assert imported.status_code == 201, imported.text
    runtime = service.app.state.runtime
    started = service.clock() - dt.timedelta(hours=1)
    with runtime.session() as session:
        for number, outcome in (
            ("+32470000001", Outcome.ACCEPTED),
            ("+32470000002", Outcome.NO_ANSWER),
            ("+32470000002", Outcome.KEPT),
            ("+32470000003", Outcome.VOICEMAIL),
        ):
            add_attempt(
                session,
                helpdesk_id="voorkempen",
                number=number,
                key=runtime.caller_key,
                started_at=started,
                outcome=outcome,
            )
    _sign_in(service, SUPERVISOR_TOKEN)
    html = service.client.get("/console/opvolging").text
    listed = _api(service, "/api/call-lists")
    shown = dict(texts(html, "data-list"))
    assert [int(value) for value in shown] == [item["id"] for item in listed]
    for item in listed:
        detail = _api(service, f"/api/call-lists/{item['id']}")
        cells = rows(html, "data-list", str(item["id"]))[0]
        progress, figures = detail["progress"], detail["figures"]
        assert cells[0] == item["label"]
        assert cells[4:] == [
            str(progress["people"]),
            str(progress["pending"]),
            str(figures["people_called"]),
            str(figures["reached"]),
            str(progress["accepted"]),
            "–" if item["slots"] is None else str(item["slots"]),
            str(figures["attempts"]),
            str(figures["no_answer"]),
        ]
    ours = next(item for item in listed if item["label"] == LABEL)
    assert _api(service, f"/api/call-lists/{ours['id']}")["figures"]["reached"] == 2
