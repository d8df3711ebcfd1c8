"""The shipped hold music is the output of its generator script, in a format Twilio plays on a phone line."""

from __future__ import annotations

import importlib.util
import struct
import wave
from pathlib import Path
from types import ModuleType

import config

MEDIA = Path(config.__file__).parent / "media"


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_hold_music", MEDIA / "make_hold_music.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_file_is_reproduced_by_the_generator(tmp_path: Path) -> None:
    target = tmp_path / "hold-music.wav"
    generator().write(target)
    assert target.read_bytes() == (MEDIA / "hold-music.wav").read_bytes()


def test_shipped_file_is_telephone_quality_pcm_of_thirty_seconds() -> None:
    path = MEDIA / "hold-music.wav"
    with wave.open(str(path), "rb") as wav:
        shape = (wav.getnchannels(), wav.getsampwidth(), wav.getframerate(), wav.getnframes())
        frames = wav.readframes(wav.getnframes())
    assert shape == (1, 2, 8000, 240_000)
    assert path.stat().st_size < 600_000
    samples = struct.unpack(f"<{len(frames) // 2}h", frames)
    # Quiet enough to sit under speech, silent at both ends so that a loop does not click.
    assert max(abs(sample) for sample in samples) < 0.35 * 32767
    assert samples[0] == 0
    assert max(abs(sample) for sample in samples[-80:]) < 50
