"""A shared number's menu in the config: loaded as written, refused with ``file:line`` otherwise."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from config import HelpdeskConfig, load_config, parse_config
from tests.config.test_config_loader_errors import errors_of

ROOT = Path(__file__).resolve().parents[2]
ONE_TARGET = "give exactly one of helpdesk (a helpdesk id) or forward (a phone number)"

HEAD = """\
website: www.laatjevaccineren.be
central:
  number: "+3227138700"
  hours: {mon-fri: "08:00-20:00"}
helpdesks:
  - id: voorkempen
    name: Vaccinatiecentrum Voorkempen
    municipalities: [Brecht]
    numbers: ["+3233100100"]
    agent_numbers: ["+3233100199"]
    hours: {mon-fri: "09:00-16:00"}
menus:
"""


def menu_errors(menus: str) -> list[str]:
    return errors_of(HEAD + textwrap.dedent(menus))


def test_the_example_loads_with_its_menu() -> None:
    config = load_config(ROOT / "config" / "examples" / "choice-menu.yaml")
    [menu] = config.menus
    assert (menu.number, menu.retries, menu.default) == ("+3233100300", 2, "1")
    assert [(c.key, c.helpdesk, c.forward) for c in menu.choices] == [
        ("1", "voorkempen", None),
        ("2", None, "+3233100000"),
    ]
    assert config.menu("+3233100300") is menu


def test_the_shipped_configs_have_no_menu() -> None:
    assert load_config(ROOT / "config" / "helpdesk.yaml").menus == ()
    contract = ROOT.parent / "shared" / "spec" / "helpdesk.example.yaml"
    if not contract.exists():
        pytest.skip("the product contract is not next to the checkout")
    # Its media paths are those of config/helpdesk.yaml.
    assert parse_config(contract.read_text(encoding="utf-8"), str(contract), ROOT / "config").menus == ()


def test_keys_may_be_written_without_quotes() -> None:
    config = load_config_text(
        """\
          - number: "+3233100300"
            default: 1
            choices:
              - {key: 1, helpdesk: voorkempen}
              - {key: 0, forward: "+3233100000"}
        """
    )
    assert [choice.key for choice in config.menus[0].choices] == ["1", "0"]
    assert config.menus[0].default == "1"


def load_config_text(menus: str) -> HelpdeskConfig:
    return parse_config(HEAD + textwrap.dedent(menus), "helpdesk.yaml", Path())


CASES = [
    pytest.param(
        """\
          - number: "+3233100300"
            default: "1"
            choices:
              - {key: "1", helpdesk: voorkempn}
        """,
        ['helpdesk.yaml:16: menus[0].choices[0].helpdesk: unknown helpdesk "voorkempn"'],
        id="unknown-helpdesk",
    ),
    pytest.param(
        """\
          - number: "+3233100300"
            default: "1"
            choices:
              - {key: "1", helpdesk: voorkempen}
              - {key: "1", forward: "+3233100000"}
        """,
        ['helpdesk.yaml:17: menus[0].choices[1].key: key "1" is already used by choices[0]'],
        id="duplicate-key",
    ),
    pytest.param(
        """\
          - number: "+3233100300"
            default: "2"
            choices:
              - {key: "1", helpdesk: voorkempen}
        """,
        ['helpdesk.yaml:14: menus[0].default: "2" is not the key of one of the choices'],
        id="default-not-a-choice",
    ),
    pytest.param(
        """\
          - number: "+3233100100"
            default: "1"
            choices:
              - {key: "1", helpdesk: voorkempen}
          - number: "+3233100199"
            default: "1"
            choices:
              - {key: "1", helpdesk: voorkempen}
          - number: "+3227138700"
            default: "1"
            choices:
              - {key: "1", helpdesk: voorkempen}
        """,
        [
            'helpdesk.yaml:13: menus[0].number: "+3233100100" is already used by helpdesks[0].numbers',
            'helpdesk.yaml:17: menus[1].number: "+3233100199" is already used by helpdesks[0].agent_numbers',
            'helpdesk.yaml:21: menus[2].number: "+3227138700" is already used by central.number',
        ],
        id="number-used-elsewhere",
    ),
    pytest.param(
        """\
          - number: "+3233100300"
            default: "1"
            choices:
              - {key: "1", helpdesk: voorkempen}
          - number: "+3233100300"
            default: "1"
            choices:
              - {key: "1", helpdesk: voorkempen}
        """,
        ['helpdesk.yaml:17: menus[1].number: "+3233100300" is already used by menus[0].number'],
        id="two-menus-one-number",
    ),
    pytest.param(
        """\
          - number: "+3233100300"
            default: "1"
            retries: 6
            choices:
              - {key: "1", helpdesk: voorkempen, forward: "+3233100000"}
              - {key: "2"}
              - {key: "#", helpdesk: voorkempen}
              - {key: "3", words: [""], helpdesk: voorkempen}
        """,
        [
            "helpdesk.yaml:15: menus[0].retries: must be at most 5",
            f"helpdesk.yaml:17: menus[0].choices[0]: {ONE_TARGET}",
            f"helpdesk.yaml:18: menus[0].choices[1]: {ONE_TARGET}",
            'helpdesk.yaml:19: menus[0].choices[2].key: "#" is not a menu key; use one of "0" to "9"',
            "helpdesk.yaml:20: menus[0].choices[3].words[0]: must not be empty",
        ],
        id="bad-choices",
    ),
]


@pytest.mark.parametrize(("menus", "expected"), CASES)
def test_menu_errors_name_the_line(menus: str, expected: list[str]) -> None:
    assert menu_errors(menus) == expected
