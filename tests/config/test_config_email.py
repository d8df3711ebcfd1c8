"""``helpdesks[].email`` (playbook 1.6): optional, a plain address, refused with ``file:line`` otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import parse_config
from tests.config.test_config_loader_errors import errors_of

SPEC_EXAMPLE = Path(__file__).resolve().parents[3] / "shared" / "spec" / "helpdesk.example.yaml"

FILE = """\
website: www.laatjevaccineren.be
central:
  number: "+3227138700"
  hours: {{mon-fri: "08:00-20:00"}}
helpdesks:
  - id: voorkempen
    name: Vaccinatiecentrum Voorkempen
    municipalities: [Brecht]
    numbers: ["+3233100100"]
    email: {email}
    hours: {{mon-fri: "09:00-16:00"}}
"""


@pytest.mark.parametrize(
    "email",
    [
        "vaccinatie@voorkempen.be",
        "helpdesk.vaccinatie@brecht.be",
        "Vaccinatie+Centrum_1@sub-domein.gemeente.vlaanderen",
        "a@b.cd",
    ],
)
def test_a_plain_address_loads(email: str) -> None:
    config = parse_config(FILE.format(email=email), "helpdesk.yaml", Path())
    assert config.helpdesks[0].email == email


def test_the_email_is_optional() -> None:
    text = FILE.format(email="unused").replace("    email: unused\n", "")
    assert parse_config(text, "helpdesk.yaml", Path()).helpdesks[0].email is None


@pytest.mark.skipif(
    not SPEC_EXAMPLE.exists(), reason="the product contract's example is not beside the checkout"
)
def test_the_contract_example_still_loads_without_emails() -> None:
    text = SPEC_EXAMPLE.read_text(encoding="utf-8")
    # Its hold music is the one shipped beside config/helpdesk.yaml.
    config = parse_config(text, SPEC_EXAMPLE.name, Path(__file__).resolve().parents[2] / "config")
    assert [desk.email for desk in config.helpdesks] == [None, None]


@pytest.mark.parametrize(
    "email",
    [
        pytest.param("vaccinatie@voorkempen", id="no-top-level-domain"),
        pytest.param("vaccinatie.voorkempen.be", id="no-at"),
        pytest.param('"vaccinatie@@voorkempen.be"', id="two-ats"),
        pytest.param('"vaccinatie @voorkempen.be"', id="space"),
        pytest.param('" vaccinatie@voorkempen.be"', id="leading-space"),
        pytest.param("vaccinatie..centrum@voorkempen.be", id="double-dot"),
        pytest.param(".vaccinatie@voorkempen.be", id="leading-dot"),
        pytest.param("vaccinatie.@voorkempen.be", id="dot-before-at"),
        pytest.param("vaccinatie@-voorkempen.be", id="label-starts-with-hyphen"),
        pytest.param("vaccinatie@voorkempen.b", id="one-letter-top-level-domain"),
        pytest.param("vaccinatie@voorkempen.be.", id="trailing-dot"),
        pytest.param('"Vaccinatie <vaccinatie@voorkempen.be>"', id="display-name"),
        pytest.param("vaccinatie@vóórkempen.be", id="non-ascii"),
        pytest.param("mailto:vaccinatie@voorkempen.be", id="mailto"),
        pytest.param(f"{'a' * 65}@voorkempen.be", id="local-part-too-long"),
        pytest.param(f"vaccinatie@{'a' * 250}.be", id="too-long"),
    ],
)
def test_anything_else_is_refused_at_its_line(email: str) -> None:
    shown = email.strip('"')
    assert errors_of(FILE.format(email=email)) == [
        f'helpdesk.yaml:10: helpdesks[0].email: "{shown}" is not an e-mail address like '
        '"vaccinatie@voorkempen.be"'
    ]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        pytest.param("12", "must be text", id="number"),
        pytest.param("[vaccinatie@voorkempen.be]", "must be text", id="list"),
        pytest.param('""', '"" is not an e-mail address like "vaccinatie@voorkempen.be"', id="empty"),
    ],
)
def test_other_values_are_refused_at_their_line(value: str, problem: str) -> None:
    assert errors_of(FILE.format(email=value)) == [f"helpdesk.yaml:10: helpdesks[0].email: {problem}"]
