"""A bad file is refused with every problem as ``file:line: path: problem`` (PRODUCT.md "Configuration")."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from config import ConfigError, parse_config


def errors_of(text: str, base_dir: Path = Path()) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(textwrap.dedent(text), "helpdesk.yaml", base_dir)
    assert str(caught.value) == "\n".join(caught.value.errors)
    return list(caught.value.errors)


# Each snippet is a whole file; the line numbers in the expected errors count from its first line.
CASES = [
    pytest.param(
        """\
        timezone: Europe/Brussels
        website: www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours:
            mon-fri: "08:00-20:00"
        helpdesks:
          - id: voorkempen
            name: Vaccinatiecentrum Voorkempen
            municipalities: [Brecht, Malle, Schilde, Zoersel]
            numbers: ["+3233100100"]
            agent_numbers: ["+3233100199"]
            hours:
              mon-fri: "9-16"
        """,
        ['helpdesk.yaml:14: helpdesks[0].hours.mon-fri: "9-16" is not a range like "09:00-16:00"'],
        id="malformed-range",
    ),
    pytest.param(
        """\
        website: www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours: {mon-fri: "08:00-20:00"}
        helpdesks:
          - id: voorkempen
            name: Vaccinatiecentrum Voorkempen
            municipalities: [Brecht]
            numbers: ["+3233100100"]
            hours:
              mon-fri: ["09:00-12:30", "12:00-16:00"]
        """,
        ['helpdesk.yaml:11: helpdesks[0].hours.mon-fri: ranges "09:00-12:30" and "12:00-16:00" overlap'],
        id="overlapping-ranges",
    ),
    pytest.param(
        """\
        website: www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours: {mon-fri: "08:00-20:00"}
        helpdesks:
          - id: voorkempen
            name: Vaccinatiecentrum Voorkempen
            municipalities: [Brecht]
            numbers: ["+3233100100"]
            hours:
              fri: "18:00-02:00"
        """,
        [
            'helpdesk.yaml:11: helpdesks[0].hours.fri: "18:00-02:00" crosses midnight or ends before it '
            'starts; split it into "18:00-24:00" and "00:00-02:00" on the next day'
        ],
        id="range-crosses-midnight",
    ),
    pytest.param(
        """\
        website: www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours: {mon-fri: "08:00-20:00"}
        helpdesks:
          - id: voorkempen
            name: Vaccinatiecentrum Voorkempen
            municipalities: [Brecht]
            numbers: ["+3233100100"]
            hours:
              sat: closed
              mon-fry: "09:00-16:00"
        """,
        [
            'helpdesk.yaml:12: helpdesks[0].hours.mon-fry: unknown day key "mon-fry"; '
            "use mon, tue, wed, thu, fri, sat, sun, a span like mon-fri, or holidays"
        ],
        id="unknown-day-key",
    ),
    pytest.param(
        """\
        website: www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours: {mon-fri: "08:00-20:00"}
        helpdesks:
          - id: voorkempen
            name: Vaccinatiecentrum Voorkempen
            municipalities: [Brecht]
            numbers: ["+3233100100"]
            hours:
              mon-fri: "09:00-16:00"
              sun:
        """,
        [
            "helpdesk.yaml:12: helpdesks[0].hours.sun: no hours given; "
            'write closed, a range like "09:00-16:00" or a list of ranges'
        ],
        id="day-without-hours",
    ),
    pytest.param(
        """\
        website: www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours: {mon-fri: "08:00-20:00"}
        helpdesks:
          - id: voorkempen
            name: Vaccinatiecentrum Voorkempen
            municipalities: [Brecht]
            numbers: ["+3233100100"]
            hours:
              mon-fri: "09:00-16:00"
              mon: "09:00-12:00"
        """,
        ['helpdesk.yaml:10: helpdesks[0].hours: mon is given twice (in "mon-fri" and "mon")'],
        id="day-given-twice",
    ),
    pytest.param(
        """\
        website: www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours: {mon-fri: "08:00-20:00"}
        helpdesks:
          - id: voorkempen
            name: Vaccinatiecentrum Voorkempen
            municipalities: [Brecht]
            numbers: ["+3233100100"]
            hours: {mon-fri: "09:00-16:00"}
            queue:
              annouce_every: 60
        """,
        ['helpdesk.yaml:12: helpdesks[0].queue.annouce_every: unknown key "annouce_every"'],
        id="unknown-key",
    ),
    pytest.param(
        """\
        website: www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours: {mon-fri: "08:00-20:00"}
        helpdesks:
          - id: voorkempen
            name: Vaccinatiecentrum Voorkempen
            municipalities: [Brecht]
            numbers: ["+3233100100"]
            hours: {mon-fri: "09:00-16:00"}
          - id: kempen-zuid
            name: Vaccinatiecentrum Kempen Zuid
            municipalities: [Herentals]
            numbers:
              - "+3233100100"
            hours: {mon-fri: "09:00-16:00"}
        """,
        ['helpdesk.yaml:15: helpdesks[1].numbers[0]: "+3233100100" is already used by helpdesks[0].numbers'],
        id="number-used-twice",
    ),
    pytest.param(
        """\
        website: www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours: {mon-fri: "08:00-20:00"}
        helpdesks:
          - id: voorkempen
            name: Vaccinatiecentrum Voorkempen
            municipalities: [Brecht]
            numbers: ["+3233100100"]
            agent_numbers: ["+3233100199", "+3233100100"]
            hours: {mon-fri: "09:00-16:00"}
        """,
        [
            'helpdesk.yaml:10: helpdesks[0].agent_numbers[1]: "+3233100100" '
            "is already used by helpdesks[0].numbers"
        ],
        id="citizen-number-as-agent-number",
    ),
    pytest.param(
        """\
        website: www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours: {mon-fri: "08:00-20:00"}
        helpdesks:
          - id: voorkempen
            name: Vaccinatiecentrum Voorkempen
            municipalities: [Brecht]
            numbers: ["+3227138700"]
            hours: {mon-fri: "09:00-16:00"}
        """,
        ['helpdesk.yaml:9: helpdesks[0].numbers[0]: "+3227138700" is already used by central.number'],
        id="central-number-reused",
    ),
    pytest.param(
        """\
        website: www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours: {mon-fri: "08:00-20:00"}
        helpdesks:
          - id: voorkempen
            name: Vaccinatiecentrum Voorkempen
            municipalities: [Brecht]
            numbers: ["+3233100100"]
            hours: {mon-fri: "09:00-16:00"}
          - id: voorkempen
            name: Vaccinatiecentrum Voorkempen bis
            municipalities: [Malle]
            numbers: ["+3233100101"]
            hours: {mon-fri: "09:00-16:00"}
        """,
        ['helpdesk.yaml:11: helpdesks[1].id: helpdesk id "voorkempen" is already used by helpdesks[0]'],
        id="helpdesk-id-used-twice",
    ),
    pytest.param(
        """\
        website: www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours: {mon-fri: "08:00-20:00"}
        helpdesks:
          - id: voorkempen
            name: Vaccinatiecentrum Voorkempen
            municipalities: [Brecht]
            numbers: ["+3233100100"]
            hours: {mon-fri: "09:00-16:00"}
            messages:
              wait: "Even geduld."
              welcome: "Welkom in {gemeente}."
        """,
        [
            "helpdesk.yaml:13: helpdesks[0].messages.welcome: unknown placeholder {gemeente}; use one of "
            "{break_key}, {central_number}, {escalate_key}, {helpdesk_name}, {municipalities}, "
            "{opening_hours}, "
            "{outbound_key}, {resume_key}, "
            "{website}"
        ],
        id="unknown-placeholder",
    ),
    pytest.param(
        """\
        website: www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours: {mon-fri: "08:00-20:00"}
        helpdesks:
          - id: voorkempen
            name: Vaccinatiecentrum Voorkempen
            municipalities: [Brecht]
            numbers: ["+3233100100"]
            hours: {mon-fri: "09:00-16:00"}
            messages:
              welkom: "Welkom."
        """,
        [
            'helpdesk.yaml:12: helpdesks[0].messages.welkom: unknown key "welkom"; use "welcome", "wait", '
            '"closing", "busy", "overflow_wait", "queue_position", "expected_wait", "returning_call", '
            '"agent_welcome", '
            '"agent_code_prompt", "agent_pin_prompt", '
            '"agent_pin_wrong", "agent_locked", "agent_logged_in", "agent_next_caller", "agent_no_caller", '
            '"agent_on_break", "agent_queue_unavailable", "agent_outbound_person", "agent_outbound_nobody", '
            '"agent_outbound_outcome", "agent_outbound_recorded", "agent_outbound_no_answer", '
            '"agent_outbound_busy", "agent_outbound_failed", "agent_outbound_voicemail", '
            '"agent_escalate_prompt", '
            '"agent_escalation_saved", "agent_escalation_nothing", "escalation_prompt", "escalation_thanks", '
            '"escalation_nothing" or "escalation_not_in_use"'
        ],
        id="unknown-message",
    ),
    pytest.param(
        """\
        timezone: Europe/Brusels
        website: www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours: {mon-fri: "08:00-20:00"}
        helpdesks:
          - id: voorkempen
            name: Vaccinatiecentrum Voorkempen
            municipalities: [Brecht]
            numbers: ["+3233100100"]
            hours: {mon-fri: "09:00-16:00"}
        """,
        [
            'helpdesk.yaml:1: timezone: unknown time zone "Europe/Brusels"; '
            'use an IANA name like "Europe/Brussels"'
        ],
        id="unknown-time-zone",
    ),
    pytest.param(
        """\
        website: www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours: {mon-fri: "08:00-20:00"}
        helpdesks:
          - id: voorkempen
            name: Vaccinatiecentrum Voorkempen
            municipalities: [Brecht]
            numbers: ["033100100"]
            hours: {mon-fri: "09:00-16:00"}
        """,
        [
            'helpdesk.yaml:9: helpdesks[0].numbers[0]: "033100100" is not a phone number in E.164 form '
            'like "+3233100100"'
        ],
        id="number-not-e164",
    ),
    pytest.param(
        """\
        website: www.laatjevaccineren.be
        central:
          number: +3227138700
          hours: {mon-fri: "08:00-20:00"}
        helpdesks:
          - id: voorkempen
            name: Vaccinatiecentrum Voorkempen
            municipalities: [Brecht]
            numbers: ["+3233100100"]
            hours: {mon-fri: "09:00-16:00"}
        """,
        ['helpdesk.yaml:3: central.number: write phone numbers in quotes, like "+3233100100"'],
        id="number-without-quotes",
    ),
    pytest.param(
        """\
        website: www.laatjevaccineren.be
        helpdesks:
          - id: voorkempen
            name: Vaccinatiecentrum Voorkempen
            municipalities: [Brecht]
            numbers: ["+3233100100"]
            hours: {mon-fri: "09:00-16:00"}
        """,
        ["helpdesk.yaml:1: central: is required"],
        id="missing-central",
    ),
    pytest.param(
        """\
        website: www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours: {mon-fri: "08:00-20:00"}
        helpdesks:
          - id: voorkempen
            municipalities: [Brecht]
            numbers: ["+3233100100"]
            hours: {mon-fri: "09:00-16:00"}
        """,
        ["helpdesk.yaml:6: helpdesks[0].name: is required"],
        id="missing-key-in-list-item",
    ),
    pytest.param(
        """\
        website: www.laatjevaccineren.be
        central:
          hours: {mon-fri: "08:00-20:00"}
        helpdesks:
          - id: voorkempen
            name: Vaccinatiecentrum Voorkempen
            municipalities: [Brecht]
            numbers: ["+3233100100"]
            hours: {mon-fri: "09:00-16:00"}
        """,
        ["helpdesk.yaml:2: central.number: is required"],
        id="missing-key-in-mapping",
    ),
    pytest.param(
        """\
        website: www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours: {mon-fri: "08:00-20:00"}
        helpdesks:
          - id: voorkempen
            name: Vaccinatiecentrum Voorkempen
            municipalities: [Brecht]
            numbers: ["+3233100100"]
            hours: {mon-fri: "09:00-16:00"}
            exceptions:
              "2026-02-30": closed
              2026-02-31: closed
            holidays:
              country: BE
              extra: ["2026-02-29", 2026-04-31]
        """,
        [
            'helpdesk.yaml:12: helpdesks[0].exceptions.2026-02-30: "2026-02-30" is not a date '
            'like "2026-12-24"',
            'helpdesk.yaml:13: helpdesks[0].exceptions.2026-02-31: "2026-02-31" is not a date '
            'like "2026-12-24"',
            'helpdesk.yaml:16: helpdesks[0].holidays.extra[0]: "2026-02-29" is not a date like "2026-12-24"',
            'helpdesk.yaml:16: helpdesks[0].holidays.extra[1]: "2026-04-31" is not a date like "2026-12-24"',
        ],
        id="impossible-dates-quoted-or-not",
    ),
    pytest.param(
        """\
        website: www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours: {mon-fri: "08:00-20:00"}
        helpdesks:
          - id: voorkempen
            name: Vaccinatiecentrum Voorkempen
            municipalities: [Brecht]
            numbers: ["+3233100100"]
            hours: {mon-fri: "09:00-16:00"}
            exceptions:
              24-12-2026: closed
        """,
        [
            'helpdesk.yaml:12: helpdesks[0].exceptions.24-12-2026: "24-12-2026" is not a date '
            'like "2026-12-24"'
        ],
        id="date-in-other-order",
    ),
    pytest.param(
        """\
        website: www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours: {mon-fri: "08:00-20:00"}
        helpdesks:
          - id: voorkempen
            name: Vaccinatiecentrum Voorkempen
            municipalities: [Brecht]
            numbers: ["+3233100100"]
            hours: {mon-fri: "09:00-16:00"}
            queue:
              lines_per_agent: 0
              overflow_after: 7200
        """,
        [
            "helpdesk.yaml:12: helpdesks[0].queue.lines_per_agent: must be at least 1",
            "helpdesk.yaml:13: helpdesks[0].queue.overflow_after: must be at most 3600",
        ],
        id="numbers-out-of-bounds",
    ),
    pytest.param(
        """\
        website: www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours: {mon-fri: "08:00-20:00"}
        helpdesks:
          - id: voorkempen
            name: Vaccinatiecentrum Voorkempen
            municipalities: [Brecht]
            numbers: ["+3233100100"]
            hours: {mon-fri: "09:00-16:00"}
            agent_line:
              wait_for_caller: 300
        """,
        [
            "helpdesk.yaml:12: helpdesks[0].agent_line.wait_for_caller: must be at most 55, so that a"
            " waiting agent's menu comes back within a minute (Twilio adds 5 s)"
        ],
        id="agent-waits-longer-than-a-minute",
    ),
    pytest.param(
        """\
        website: www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours: {mon-fri: "08:00-20:00"}
        helpdesks:
          - id: voorkempen
            name: 5
            municipalities: Brecht
            numbers: ["+3233100100"]
            hours: {mon-fri: "09:00-16:00"}
            queue:
              announce_every: soon
              min_agents: "2"
              overflow_after: 180.5
        """,
        [
            "helpdesk.yaml:7: helpdesks[0].name: must be text",
            "helpdesk.yaml:8: helpdesks[0].municipalities: must be a list",
            "helpdesk.yaml:12: helpdesks[0].queue.announce_every: must be a whole number",
            "helpdesk.yaml:13: helpdesks[0].queue.min_agents: must be a whole number",
            "helpdesk.yaml:14: helpdesks[0].queue.overflow_after: must be a whole number",
        ],
        id="wrong-types",
    ),
    pytest.param(
        """\
        website: www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours: {mon-fri: "08:00-20:00"}
        helpdesks:
          - id: voorkempen
            name: Vaccinatiecentrum Voorkempen
            municipalities: [Brecht]
            numbers: ["+3233100100"]
            hours: {mon-fri: "09:00-16:00"}
            queue: 4
            when_closed: route-to-central
        """,
        [
            "helpdesk.yaml:11: helpdesks[0].queue: must be a mapping of keys and values",
            'helpdesk.yaml:12: helpdesks[0].when_closed: must be "route_to_central" or "closing_message"',
        ],
        id="wrong-mapping-and-choice",
    ),
    pytest.param(
        """\
        website: www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours: {mon-fri: "08:00-20:00"}
        helpdesks:
          - id: Voorkempen
            name: ""
            municipalities: []
            numbers: ["+3233100100"]
            hours: {mon-fri: "09:00-16:00"}
        """,
        [
            'helpdesk.yaml:6: helpdesks[0].id: "Voorkempen" is not a helpdesk id; '
            'use up to 40 lowercase letters, digits and "-", like "voorkempen"',
            "helpdesk.yaml:7: helpdesks[0].name: must not be empty",
            "helpdesk.yaml:8: helpdesks[0].municipalities: must not be empty",
        ],
        id="id-and-empty-values",
    ),
    pytest.param(
        """\
        website: www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours: {mon-fri: "08:00-20:00"}
        helpdesks:
          - id: voorkempen
            name: Vaccinatiecentrum Voorkempen
            municipalities: [Brecht]
            numbers: ["+3233100100"]
            hours: {mon-fri: "09:00-16:00"}
            holidays:
              country: XX
        """,
        ['helpdesk.yaml:11: helpdesks[0].holidays: unknown country "XX"'],
        id="unknown-holiday-country",
    ),
    pytest.param(
        """\
        website: www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours:
            mon-fri: "08:00-20:00"
            mon-fri: "09:00-20:00"
        helpdesks: []
        """,
        [
            'helpdesk.yaml:6: central.hours.mon-fri: duplicate key "mon-fri"',
            "helpdesk.yaml:7: helpdesks: must not be empty",
        ],
        id="duplicate-key",
    ),
    pytest.param(
        """\
        website: www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours: {mon-fri: "08:00-20:00"}
        helpdesks:
          - id: voorkempen
            name: Vaccinatiecentrum Voorkempen
            municipalities: [Brecht]
            numbers: ["+3233100100"]
            hours: {mon-fri: "09:00-16:00"}
            exceptions:
              2026-12-24: closed
              "2026-12-24": "09:00-12:00"
        """,
        ['helpdesk.yaml:13: helpdesks[0].exceptions.2026-12-24: duplicate key "2026-12-24"'],
        id="duplicate-date-quoted-and-not",
    ),
    pytest.param(
        """\
        website: www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours: {mon-fri: "08:00-20:00"
        helpdesks: []
        """,
        [
            "helpdesk.yaml:5: expected ',' or '}', but got '<scalar>' "
            "(while parsing a flow mapping that starts on line 4)"
        ],
        id="yaml-syntax",
    ),
    pytest.param(
        "website: x\ncentral:\n\tnumber: '+3227138700'\n",
        ["helpdesk.yaml:3: a tab cannot indent YAML; use spaces"],
        id="yaml-tab",
    ),
    pytest.param(
        "# nothing configured yet\n",
        ["helpdesk.yaml:1: the file is empty"],
        id="empty-file",
    ),
    pytest.param(
        "- website\n- central\n",
        ["helpdesk.yaml:1: must be a mapping of keys and values"],
        id="list-instead-of-mapping",
    ),
    pytest.param(
        """\
        website: !url www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours: {mon-fri: "08:00-20:00"}
        helpdesks:
          - id: voorkempen
            name: Vaccinatiecentrum Voorkempen
            municipalities: [Brecht]
            numbers: ["+3233100100"]
            hours: {mon-fri: "09:00-16:00"}
        """,
        ['helpdesk.yaml:1: website: the tag "!url" is not supported'],
        id="unknown-tag",
    ),
    pytest.param(
        """\
        website: www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours: {mon-fri: "08:00-20:00"}
        helpdesks:
          - id: voorkempen
            name: Vaccinatiecentrum Voorkempen
            municipalities: [Brecht]
            numbers: ["+3233100100"]
            hours: {mon-fri: "09:00-16:00"}
            queue:
              announce_wait: true
              announce_position: false
        """,
        [
            "helpdesk.yaml:11: helpdesks[0].queue: announce_wait needs announce_position: true "
            "(the estimate follows the place in the queue)",
        ],
        id="estimate-without-position",
    ),
    pytest.param(
        """\
        website: www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours: {mon-fri: "08:00-20:00"}
        helpdesks:
          - id: voorkempen
            name: Vaccinatiecentrum Voorkempen
            municipalities: [Brecht]
            numbers: ["+3233100100"]
            hours: {mon-fri: "09:00-16:00"}
            queue: {announce_position: "ja"}
            messages:
              queue_position: {audio: "https://media.example.org/plaats.mp3"}
              expected_wait: "Nog {position}."
        """,
        [
            "helpdesk.yaml:11: helpdesks[0].queue.announce_position: must be true or false",
            "helpdesk.yaml:13: helpdesks[0].messages.queue_position: queue_position is said with the "
            "caller's own numbers: give a text, not audio",
            "helpdesk.yaml:14: helpdesks[0].messages.expected_wait: {position} may only be used in "
            "queue_position",
        ],
        id="standing-options-and-messages",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_problem_is_reported_with_line_and_path(text: str, expected: list[str]) -> None:
    assert errors_of(text) == expected


def test_every_problem_is_reported_at_once_in_file_order() -> None:
    text = """\
        timezone: Europe/Brusels
        website: www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours:
            mon-fri: "08:00-20:00"
        helpdesks:
          - id: voorkempen
            name: Vaccinatiecentrum Voorkempen
            municipalities: [Brecht, Malle]
            numbers: ["+3233100100", "033100100"]
            hours:
              mon-fri: "9-16"
              sun: "22:00-02:00"
            exceptions:
              2026-02-30: closed
            queue:
              annouce_every: 60
              lines_per_agent: 0
            messages:
              welcome: "Welkom in {gemeente}."
          - id: kempen-zuid
            name: Vaccinatiecentrum Kempen Zuid
            municipalities: [Herentals]
            numbers: ["+3233100100"]
            hours:
              mon-fry: "09:00-16:00"
        """
    assert errors_of(text) == [
        'helpdesk.yaml:1: timezone: unknown time zone "Europe/Brusels"; '
        'use an IANA name like "Europe/Brussels"',
        'helpdesk.yaml:11: helpdesks[0].numbers[1]: "033100100" is not a phone number in E.164 form '
        'like "+3233100100"',
        'helpdesk.yaml:13: helpdesks[0].hours.mon-fri: "9-16" is not a range like "09:00-16:00"',
        'helpdesk.yaml:14: helpdesks[0].hours.sun: "22:00-02:00" crosses midnight or ends before it starts; '
        'split it into "22:00-24:00" and "00:00-02:00" on the next day',
        'helpdesk.yaml:16: helpdesks[0].exceptions.2026-02-30: "2026-02-30" is not a date like "2026-12-24"',
        'helpdesk.yaml:18: helpdesks[0].queue.annouce_every: unknown key "annouce_every"',
        "helpdesk.yaml:19: helpdesks[0].queue.lines_per_agent: must be at least 1",
        "helpdesk.yaml:21: helpdesks[0].messages.welcome: unknown placeholder {gemeente}; use one of "
        "{break_key}, {central_number}, {escalate_key}, {helpdesk_name}, {municipalities}, "
        "{opening_hours}, "
        "{outbound_key}, {resume_key}, "
        "{website}",
        'helpdesk.yaml:25: helpdesks[1].numbers[0]: "+3233100100" is already used by helpdesks[0].numbers',
        'helpdesk.yaml:27: helpdesks[1].hours.mon-fry: unknown day key "mon-fry"; '
        "use mon, tue, wed, thu, fri, sat, sun, a span like mon-fri, or holidays",
    ]
