"""Hold music served by the app, cut to the exact length of each waitUrl document.

A waitUrl document must end on the next announcement boundary (PRODUCT.md: no drift), so the
music is sliced to whole seconds; the slice continues where the previous one stopped.
"""

from __future__ import annotations

import io
import math
import wave
from dataclasses import dataclass, field
from pathlib import Path

from config import HelpdeskConfig

MAX_SLICE_SECONDS = 3600


@dataclass(frozen=True)
class Track:
    channels: int
    sample_width: int
    frame_rate: int
    frames: bytes

    @property
    def frame_size(self) -> int:
        return self.channels * self.sample_width

    @property
    def seconds(self) -> int:
        return max(1, len(self.frames) // (self.frame_size * self.frame_rate))

    def slice(self, start: int, seconds: int) -> bytes:
        """WAV bytes of ``seconds`` of music from ``start``, looping over the end of the track."""
        per_second = self.frame_size * self.frame_rate
        wanted = seconds * per_second
        begin = (start % self.seconds) * per_second
        loops = math.ceil((begin + wanted) / len(self.frames)) + 1
        data = (self.frames * loops)[begin : begin + wanted]
        out = io.BytesIO()
        with wave.open(out, "wb") as writer:
            writer.setnchannels(self.channels)
            writer.setsampwidth(self.sample_width)
            writer.setframerate(self.frame_rate)
            writer.writeframes(data)
        return out.getvalue()


def read_track(path: Path) -> Track:
    with wave.open(str(path), "rb") as reader:
        return Track(
            channels=reader.getnchannels(),
            sample_width=reader.getsampwidth(),
            frame_rate=reader.getframerate(),
            frames=reader.readframes(reader.getnframes()),
        )


@dataclass(frozen=True)
class HoldMusic:
    """The hold-music tracks and local audio prompts of one loaded config."""

    base_dir: Path
    tracks: dict[str, Track] = field(default_factory=dict)
    # Local audio messages: the file as it is, and its length rounded up to whole seconds.
    audio: dict[str, tuple[bytes, int]] = field(default_factory=dict)

    @classmethod
    def load(cls, config: HelpdeskConfig, base_dir: Path) -> HoldMusic:
        tracks = {
            desk.id: read_track(base_dir / desk.hold_music) for desk in config.helpdesks if desk.hold_music
        }
        audio = {
            override.audio: _audio_file(base_dir / override.audio)
            for desk in config.helpdesks
            for override in desk.messages.values()
            if override.audio and not override.audio.startswith(("http://", "https://"))
        }
        return cls(base_dir=base_dir, tracks=tracks, audio=audio)

    def offset(self, helpdesk_id: str, queue_time: int) -> int:
        track = self.tracks.get(helpdesk_id)
        return queue_time % track.seconds if track else 0

    def audio_seconds(self, url: str) -> int:
        _, seconds = self.audio.get(url, (b"", 0))
        return seconds


def _audio_file(path: Path) -> tuple[bytes, int]:
    track = read_track(path)
    return path.read_bytes(), math.ceil(len(track.frames) / (track.frame_size * track.frame_rate))
