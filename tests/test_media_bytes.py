"""Media bytes are checked with real decoders: Pillow for images, FFmpeg (PyAV) for audio and video."""

from __future__ import annotations

import hashlib
import io
import os
import random
import struct
import subprocess
import sys
from pathlib import Path

import av
import pytest
from PIL import Image

from mockserver.media import (
    aspect_ratio_size,
    audio_duration,
    content_type,
    is_audio,
    parse_size,
    render_audio,
    render_image,
    render_video,
    video_codec,
)

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------- images

PIL_FORMATS = {"png": "PNG", "jpeg": "JPEG", "jpg": "JPEG", "webp": "WEBP", "gif": "GIF"}


@pytest.mark.parametrize("fmt", sorted(PIL_FORMATS))
@pytest.mark.parametrize("size", [(1024, 1024), (1792, 1024), (17, 5)])
def test_image_decodes_with_size_and_format(fmt: str, size: tuple[int, int]) -> None:
    data = render_image(*size, fmt=fmt, seed="cat", text="a cat")
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == PIL_FORMATS[fmt]
        assert image.size == size
        image.load()
        extrema = image.convert("L").getextrema()
    assert extrema[1] - extrema[0] > 20, "the picture should not be a flat colour"


def test_image_handles_2048_square() -> None:
    with Image.open(io.BytesIO(render_image(2048, 2048, "png", seed=7))) as image:
        assert image.size == (2048, 2048)
        image.verify()


def _pixels(data: bytes) -> bytes:
    """Decode an image to raw RGB bytes."""
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB").tobytes()


def test_image_is_deterministic_and_seeded() -> None:
    base = _pixels(render_image(256, 256, "png", seed="a"))
    assert _pixels(render_image(256, 256, "png", seed="a")) == base
    assert _pixels(render_image(256, 256, "png", seed="b")) != base
    assert _pixels(render_image(256, 256, "png", seed="a", text="hello")) != base


def test_image_rejects_unknown_format_and_bad_size() -> None:
    with pytest.raises(ValueError):
        render_image(64, 64, "bmp")
    with pytest.raises(ValueError):
        render_image(0, 64)


@pytest.mark.parametrize(
    ("size", "expected"),
    [("1024x1792", (1024, 1792)), ("256x256", (256, 256)), ("auto", (1024, 1024)), (" 1536X1024 ", (1536, 1024))],
)
def test_parse_size(size: str, expected: tuple[int, int]) -> None:
    assert parse_size(size) == expected


@pytest.mark.parametrize("size", ["big", "1024", "0x10", "1024x", "-5x5"])
def test_parse_size_rejects_garbage(size: str) -> None:
    with pytest.raises(ValueError):
        parse_size(size)


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [
        ("16:9", (1024, 576)),
        ("16x9", (1024, 576)),
        ("9:16", (576, 1024)),
        ("1:1", (1024, 1024)),
        ("4:3", (1024, 768)),
        ("21:9", (1024, 438)),
        ("ASPECT_16_9", (1024, 576)),
        ("1280:768", (1280, 768)),
        ("768:1280", (768, 1280)),
        (1.7777, (1024, 576)),
        ("1.7777", (1024, 576)),
        (0.5625, (576, 1024)),
    ],
)
def test_aspect_ratio_size(ratio: str | float, expected: tuple[int, int]) -> None:
    assert aspect_ratio_size(ratio) == expected


def test_aspect_ratio_size_long_side() -> None:
    assert aspect_ratio_size("16:9", long_side=1280) == (1280, 720)
    with pytest.raises(ValueError):
        aspect_ratio_size("wide")


# ---------------------------------------------------------------- audio

# decoder names FFmpeg may pick for each format
CODECS = {
    "mp3": {"mp3", "mp3float"},
    "opus": {"opus", "libopus"},
    "aac": {"aac", "aac_fixed"},
    "flac": {"flac"},
    "wav": {"pcm_s16le"},
}


def _decode_audio(data: bytes, **open_kwargs: object) -> tuple[str, float, int]:
    """Decode every frame; return (codec name, decoded seconds, peak byte magnitude proxy)."""
    with av.open(io.BytesIO(data), "r", **open_kwargs) as container:
        stream = container.streams.audio[0]
        name = stream.codec_context.name
        samples = 0
        rate = 0
        loud = 0
        for frame in container.decode(stream):
            samples += frame.samples
            rate = frame.sample_rate
            loud += sum(1 for b in bytes(frame.planes[0])[::97] if b not in (0, 0xFF))
    return name, samples / rate, loud


@pytest.mark.parametrize("fmt", sorted(CODECS))
@pytest.mark.parametrize("seconds", [1.0, 3.0, 7.3])
def test_audio_decodes_with_codec_and_duration(fmt: str, seconds: float) -> None:
    data = render_audio(fmt, seconds, seed="hello")
    name, decoded, loud = _decode_audio(data)
    assert name in CODECS[fmt]
    assert decoded == pytest.approx(seconds, abs=0.1)
    assert loud > 0, "the clip should not be silent"
    assert audio_duration(data) == pytest.approx(seconds, abs=0.1)
    assert is_audio(data)


def test_pcm_is_raw_24khz_s16le_mono() -> None:
    data = render_audio("pcm", 2.5, seed="x")
    assert len(data) == 2.5 * 24000 * 2
    name, decoded, loud = _decode_audio(data, format="s16le", options={"sample_rate": "24000", "ch_layout": "mono"})
    assert name == "pcm_s16le"
    assert decoded == pytest.approx(2.5, abs=0.01)
    assert loud > 0


def test_audio_containers_are_the_expected_ones() -> None:
    assert render_audio("mp3", 1)[:3] == b"ID3" or render_audio("mp3", 1)[:2] == b"\xff\xfb"
    assert render_audio("opus", 1)[:4] == b"OggS"
    assert render_audio("flac", 1)[:4] == b"fLaC"
    assert render_audio("wav", 1)[:4] == b"RIFF"
    aac = render_audio("aac", 1)
    assert aac[0] == 0xFF and aac[1] & 0xF6 == 0xF0  # ADTS sync word, layer 0
    with av.open(io.BytesIO(render_audio("opus", 1))) as container:
        assert container.format.name == "ogg"
    with av.open(io.BytesIO(render_audio("wav", 1, sample_rate=16000))) as container:
        assert container.streams.audio[0].sample_rate == 16000


def test_audio_seed_changes_the_sound() -> None:
    assert render_audio("pcm", 1, seed="a") != render_audio("pcm", 1, seed="b")


def test_content_types() -> None:
    assert {fmt: content_type(fmt) for fmt in ["mp3", "opus", "aac", "flac", "wav", "pcm"]} == {
        "mp3": "audio/mpeg",
        "opus": "audio/opus",
        "aac": "audio/aac",
        "flac": "audio/flac",
        "wav": "audio/wav",
        "pcm": "audio/pcm",
    }
    with pytest.raises(ValueError):
        content_type("midi")


def test_audio_duration_rejects_non_audio() -> None:
    rng = random.Random(1234)
    assert audio_duration(render_image(64, 64, "png")) is None
    assert audio_duration(render_image(64, 64, "jpeg")) is None
    assert audio_duration(b"") is None
    assert audio_duration(b"hello, this is a text file\n" * 20) is None
    assert audio_duration(bytes(rng.getrandbits(8) for _ in range(4096))) is None
    # random bytes behind audio magic numbers are still not audio
    for magic in (b"ID3\x03\x00", b"OggS", b"fLaC", b"\xff\xf1", b"\xff\xfb", b"RIFF\x00\x00\x00\x00WAVE"):
        assert audio_duration(magic + bytes(rng.getrandbits(8) for _ in range(4096))) is None, magic
    assert not is_audio(render_image(64, 64, "gif"))


def test_audio_duration_of_a_video_without_sound_is_none() -> None:
    assert audio_duration(render_video(64, 64, 1.0, fps=4)) is None


# ---------------------------------------------------------------- video


def _boxes(data: bytes) -> list[str]:
    """List the top-level ISO-BMFF box types."""
    boxes, offset = [], 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        boxes.append(kind.decode("latin-1"))
        if size < 8:
            break
        offset += size
    return boxes


@pytest.mark.parametrize(
    ("width", "height", "seconds", "fps"),
    [(1280, 720, 5.0, 24), (720, 1280, 2.0, 12), (640, 480, 2.5, 8)],
)
def test_video_is_a_playable_mp4(width: int, height: int, seconds: float, fps: int) -> None:
    data = render_video(width, height, seconds, seed="clip", fps=fps)
    assert data[4:8] == b"ftyp"
    assert {"ftyp", "moov", "mdat"} <= set(_boxes(data))
    with av.open(io.BytesIO(data)) as container:
        assert container.format.name.startswith("mov,mp4")
        stream = container.streams.video[0]
        assert stream.codec_context.name in ("h264", "mpeg4")
        assert (stream.width, stream.height) == (width, height)
        assert container.duration / av.time_base == pytest.approx(seconds, abs=0.1)
        frames = list(container.decode(stream))
    assert len(frames) == round(seconds * fps)
    assert (frames[0].width, frames[0].height) == (width, height)
    assert frames[-1].time == pytest.approx(seconds - 1 / fps, abs=0.1)


def test_video_uses_h264_when_available() -> None:
    data = render_video(320, 240, 1.0, fps=8)
    with av.open(io.BytesIO(data)) as container:
        name = container.streams.video[0].codec_context.name
    assert name == ("h264" if video_codec() == "libx264" else "mpeg4")


def test_video_720p_5s_is_small() -> None:
    assert len(render_video(1280, 720, 5.0, seed="clip")) < 300_000


def test_video_odd_size_rounds_down_to_even() -> None:
    with av.open(io.BytesIO(render_video(101, 57, 1.0, fps=4))) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height) == (100, 56)


def test_video_frames_move() -> None:
    with av.open(io.BytesIO(render_video(160, 120, 2.0, seed="m", fps=8))) as container:
        frames = [bytes(frame.planes[0]) for frame in container.decode(video=0)]
    assert len(set(frames)) > 1


# ---------------------------------------------------------------- determinism


def _fingerprint() -> str:
    """Hash a sample of every renderer's output."""
    parts = [
        render_image(300, 200, "png", seed="d", text="t"),
        render_image(300, 200, "webp", seed="d"),
        render_audio("mp3", 1.5, seed="d"),
        render_audio("opus", 1.5, seed="d"),
        render_audio("aac", 1.5, seed="d"),
        render_video(320, 240, 1.0, seed="d", fps=8),
    ]
    return ",".join(hashlib.sha256(part).hexdigest() for part in parts)


# The other process imports this very module, so both sides hash the same renderer calls.
_SCRIPT = f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); " \
          "from test_media_bytes import _fingerprint; print(_fingerprint())"


def test_same_bytes_across_processes() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run(
        [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, env=env, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == _fingerprint()
