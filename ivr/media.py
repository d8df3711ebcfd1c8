"""Hold music served by the app, cut to the exact length of each waitUrl document.

A waitUrl document must end on its planned ``QueueTime`` (PRODUCT.md: no drift), so the music is
sliced to whole seconds; the slice continues where the previous one stopped. Music is converted
once, when the config loads, to telephone audio (8 kHz mono 16-bit PCM: Twilio transcodes to that
anyway), so a slice of a minute is under a megabyte whatever file the site supplied. Every media
URL carries a hash of its content (``v=``): Twilio caches media for up to a day, and a new file
must get a new URL.
"""

from __future__ import annotations

import hashlib
import io
import math
import threading
import time
import warnings
import wave
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import mutagen
import mutagen.mp3

from config import HelpdeskConfig, MediaError

# The longest slice anyone may ask for: announce_every's upper limit (the endpoint caps each
# helpdesk at its own announce_every).
MAX_SLICE_SECONDS = 600
RATE = 8000
WIDTH = 2  # bytes per sample: 16-bit
PER_SECOND = RATE * WIDTH
# Slices kept in memory per loaded config: a minute of telephone audio is 960 KB.
SLICE_CACHE_BYTES = 16 * 1024 * 1024
HASH_LENGTH = 12
# A remote wait message is fetched when the config loads: within this time and size.
REMOTE_AUDIO_TIMEOUT_S = 10.0
REMOTE_AUDIO_MAX_BYTES = 32 * 1024 * 1024


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:HASH_LENGTH]


def telephone_pcm(frames: bytes, channels: int, sample_width: int, frame_rate: int) -> bytes:
    """PCM ``frames`` of any WAV layout as 8 kHz mono 16-bit PCM."""
    # audioop is deprecated (gone in Python 3.13) and warns on import; it is the standard
    # library's one resampler, and converting a 3-minute 44.1 kHz stereo track takes ~0.4 s.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import audioop
    if sample_width == 1:
        frames = audioop.bias(frames, 1, -128)  # 8-bit WAV samples are unsigned
    if sample_width != WIDTH:
        frames = audioop.lin2lin(frames, sample_width, WIDTH)
    if channels == 2:
        frames = audioop.tomono(frames, WIDTH, 0.5, 0.5)
    elif channels > 2:
        frames = memoryview(frames).cast("h")[::channels].tobytes()  # the first channel
    if frame_rate != RATE:
        frames, _ = audioop.ratecv(frames, WIDTH, 1, frame_rate, RATE, None)
    return frames


@dataclass(frozen=True)
class Track:
    """Hold music as 8 kHz mono 16-bit PCM, and the hash of those samples."""

    frames: bytes
    version: str = ""

    @classmethod
    def of(cls, frames: bytes) -> Track:
        return cls(frames=frames, version=content_hash(frames))

    @property
    def seconds(self) -> int:
        return max(1, len(self.frames) // PER_SECOND)

    def slice(self, start: int, seconds: int) -> bytes:
        """WAV bytes of ``seconds`` of music from ``start``, looping over the end of the track."""
        wanted = seconds * PER_SECOND
        position = (start % self.seconds) * PER_SECOND % max(len(self.frames), 1)
        parts: list[bytes] = []
        left = wanted
        while left > 0 and self.frames:
            part = self.frames[position : position + left]
            parts.append(part)
            left -= len(part)
            position = 0
        out = io.BytesIO()
        with wave.open(out, "wb") as writer:
            writer.setnchannels(1)
            writer.setsampwidth(WIDTH)
            writer.setframerate(RATE)
            writer.writeframes(b"".join(parts))
        return out.getvalue()


def read_track(path: Path) -> Track:
    """A PCM WAV file, converted to telephone audio."""
    with wave.open(str(path), "rb") as reader:
        frames = reader.readframes(reader.getnframes())
        converted = telephone_pcm(frames, reader.getnchannels(), reader.getsampwidth(), reader.getframerate())
    return Track.of(converted)


class SliceCache:
    """Slices by (helpdesk, start, seconds), least recently used first out, ``max_bytes`` in all."""

    def __init__(self, max_bytes: int = SLICE_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.hits = 0
        self._slices: OrderedDict[tuple[str, int, int], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int, int]) -> bytes | None:
        with self._lock:
            data = self._slices.get(key)
            if data is not None:
                self._slices.move_to_end(key)
                self.hits += 1
            return data

    def put(self, key: tuple[str, int, int], data: bytes) -> None:
        if len(data) > self.max_bytes:
            return
        with self._lock:
            if key in self._slices:
                return
            self._slices[key] = data
            self.size += len(data)
            while self.size > self.max_bytes:
                _, dropped = self._slices.popitem(last=False)
                self.size -= len(dropped)

    def __len__(self) -> int:
        return len(self._slices)


@dataclass(frozen=True)
class AudioFile:
    """A local audio message: the file as it is, its length in whole seconds, its content hash."""

    data: bytes
    seconds: int
    version: str


@dataclass(frozen=True)
class HoldMusic:
    """The hold-music tracks and local audio prompts of one loaded config."""

    base_dir: Path
    tracks: dict[str, Track] = field(default_factory=dict)
    audio: dict[str, AudioFile] = field(default_factory=dict)
    # Remote audio messages measured when the config loaded: URL -> whole seconds.
    remote: dict[str, int] = field(default_factory=dict)
    slices: SliceCache = field(default_factory=SliceCache, compare=False, repr=False)

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
        remote = dict(config.remote_audio_seconds())
        return cls(base_dir=base_dir, tracks=tracks, audio=audio, remote=remote)

    def offset(self, helpdesk_id: str, queue_time: int) -> int:
        track = self.tracks.get(helpdesk_id)
        return queue_time % track.seconds if track else 0

    def slice(self, helpdesk_id: str, start: int, seconds: int) -> bytes | None:
        """``seconds`` of a helpdesk's music from ``start`` as WAV bytes (``None``: it has none)."""
        track = self.tracks.get(helpdesk_id)
        if track is None:
            return None
        key = (helpdesk_id, start % track.seconds, seconds)
        data = self.slices.get(key)
        if data is None:
            data = track.slice(key[1], seconds)
            self.slices.put(key, data)
        return data

    def audio_seconds(self, url: str) -> int:
        audio = self.audio.get(url)
        return audio.seconds if audio is not None else self.remote.get(url, 0)


def measure_remote_audio(
    url: str, *, timeout: float = REMOTE_AUDIO_TIMEOUT_S, max_bytes: int = REMOTE_AUDIO_MAX_BYTES
) -> int:
    """Fetch a WAV or MP3 file and answer its length in whole seconds (``config.MeasureAudio``).

    Whatever stops it (an HTTP error, a timeout, too large, not audio) is a :class:`MediaError`
    naming the URL, reported by the config loader at the line of the ``audio`` key.
    """
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    size = 0
    try:
        with httpx.stream("GET", url, timeout=timeout, follow_redirects=True) as response:
            if response.status_code != httpx.codes.OK:
                raise MediaError(f'audio "{url}" cannot be fetched: HTTP {response.status_code}')
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise MediaError(f'audio "{url}" is larger than {max_bytes / (1024 * 1024):g} MiB')
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout("deadline")
                chunks.append(chunk)
    except httpx.TimeoutException:
        raise MediaError(f'audio "{url}" cannot be fetched within {timeout:g} s') from None
    except httpx.HTTPError as exc:
        raise MediaError(f'audio "{url}" cannot be fetched: {exc}') from None
    seconds = audio_length(b"".join(chunks))
    if seconds is None:
        raise MediaError(f'audio "{url}" is not a WAV or MP3 file')
    if seconds <= 0:
        raise MediaError(f'audio "{url}" holds no sound')
    return math.ceil(seconds)


def audio_length(data: bytes) -> float | None:
    """Seconds of a WAV (its header) or MP3 (its frames; mutagen) file; ``None`` for anything else."""
    try:
        with wave.open(io.BytesIO(data), "rb") as reader:
            return reader.getnframes() / reader.getframerate()
    except (wave.Error, EOFError):
        pass
    if data.startswith((b"RIFF", b"<", b"{")):
        return None  # another RIFF format, or markup: an MP3 frame search could be fooled
    try:
        mp3: Any = mutagen.mp3.MP3(io.BytesIO(data))  # type: ignore[no-untyped-call]
        return float(mp3.info.length)
    except mutagen.MutagenError:
        return None


def _audio_file(path: Path) -> AudioFile:
    data = path.read_bytes()
    with wave.open(io.BytesIO(data), "rb") as reader:
        seconds = math.ceil(reader.getnframes() / reader.getframerate())
    return AudioFile(data=data, seconds=seconds, version=content_hash(data))
