"""The "Vandaag" and "Periode" pages (TestClient, SQLite and PostgreSQL): a session needed, bad
input refused with a clear page, every figure equal to the API's, the CSV the API's to the byte,
and the vendored chart library checked against its recorded SHA-256."""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from calllog import KPI_COLUMNS
from console.figures import KPI_LABELS
from escalations import ESCALATION_COLUMNS
from tests.calllog.conftest import abandoned, answered, local, overflowed, play, sid
from tests.calllog.test_calllog_kpis import build_calls
from tests.console.conftest import OPS_TOKEN, SUPERVISOR_TOKEN, Console

VENDOR = Path(__file__).resolve().parents[2] / "console" / "static" / "vendor"
RATIOS = {"reachability", "service_level", "contact_rate", "one_and_done"}
MEANS = {"asa_s", "avg_abandon_wait_s", "avg_talk_s"}
REASONS = ("closed", "no_agents", "queue_full", "wait_timeout", "error")
HOUR_COLUMNS = ["offered", "answered", "abandoned", *(f"overflowed_{r}" for r in REASONS), "service_level"]
WAIT_COLUMNS = ["calls", "answered", "abandoned", "overflowed"]


# ---------------------------------------------------------------- reading the pages


class _Tables(HTMLParser):
    """The cells' texts of each table marked ``data-kpis``, ``data-buckets`` or ``data-waits``,
    and the page's JSON data block."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.json_text = ""
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._in_json = False
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "table":
            self._table = next(key for key in ("data-kpis", "data-buckets", "data-waits") if key in names)
            self.tables[self._table] = []
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._table is not None and self._in_body:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table is not None and self._in_body:
            self._cell = []
        elif tag == "script" and names.get("type") == "application/json":
            self._in_json = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._table = None
        elif tag == "script":
            self._in_json = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._in_json:
            self.json_text += data


def _read(html: str) -> _Tables:
    tables = _Tables()
    tables.feed(html)
    return tables


def _text(key: str, value: Any) -> str:
    """How the pages write an API figure (the README's rule), written out apart from the code."""
    if value is None:
        return "–"
    if key in RATIOS:
        return f"{value * 100:.2f} %".replace(".", ",")
    if key in MEANS:
        return f"{value:.1f} s".replace(".", ",")
    if key == "max_wait_s":
        return f"{value} s"
    return f"{value:,}".replace(",", ".")


def _flat(kpis: Mapping[str, Any]) -> dict[str, Any]:
    flat = {key: value for key, value in kpis.items() if key != "overflowed_by_reason"}
    flat.update({f"overflowed_{reason}": kpis["overflowed_by_reason"][reason] for reason in REASONS})
    return flat


def _api(console: Console, path: str, **params: str) -> Any:
    answer = console.client.get(path, params=params, headers={"Authorization": f"Bearer {SUPERVISOR_TOKEN}"})
    assert answer.status_code == 200, answer.text
    return answer.json() if "json" in answer.headers["content-type"] else answer


@pytest.fixture
def loaded(console: Console) -> Console:
    """The 30 calls of the KPI tests on 1 and 2 December (2 December is the clock's today) and
    three calls on the Wednesday before."""
    with console.runtime.session() as session:
        build_calls(session)
        play(session, sid(300), "voorkempen", local("2026-11-25 09:10:00"), answered(12, 200))
        play(session, sid(301), "voorkempen", local("2026-11-25 11:40:00"), abandoned(70))
        play(session, sid(302), "kempen-zuid", local("2026-11-25 14:05:00"), overflowed("queue_full"))
    console.signed_in()
    return console


# ---------------------------------------------------------------- the vendored library


def test_every_vendored_file_has_its_recorded_sha256_and_licence() -> None:
    listed = tomllib.loads((VENDOR / "VENDORED.toml").read_text(encoding="utf-8"))["file"]
    assert {entry["name"] for entry in listed} == {"uPlot.iife.min.js", "uPlot.min.css", "uPlot.LICENSE"}
    present = {path.name for path in VENDOR.iterdir()} - {"VENDORED.toml"}
    assert present == {entry["name"] for entry in listed}
    for entry in listed:
        assert hashlib.sha256((VENDOR / entry["name"]).read_bytes()).hexdigest() == entry["sha256"], entry
        assert (entry["package"], entry["version"], entry["licence"]) == ("uplot", "1.6.32", "MIT")
        assert entry["source"].startswith("https://registry.npmjs.org/uplot/-/uplot-1.6.32.tgz#package/")
        licence = (VENDOR / entry["licence_file"]).read_text(encoding="utf-8")
        assert licence.startswith("The MIT License (MIT)")
        assert "Leon Sorokin" in licence


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("vendor/uPlot.iife.min.js", "text/javascript; charset=utf-8"),
        ("vendor/uPlot.min.css", "text/css; charset=utf-8"),
        ("figures.js", "text/javascript; charset=utf-8"),
        ("figures.css", "text/css; charset=utf-8"),
    ],
)
def test_the_pages_files_are_served_only_with_a_session(console: Console, name: str, media_type: str) -> None:
    assert console.client.get(f"/console/static/{name}").status_code == 401
    console.signed_in()
    served = console.client.get(f"/console/static/{name}")
    assert (served.status_code, served.headers["content-type"]) == (200, media_type)
    on_disk = Path(__file__).resolve().parents[2] / "console" / "static" / name
    assert served.content == on_disk.read_bytes()


@pytest.mark.parametrize("name", ["VENDORED.toml", "uPlot.LICENSE", "..%2Fnow.js", "uPlot.iife.js"])
def test_only_the_listed_scripts_and_styles_are_served_from_vendor(console: Console, name: str) -> None:
    console.signed_in()
    assert console.client.get(f"/console/static/vendor/{name}").status_code == 404


# ---------------------------------------------------------------- sessions and bad input


@pytest.mark.parametrize("path", ["/console/vandaag", "/console/periode", "/console/periode.csv"])
def test_the_pages_need_a_session(console: Console, path: str) -> None:
    answer = console.client.get(path, follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/console")


@pytest.mark.parametrize(
    ("path", "params", "status", "problem"),
    [
        pytest.param(
            "/console/vandaag",
            {"dag": "2 december"},
            422,
            "De dag is geen datum: schrijf ze als JJJJ-MM-DD (bv. 2026-12-01).",
            id="today-not-a-date",
        ),
        pytest.param(
            "/console/vandaag",
            {"helpdesk": "nergens"},
            404,
            "Deze helpdesk bestaat niet.",
            id="today-no-desk",
        ),
        pytest.param(
            "/console/vandaag",
            {"dag": "1999-12-31"},
            422,
            "Kies datums tussen 2000 en 2999.",
            id="today-1999",
        ),
        pytest.param(
            "/console/periode",
            {"van": "2026-12-02", "tot": "2026-12-01"},
            422,
            "De begindatum ligt na de einddatum.",
            id="reversed",
        ),
        pytest.param(
            "/console/periode",
            {"van": "2026-02-30", "tot": "2026-03-01"},
            422,
            "De begindatum is geen datum: schrijf ze als JJJJ-MM-DD (bv. 2026-12-01).",
            id="no-such-day",
        ),
        pytest.param(
            "/console/periode",
            {"van": "2026-01-01", "tot": "2027-01-02"},
            422,
            "Een periode is hoogstens 366 dagen.",
            id="367-days",
        ),
        pytest.param(
            "/console/periode",
            {"van": "2026-01-01", "tot": "2026-12-31", "stap": "15m"},
            422,
            "Te veel stappen voor deze periode: kies een langere stap of een kortere periode.",
            id="too-many-buckets",
        ),
        pytest.param(
            "/console/periode",
            {"stap": "week"},
            422,
            "Kies als stap 15m (kwartier), hour (uur) of day (dag).",
            id="unknown-step",
        ),
        pytest.param(
            "/console/periode.csv",
            {"tot": "morgen"},
            422,
            "De einddatum is geen datum: schrijf ze als JJJJ-MM-DD (bv. 2026-12-01).",
            id="csv-not-a-date",
        ),
        pytest.param(
            "/console/periode.csv",
            {"helpdesk": "nergens"},
            404,
            "Deze helpdesk bestaat niet.",
            id="csv-no-desk",
        ),
    ],
)
def test_bad_input_gets_the_page_with_its_reason(
    console: Console, path: str, params: dict[str, str], status: int, problem: str
) -> None:
    console.signed_in()
    answer = console.client.get(path, params=params)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert f'<p class="error" role="alert">{problem}</p>' in answer.text
    # The form is there to correct it, with what was typed.
    assert '<button type="submit">Toon</button>' in answer.text
    for key, value in params.items():
        if key in ("van", "tot", "dag"):
            assert f'name="{key}" type="date" value="{value}"' in answer.text
    # The page still works afterwards.
    assert console.client.get("/console/vandaag").status_code == 200


def test_an_overlong_query_value_is_refused_without_breaking(console: Console) -> None:
    console.signed_in()
    assert console.client.get("/console/periode", params={"helpdesk": "x" * 41}).status_code == 422


# ---------------------------------------------------------------- the figures are the API's


def test_every_kpi_has_a_dutch_name() -> None:
    assert list(KPI_LABELS) == [*KPI_COLUMNS, *ESCALATION_COLUMNS]


@pytest.mark.parametrize("helpdesk", ["voorkempen", None], ids=["voorkempen", "all"])
def test_today_shows_the_apis_figures_beside_last_week(loaded: Console, helpdesk: str | None) -> None:
    desk = {"helpdesk": helpdesk} if helpdesk else {}
    page = loaded.client.get("/console/vandaag", params=desk)
    assert page.status_code == 200
    assert 'aria-current="page">Vandaag</a>' in page.text
    shown = _read(page.text)

    today = _api(loaded, "/api/metrics", **{"from": "2026-12-02", "to": "2026-12-02"}, **desk)
    before = _api(loaded, "/api/metrics", **{"from": "2026-11-25", "to": "2026-11-25"}, **desk)
    now, then = _flat(today["kpis"]), _flat(before["kpis"])
    assert [row[1:] for row in shown.tables["data-kpis"]] == [
        [_text(key, now[key]), _text(key, then[key])] for key in KPI_LABELS
    ]
    assert now["offered"] > 0
    assert then["offered"] == (2 if helpdesk else 3)

    series = _api(
        loaded, "/api/metrics/series", **{"from": "2026-12-02", "to": "2026-12-02", "step": "hour"}, **desk
    )
    assert [row[0] for row in shown.tables["data-buckets"]] == [f"{hour:02d}:00" for hour in range(24)]
    assert [row[1:] for row in shown.tables["data-buckets"]] == [
        [_text(key, _flat(bucket["kpis"])[key]) for key in HOUR_COLUMNS] for bucket in series["buckets"]
    ]
    waits = _api(loaded, "/api/metrics/waits", **{"from": "2026-12-02", "to": "2026-12-02"}, **desk)
    assert [row[1:] for row in shown.tables["data-waits"]] == [
        [str(band[key]) for key in WAIT_COLUMNS] for band in waits["bands"]
    ]
    assert [row[0] for row in shown.tables["data-waits"]] == [
        "0–14 s",
        "15–29 s",
        "30–59 s",
        "60–119 s",
        "120–179 s",
        "180 s en langer",
    ]

    # The chart draws the same figures.
    chart = json.loads(shown.json_text)
    assert chart["times"] == [
        int(datetime.fromisoformat(bucket["start"]).timestamp()) for bucket in series["buckets"]
    ]
    assert chart["series"]["answered"] == [bucket["kpis"]["answered"] for bucket in series["buckets"]]
    assert chart["waits"]["abandoned"] == [band["abandoned"] for band in waits["bands"]]


def test_today_by_hand_for_one_figure(loaded: Console) -> None:
    """Voorkempen on 2 December: 15 calls of the KPI tests' 30, and its reachability."""
    shown = _read(loaded.client.get("/console/vandaag", params={"helpdesk": "voorkempen"}).text)
    rows = {row[0]: row[1:] for row in shown.tables["data-kpis"]}
    assert rows["Aangeboden oproepen"] == ["15", "2"]
    assert rows["Langste wachttijd"][1] == "70 s"


def test_another_day_is_shown_on_request(loaded: Console) -> None:
    page = loaded.client.get("/console/vandaag", params={"dag": "2026-12-01", "helpdesk": "voorkempen"})
    assert "<h1>Dag 01-12-2026</h1>" in page.text
    shown = _read(page.text)
    period = {"from": "2026-12-01", "to": "2026-12-01"}
    kpis = _flat(_api(loaded, "/api/metrics", helpdesk="voorkempen", **period)["kpis"])
    assert [row[1] for row in shown.tables["data-kpis"]] == [_text(key, kpis[key]) for key in KPI_LABELS]


@pytest.mark.parametrize("step", ["15m", "hour", "day"])
def test_a_period_shows_the_apis_figures_and_its_csv_is_the_apis(loaded: Console, step: str) -> None:
    query = {"van": "2026-11-25", "tot": "2026-12-02", "stap": step, "helpdesk": "voorkempen"}
    api_query = {"from": "2026-11-25", "to": "2026-12-02", "step": step, "helpdesk": "voorkempen"}
    page = loaded.client.get("/console/periode", params=query)
    assert page.status_code == 200
    shown = _read(page.text)

    total = _flat(_api(loaded, "/api/metrics", **{k: v for k, v in api_query.items() if k != "step"})["kpis"])
    series = _api(loaded, "/api/metrics/series", **api_query)
    assert [row[1:] for row in shown.tables["data-kpis"]] == [[_text(key, total[key])] for key in KPI_LABELS]
    assert len(shown.tables["data-buckets"]) == len(series["buckets"])
    assert [row[1:] for row in shown.tables["data-buckets"]] == [
        [_text(key, _flat(bucket["kpis"])[key]) for key in HOUR_COLUMNS] for bucket in series["buckets"]
    ]

    link = f"/console/periode.csv?van=2026-11-25&amp;tot=2026-12-02&amp;stap={step}&amp;helpdesk=voorkempen"
    assert f'<a href="{link}" download>' in page.text
    mine = loaded.client.get(link.replace("&amp;", "&"))
    theirs = _api(loaded, "/api/metrics/series", **api_query, format="csv")
    assert mine.status_code == 200
    assert mine.content == theirs.content
    assert mine.content.count(b"\r\n") == len(series["buckets"]) + 1
    for header in ("content-type", "content-disposition"):
        assert mine.headers[header] == theirs.headers[header]


def test_the_period_defaults_to_the_last_seven_days_per_day(loaded: Console) -> None:
    page = loaded.client.get("/console/periode")
    shown = _read(page.text)
    assert [row[0] for row in shown.tables["data-buckets"]] == [
        f"{day:02d}-11-2026" for day in range(26, 31)
    ] + [
        "01-12-2026",
        "02-12-2026",
    ]


@pytest.mark.parametrize("token", [SUPERVISOR_TOKEN, OPS_TOKEN], ids=["supervisor", "ops"])
def test_both_roles_see_the_reports(console: Console, token: str) -> None:
    console.signed_in(token)
    for path in ("/console/vandaag", "/console/periode", "/console/periode.csv"):
        assert console.client.get(path).status_code == 200
