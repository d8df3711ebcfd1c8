"""Regenerate ``hold-music.wav``: a calm, synthesized tune for callers waiting in the queue.

The tune is written from scratch (soft sine chords under a slow bell-like arpeggio), so it carries
no third-party rights. Telephone audio is narrow-band, hence 8 kHz, 16-bit PCM, mono; the ends fade
in and out so that the file loops without a click when Twilio plays it repeatedly.

Run ``python config/media/make_hold_music.py`` to rewrite the file beside this script.
"""

from __future__ import annotations

import math
import struct
import sys
import wave
from pathlib import Path

RATE = 8000
SECONDS_PER_CHORD = 3.75
FADE_IN_S = 1.0
FADE_OUT_S = 2.5
PEAK = 0.32  # of full scale: quiet enough to sit under the spoken wait messages

# I - vi - IV - V in C major, played twice: 8 chords x 3.75 s = 30 s.
_PROGRESSION: tuple[tuple[str, tuple[float, ...]], ...] = (
    ("C", (261.63, 329.63, 392.00)),
    ("Am", (220.00, 261.63, 329.63)),
    ("F", (174.61, 220.00, 261.63)),
    ("G", (196.00, 246.94, 293.66)),
) * 2

_ARPEGGIO_STEP_S = SECONDS_PER_CHORD / 6


def _pad(t: float, chord: tuple[float, ...], into_chord: float) -> float:
    """Sustained chord: pure sines with a slow swell so chord changes are smooth."""
    swell = min(1.0, into_chord / 0.6) * min(1.0, (SECONDS_PER_CHORD - into_chord) / 0.6)
    tone = sum(math.sin(2 * math.pi * f * t) + 0.25 * math.sin(2 * math.pi * 2 * f * t) for f in chord)
    return 0.18 * swell * tone / len(chord)


def _bell(t: float, chord: tuple[float, ...], into_chord: float) -> float:
    """Arpeggio an octave up: each note starts softly and decays like a struck bell."""
    step = int(into_chord / _ARPEGGIO_STEP_S)
    pattern = (0, 1, 2, 1, 0, 2)
    frequency = 2 * chord[pattern[step % len(pattern)]]
    since = into_chord - step * _ARPEGGIO_STEP_S
    envelope = min(1.0, since / 0.02) * math.exp(-since * 2.2)
    return 0.22 * envelope * math.sin(2 * math.pi * frequency * t)


def samples() -> list[int]:
    total = round(len(_PROGRESSION) * SECONDS_PER_CHORD * RATE)
    out: list[int] = []
    for n in range(total):
        t = n / RATE
        index = min(int(t / SECONDS_PER_CHORD), len(_PROGRESSION) - 1)
        chord = _PROGRESSION[index][1]
        into_chord = t - index * SECONDS_PER_CHORD
        fade = min(1.0, t / FADE_IN_S, (total / RATE - t) / FADE_OUT_S)
        value = PEAK * fade * (_pad(t, chord, into_chord) + _bell(t, chord, into_chord)) / 0.4
        out.append(max(-32767, min(32767, round(value * 32767))))
    return out


def write(path: Path) -> None:
    data = samples()
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(struct.pack(f"<{len(data)}h", *data))


def main(argv: list[str]) -> int:
    target = Path(argv[1]) if len(argv) > 1 else Path(__file__).with_name("hold-music.wav")
    write(target)
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
