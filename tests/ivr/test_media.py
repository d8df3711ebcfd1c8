"""Hold music and audio messages: telephone audio, versioned URLs, bounded slices and memory."""

from __future__ import annotations

import io
import math
import struct
import wave
from pathlib import Path

import pytest

from config import HelpdeskConfig
from ivr.media import AudioFile, HoldMusic, SliceCache, Track, content_hash, read_track
from ivr.twiml import Renderer
from routing import HoldInQueue
from tests.ivr.conftest import BASE, Line


def _wav(path: Path, *, rate: int, channels: int, width: int, seconds: float, hz: float = 440.0) -> Path:
    frames = bytearray()
    full = 2 ** (8 * width - 1) - 1
    for n in range(round(seconds * rate)):
        value = int(0.5 * full * math.sin(2 * math.pi * hz * n / rate))
        if width == 1:
            sample = struct.pack("<B", value + 128)
        elif width == 3:
            sample = value.to_bytes(3, "little", signed=True)
        else:
            sample = struct.pack({2: "<h", 4: "<i"}[width], value)
        frames += sample * channels
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(width)
        writer.setframerate(rate)
        writer.writeframes(bytes(frames))
    return path


@pytest.mark.parametrize(
    ("rate", "channels", "width"),
    [(44_100, 2, 2), (48_000, 1, 2), (16_000, 2, 3), (8000, 1, 1), (22_050, 1, 4), (8000, 1, 2)],
    ids=["cd-stereo", "48k-mono", "16k-stereo-24bit", "8k-8bit", "22k-32bit", "telephone-as-is"],
)
def test_music_is_converted_once_to_8khz_mono_16_bit(
    tmp_path: Path, rate: int, channels: int, width: int
) -> None:
    track = read_track(_wav(tmp_path / "music.wav", rate=rate, channels=channels, width=width, seconds=3))

    assert track.seconds == 3
    assert abs(len(track.frames) - 3 * 8000 * 2) <= 4  # the resampler may round by a sample
    assert max(abs(s) for s in memoryview(track.frames).cast("h")) > 8000  # the tone is still there
    with wave.open(io.BytesIO(track.slice(0, 2))) as audio:
        assert (audio.getframerate(), audio.getnchannels(), audio.getsampwidth(), audio.getnframes()) == (
            8000,
            1,
            2,
            16_000,
        )


def test_a_minute_of_cd_quality_music_is_under_a_megabyte(tmp_path: Path) -> None:
    track = read_track(_wav(tmp_path / "music.wav", rate=44_100, channels=2, width=2, seconds=61))
    assert len(track.slice(0, 60)) == 44 + 60 * 16_000  # 44.1 kHz stereo would be 10,584,044 bytes


def test_slices_loop_over_the_end_of_the_track() -> None:
    track = Track.of(bytes(range(256)) * 125)  # 32,000 bytes: 2 s
    with wave.open(io.BytesIO(track.slice(1, 3))) as audio:
        data = audio.readframes(audio.getnframes())
    assert data == track.frames[16_000:] + track.frames


def test_the_music_url_carries_the_content_hash(example_config: HelpdeskConfig) -> None:
    desk = example_config.helpdesks[0]
    decision = HoldInQueue(None, 10, 58, 0)
    urls = []
    one, two = b"\x01\x00" * 8000 * 30, b"\x02\x00" * 8000 * 30
    for frames in (one, two):
        music = HoldMusic(base_dir=Path(), tracks={desk.id: Track.of(frames)})
        renderer = Renderer(config=example_config, public_base_url=BASE, hold_music=music, version="cfg")
        document = renderer.wait(desk, decision)
        urls.append(document.split("<Play>")[1].split("</Play>")[0])
    assert urls == [
        f"{BASE}/media/hold/voorkempen.wav?v={content_hash(one)}&amp;start=10&amp;seconds=48",
        f"{BASE}/media/hold/voorkempen.wav?v={content_hash(two)}&amp;start=10&amp;seconds=48",
    ]
    assert content_hash(one) != content_hash(two)


def test_a_local_audio_message_url_carries_its_content_hash(example_config: HelpdeskConfig) -> None:
    audio = {"media/wacht.wav": AudioFile(data=b"RIFF", seconds=12, version="0123456789ab")}
    music = HoldMusic(base_dir=Path(), audio=audio)
    renderer = Renderer(config=example_config, public_base_url=BASE, hold_music=music, version="cfg")
    assert renderer.media_url("media/wacht.wav") == f"{BASE}/media/audio/media/wacht.wav?v=0123456789ab"
    assert renderer.media_url("https://media.example.be/x.mp3") == "https://media.example.be/x.mp3"


def test_the_slice_cache_keeps_the_most_recently_used_within_its_size() -> None:
    cache = SliceCache(max_bytes=1000)
    for start in range(3):
        cache.put(("desk", start, 1), bytes(400))
    assert (len(cache), cache.size) == (2, 800)
    assert cache.get(("desk", 0, 1)) is None  # the oldest went
    assert cache.get(("desk", 1, 1)) == bytes(400)
    cache.put(("desk", 3, 1), bytes(400))  # drops 2, the least recently used
    assert (cache.get(("desk", 2, 1)), cache.get(("desk", 1, 1)) is not None) == (None, True)
    cache.put(("desk", 9, 1), bytes(1001))  # larger than the whole cache: not kept
    assert (len(cache), cache.size) == (2, 800)


@pytest.mark.parametrize(
    ("seconds", "status"),
    [(60, 200), (61, 422), (600, 422), (3600, 422)],
    ids=["announce-every", "one-more", "max-interval", "an-hour"],
)
def test_seconds_is_capped_at_the_helpdesks_announce_every(line: Line, seconds: int, status: int) -> None:
    response = line.client.get(f"/media/hold/voorkempen.wav?start=0&seconds={seconds}")
    assert response.status_code == status
    if seconds == 61:
        assert response.json() == {"detail": "seconds must be at most 60 (announce_every) for this helpdesk"}


def test_slices_are_cached(line: Line) -> None:
    music = line.runtime.renderer.hold_music
    first = line.client.get("/media/hold/voorkempen.wav?start=5&seconds=20").content
    again = line.client.get("/media/hold/voorkempen.wav?start=35&seconds=20").content  # 35 s = 5 s, looped
    assert first == again
    assert (music.slices.hits, len(music.slices)) == (1, 1)


def _reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _rss_kib(field: str) -> int:
    for row in Path("/proc/self/status").read_text().splitlines():
        if row.startswith(f"{field}:"):
            return int(row.split()[1])
    raise AssertionError(f"no {field} in /proc/self/status")


def test_memory_per_request_stays_bounded(line: Line) -> None:
    url = "/media/hold/voorkempen.wav?start=0&seconds=60"
    assert line.client.get(url).status_code == 200  # warm up the app and the cache
    peak = "VmHWM" if _reset_peak_rss() else "VmRSS"
    before = _rss_kib("VmRSS")
    for _ in range(100):
        assert line.client.get(url).status_code == 200
    assert line.client.get("/media/hold/voorkempen.wav?start=0&seconds=3600").status_code == 422
    assert _rss_kib(peak) - before < 5 * 1024
