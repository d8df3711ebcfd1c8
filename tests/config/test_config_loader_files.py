"""Loading the shipped example, media files next to the config, and YAML features operators may use."""

from __future__ import annotations

import datetime as dt
import math
import struct
import textwrap
import wave
from pathlib import Path

import pytest

import config
from config import Central, ConfigError, Helpdesk, Holidays, QueueSettings, Voice, load_config, parse_config
from messages import MessageOverride
from schedules import TimeRange

EXAMPLE = Path(config.__file__).parent / "helpdesk.yaml"


def hours(*ranges: tuple[int, int]) -> tuple[TimeRange, ...]:
    return tuple(TimeRange(start, end) for start, end in ranges)


def test_shipped_example_loads_with_the_values_of_the_file() -> None:
    loaded = load_config(EXAMPLE)

    assert loaded.timezone == "Europe/Brussels"
    assert loaded.website == "www.laatjevaccineren.be"
    assert loaded.voice == Voice(language="nl-BE", voice="Google.nl-BE-Standard-A")
    assert loaded.central == Central(
        number="+3227138700",
        hours={
            "mon-fri": hours((8 * 60, 20 * 60)),
            "sat-sun": hours((10 * 60, 18 * 60)),
            "holidays": hours((10 * 60, 18 * 60)),
        },
        holidays=Holidays(country="BE"),
    )
    assert loaded.base_dir == EXAMPLE.parent
    assert loaded.helpdesks == (
        Helpdesk(
            id="voorkempen",
            name="Vaccinatiecentrum Voorkempen",
            municipalities=("Brecht", "Malle", "Schilde", "Zoersel"),
            numbers=("+3233100100",),
            agent_numbers=("+3233100199",),
            hours={
                "mon-fri": hours((9 * 60, 16 * 60)),
                "sat": hours((9 * 60, 12 * 60)),
                "sun": (),
                "holidays": (),
            },
            holidays=Holidays(
                country="BE", subdivision="Flemish", language="nl", extra=(dt.date(2026, 7, 11),)
            ),
            exceptions={dt.date(2026, 12, 24): hours((9 * 60, 12 * 60)), dt.date(2026, 12, 31): ()},
            when_closed="route_to_central",
            overflow="route",
            queue=QueueSettings(announce_every=60, overflow_after=180, lines_per_agent=4, min_agents=2),
            hold_music="media/hold-music.wav",
        ),
        Helpdesk(
            id="kempen-zuid",
            name="Vaccinatiecentrum Kempen Zuid",
            municipalities=("Herentals",),
            numbers=("+3214200200",),
            agent_numbers=("+3214200299",),
            hours={
                "mon-fri": hours((9 * 60, 12 * 60 + 30), (13 * 60 + 30, 17 * 60)),
                "sat-sun": (),
                "holidays": (),
            },
            holidays=Holidays(country="BE"),
            when_closed="closing_message",
            overflow="route",
            messages={
                "welcome": MessageOverride(
                    text="Welkom bij de vaccinatiehelpdesk van {municipalities}. "
                    "Houd uw uitnodigingsbrief met uw vaccinatiecode bij de hand."
                )
            },
        ),
    )
    # Defaults the example leaves out.
    assert loaded.helpdesks[1].queue == QueueSettings(
        announce_every=60,
        overflow_after=180,
        lines_per_agent=4,
        min_agents=2,
        short_abandon=5,
        service_level_s=60,
    )
    assert loaded.media_path("media/hold-music.wav") == EXAMPLE.parent / "media" / "hold-music.wav"


def test_load_config_names_the_file_as_given(tmp_path: Path) -> None:
    path = tmp_path / "helpdesk.yaml"
    path.write_text("website: www.laatjevaccineren.be\nhelpdesks: []\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.errors == (
        f"{path}:1: central: is required",
        f"{path}:2: helpdesks: must not be empty",
    )


def test_load_config_refuses_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.errors == (f"{path}: cannot read the file: No such file or directory",)


def test_load_config_refuses_text_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "helpdesk.yaml"
    path.write_bytes(b"website: x\ncentral:\n  number: caf\xe9\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.errors == (f"{path}:3: the file is not UTF-8 text",)


def write_wav(path: Path, frames: int) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        samples = [round(8000 * math.sin(2 * math.pi * 440 * n / 8000)) for n in range(frames)]
        wav.writeframes(struct.pack(f"<{frames}h", *samples))


def desk_with(extra: str) -> str:
    return textwrap.dedent(
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
        """
    ) + textwrap.indent(textwrap.dedent(extra), "    ")


def test_hold_music_relative_to_the_config_folder_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "media").mkdir()
    write_wav(tmp_path / "media" / "wacht.wav", 800)
    loaded = parse_config(desk_with("hold_music: media/wacht.wav\n"), "helpdesk.yaml", tmp_path)
    assert loaded.helpdesks[0].hold_music == "media/wacht.wav"
    assert loaded.media_path("media/wacht.wav") == tmp_path / "media" / "wacht.wav"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(None, 'hold music "media/wacht.wav" does not exist in {dir}', id="missing"),
        pytest.param(
            b"ID3\x04not a wave file", 'hold music "media/wacht.wav" is not a PCM WAV file', id="mp3"
        ),
        pytest.param(b"", 'hold music "media/wacht.wav" is not a PCM WAV file', id="empty-file"),
        pytest.param("no-frames", 'hold music "media/wacht.wav" holds no sound', id="no-sound"),
    ],
)
def test_hold_music_must_be_a_readable_pcm_wav(
    tmp_path: Path, content: bytes | str | None, expected: str
) -> None:
    (tmp_path / "media").mkdir()
    target = tmp_path / "media" / "wacht.wav"
    if content == "no-frames":
        write_wav(target, 0)
    elif isinstance(content, bytes):
        target.write_bytes(content)
    with pytest.raises(ConfigError) as caught:
        parse_config(desk_with("hold_music: media/wacht.wav\n"), "helpdesk.yaml", tmp_path)
    assert caught.value.errors == (
        f"helpdesk.yaml:11: helpdesks[0].hold_music: {expected.format(dir=tmp_path)}",
    )


def test_relative_audio_override_must_exist(tmp_path: Path) -> None:
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "welkom.mp3").write_bytes(b"ID3")
    text = desk_with(
        """\
        messages:
          welcome: {audio: media/welkom.mp3}
          wait: {audio: "https://media.example.be/wacht.mp3"}
          closing:
            audio: media/gesloten.mp3
        """
    )
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "helpdesk.yaml", tmp_path)
    assert caught.value.errors == (
        f'helpdesk.yaml:15: helpdesks[0].messages.closing.audio: audio file "media/gesloten.mp3" '
        f"does not exist in {tmp_path}",
    )


def test_audio_override_files_that_exist_load(tmp_path: Path) -> None:
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "welkom.mp3").write_bytes(b"ID3")
    text = desk_with("messages:\n  welcome: {audio: media/welkom.mp3}\n")
    loaded = parse_config(text, "helpdesk.yaml", tmp_path)
    assert loaded.helpdesks[0].messages == {"welcome": MessageOverride(audio="media/welkom.mp3")}


def test_files_are_checked_even_when_other_parts_are_invalid(tmp_path: Path) -> None:
    text = desk_with("hold_music: media/wacht.wav\nqueue: {lines_per_agent: 0}\n")
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "helpdesk.yaml", tmp_path)
    assert caught.value.errors == (
        f'helpdesk.yaml:11: helpdesks[0].hold_music: hold music "media/wacht.wav" '
        f"does not exist in {tmp_path}",
        "helpdesk.yaml:12: helpdesks[0].queue.lines_per_agent: must be at least 1",
    )


def test_anchors_and_merge_keys_share_hours_between_helpdesks() -> None:
    text = textwrap.dedent(
        """\
        website: www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours: {mon-fri: "08:00-20:00"}
        helpdesks:
          - &voorkempen
            id: voorkempen
            name: Vaccinatiecentrum Voorkempen
            municipalities: [Brecht]
            numbers: ["+3233100100"]
            hours: &office {mon-fri: "09:00-16:00", sat: closed}
          - <<: *voorkempen
            id: kempen-zuid
            name: Vaccinatiecentrum Kempen Zuid
            numbers: ["+3214200200"]
            exceptions: {2026-12-24: "09:00-12:00"}
        """
    )
    loaded = parse_config(text, "helpdesk.yaml", Path())
    first, second = loaded.helpdesks
    assert (second.id, second.name, second.municipalities, second.numbers) == (
        "kempen-zuid",
        "Vaccinatiecentrum Kempen Zuid",
        ("Brecht",),
        ("+3214200200",),
    )
    assert second.hours == first.hours == {"mon-fri": hours((9 * 60, 16 * 60)), "sat": ()}
    assert second.exceptions == {dt.date(2026, 12, 24): hours((9 * 60, 12 * 60))}


def test_problem_inside_a_merged_mapping_points_at_the_merged_line() -> None:
    text = textwrap.dedent(
        """\
        website: www.laatjevaccineren.be
        central:
          number: "+3227138700"
          hours: {mon-fri: "08:00-20:00"}
        helpdesks:
          - &voorkempen
            id: voorkempen
            name: Vaccinatiecentrum Voorkempen
            municipalities: [Brecht]
            numbers: ["+3233100100"]
            hours: {mon-fri: "09:00-16:00"}
          - <<: *voorkempen
            id: kempen-zuid
        """
    )
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "helpdesk.yaml", Path())
    assert caught.value.errors == (
        'helpdesk.yaml:10: helpdesks[1].numbers[0]: "+3233100100" is already used by helpdesks[0].numbers',
    )


def test_alias_to_its_own_container_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config("website: &loop [*loop]\n", "helpdesk.yaml", Path())
    assert (
        caught.value.errors[0]
        == "helpdesk.yaml:1: website[0]: an alias may not refer to a value that contains it"
    )
