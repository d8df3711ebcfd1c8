"""``ivr contact-card --helpdesk ID``: the card in Dutch, from ``--config`` or ``IVR_CONFIG``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cli.main import main
from config import load_config
from routing.contact_card import contact_card
from tests.routing.test_contact_card import CONFIG, EXPECTED

EMAIL_LINE = "E-mailadres (alleen voor de centrale helpdesk, niet voor burgers): vaccinatie@herentals.be"


def _beside_the_media(folder: Path, text: str) -> Path:
    """A config file with ``text`` in ``folder``, where its hold music is found."""
    (folder / "media").symlink_to(CONFIG.parent / "media", target_is_directory=True)
    path = folder / "helpdesk.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("desk_id", list(EXPECTED), ids=list(EXPECTED))
def test_prints_the_card_word_for_word(
    desk_id: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IVR_CONFIG", str(CONFIG))
    assert main(["contact-card", "--helpdesk", desk_id, "--from", "2026-12-01"]) == 0
    out = capsys.readouterr()
    assert out.out == EXPECTED[desk_id] + "\n"
    assert out.err == ""


def test_the_config_option_wins_over_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = CONFIG.read_text(encoding="utf-8").replace(
        "    municipalities: [Herentals]\n",
        "    municipalities: [Herentals]\n    email: vaccinatie@herentals.be\n",
    )
    path = _beside_the_media(tmp_path, text)
    monkeypatch.setenv("IVR_CONFIG", str(tmp_path / "missing.yaml"))
    assert (
        main(["contact-card", "--helpdesk", "kempen-zuid", "--config", str(path), "--from", "2026-12-01"])
        == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        EMAIL_LINE if line.startswith("E-mailadres") else line
        for line in EXPECTED["kempen-zuid"].splitlines()
    ]


def test_without_from_the_special_days_start_today(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IVR_CONFIG", str(CONFIG))
    assert main(["contact-card", "--helpdesk", "voorkempen"]) == 0
    config = load_config(CONFIG)
    desk = config.helpdesk("voorkempen")
    assert desk is not None
    today = dt.datetime.now(dt.UTC).astimezone(config.zone).date()
    assert capsys.readouterr().out == contact_card(config, desk, today).text + "\n"


def test_an_unknown_helpdesk_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IVR_CONFIG", str(CONFIG))
    assert main(["contact-card", "--helpdesk", "nergens"]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err == "unknown helpdesk 'nergens'; this file has: voorkempen, kempen-zuid\n"


def test_a_bad_config_is_refused_with_its_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = CONFIG.read_text(encoding="utf-8").replace(
        "    municipalities: [Herentals]\n",
        "    municipalities: [Herentals]\n    email: vaccinatie-herentals\n",
    )
    path = _beside_the_media(tmp_path, text)
    assert main(["contact-card", "--helpdesk", "kempen-zuid", "--config", str(path)]) == 1
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.splitlines() == [
        f'{path}:51: helpdesks[1].email: "vaccinatie-herentals" is not an e-mail address like '
        '"vaccinatie@voorkempen.be"',
        f"{path}: 1 error(s); fix the config first",
    ]


def test_the_helpdesk_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["contact-card"])
    assert exited.value.code == 2
    assert "the following arguments are required: --helpdesk" in capsys.readouterr().err
