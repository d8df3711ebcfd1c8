"""The audio files of simulated recordings: deterministic bytes, so that tests can compare them.

Twilio serves a recording as a WAV file by default and as MP3 with ``.mp3`` appended to its URL
(Twilio's ``<Record>`` page). The simulator's WAV is 8 kHz mono 16-bit PCM, the telephone
quality of a call: silence where nobody spoke, and where the caller spoke a noise drawn from the
recording's SID and words. Its MP3 is MPEG-2.5 Layer III at 8 kHz mono and 8 kbit/s, silent
frames of the same length: something an MP3 decoder reads, not an encoding of the WAV.
"""

from __future__ import annotations

import hashlib
import io
import math
import wave

SAMPLE_RATE = 8000
# MPEG-2.5 Layer III, no CRC; 8 kbit/s, 8000 Hz, no padding; mono. A frame holds 576 samples in
# 72 bytes (72 * bitrate / sample rate); side information and main data of zeros decode as silence.
_MP3_HEADER = bytes([0xFF, 0xE3, 0x18, 0xC0])
_MP3_FRAME_BYTES = 72
_MP3_FRAME_SAMPLES = 576


def wav(seconds: int, voiced: tuple[float, float] | None, seed: str) -> bytes:
    """``seconds`` of audio, voiced from ``voiced[0]`` to ``voiced[1]`` seconds (None: all silence)."""
    frames = seconds * SAMPLE_RATE
    pcm = bytearray(2 * frames)
    if voiced is not None:
        first = min(frames, round(voiced[0] * SAMPLE_RATE))
        last = min(frames, round(voiced[1] * SAMPLE_RATE))
        # One second of noise, repeated: cheap for long recordings, and still the same every run.
        noise = hashlib.shake_256(seed.encode()).digest(2 * SAMPLE_RATE)
        span = 2 * (last - first)
        pcm[2 * first : 2 * last] = (noise * math.ceil(span / len(noise) + 1))[:span]
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(SAMPLE_RATE)
        audio.writeframes(bytes(pcm))
    return buffer.getvalue()


def mp3(seconds: int) -> bytes:
    """``seconds`` of silent MP3 frames (the last frame may run a little over)."""
    count = math.ceil(seconds * SAMPLE_RATE / _MP3_FRAME_SAMPLES)
    frame = _MP3_HEADER + bytes(_MP3_FRAME_BYTES - len(_MP3_HEADER))
    return frame * count
