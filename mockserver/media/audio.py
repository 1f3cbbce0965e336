"""Deterministic audio (mp3, opus, aac, flac, wav, pcm) and uploaded-audio probing."""

from __future__ import annotations

import io
import math
import wave
from array import array
from fractions import Fraction
from functools import lru_cache

from ._cache import byte_cache
from ._lazy import lazy_import
from ._seed import seed_bytes

av = lazy_import("av")

CONTENT_TYPES = {
    "mp3": "audio/mpeg",
    "opus": "audio/opus",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}
# fmt -> (muxer, encoder, bit rate)
_CODECS = {
    "mp3": ("mp3", "libmp3lame", 48_000),
    "opus": ("ogg", "libopus", 32_000),
    "aac": ("adts", "aac", 48_000),
    "flac": ("flac", "flac", 0),
}
_OPUS_RATES = (48000, 24000, 16000, 12000, 8000)
_SCALE = (262, 294, 330, 392, 440, 523, 587, 659)  # C-major pentatonic
NOTE_SECONDS = 0.4
MIN_SECONDS = 0.1
MAX_SECONDS = 600.0
RENDER_CACHE_BYTES = 16 * 1024 * 1024  # encoded clips kept for repeated requests
NOTE_CACHE_BYTES = 2 * 1024 * 1024  # rendered notes (the eight of the scale, per sample rate)


def normalize_format(fmt: str) -> str:
    """Return the canonical audio format name, or raise ValueError."""
    key = (fmt or "mp3").strip().lower().lstrip(".")
    key = {"mpeg": "mp3", "ogg": "opus", "adts": "aac", "wave": "wav", "s16le": "pcm"}.get(key, key)
    if key not in CONTENT_TYPES:
        raise ValueError(f"unsupported audio format: {fmt!r}")
    return key


def content_type(fmt: str) -> str:
    """Return the MIME type for an audio format (as OpenAI's speech API sends it)."""
    return CONTENT_TYPES[normalize_format(fmt)]


@lru_cache(maxsize=8)
def _tables(sample_rate: int) -> tuple[list[float], list[float]]:
    """Return a one-second sine table and the note envelope for a sample rate."""
    count = int(NOTE_SECONDS * sample_rate)
    attack = max(1, int(0.01 * sample_rate))
    decay = 5.0 / count
    sine = [math.sin(2.0 * math.pi * k / sample_rate) for k in range(sample_rate)]
    envelope = [6000.0 * math.exp(-decay * i) * min(1.0, i / attack) * (1.0 - i / count) for i in range(count)]
    return sine, envelope


@byte_cache(NOTE_CACHE_BYTES)
def _note(freq: int, sample_rate: int) -> bytes:
    """Return one soft chime note (s16le mono): a sine and its octave under a decaying envelope."""
    sine, envelope = _tables(sample_rate)
    octave = 2 * freq
    samples = array(
        "h",
        [
            int(env * (sine[freq * i % sample_rate] + 0.3 * sine[octave * i % sample_rate]))
            for i, env in enumerate(envelope)
        ],
    )
    return samples.tobytes()


def _pcm(seconds: float, seed: str | int, sample_rate: int) -> bytes:
    """Return exactly round(seconds * sample_rate) samples of the seeded chime pattern."""
    total = 2 * round(seconds * sample_rate)
    digest = seed_bytes("audio", seed)
    parts: list[bytes] = []
    size = 0
    index = 0
    while size < total:
        byte = digest[index % len(digest)]
        index += 1
        note = bytes(2 * int(NOTE_SECONDS * sample_rate)) if byte % 7 == 0 else _note(_SCALE[byte % 8], sample_rate)
        parts.append(note)
        size += len(note)
    return b"".join(parts)[:total]


def _wav(pcm: bytes, sample_rate: int) -> bytes:
    """Wrap s16le mono PCM in a RIFF/WAVE container."""
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(sample_rate)
        writer.writeframes(pcm)
    return out.getvalue()


def _encode(fmt: str, pcm: bytes, sample_rate: int) -> bytes:
    """Encode s16le mono PCM with PyAV into the format's usual container."""
    muxer, encoder, bit_rate = _CODECS[fmt]
    out = io.BytesIO()
    options = {"flags": "+bitexact"}
    if encoder == "libmp3lame":
        options["compression_level"] = "7"  # LAME -q7: fast, still clean for a chime
    elif encoder == "libopus":
        options["compression_level"] = "0"  # cheapest Opus search; ~3x faster than the default 10
    with av.open(out, "w", format=muxer, options={"fflags": "+bitexact"}) as container:
        stream = container.add_stream(encoder, rate=sample_rate, options=options)
        stream.layout = "mono"
        if bit_rate:
            stream.bit_rate = bit_rate
        samples = len(pcm) // 2
        if samples:
            frame = av.AudioFrame(format="s16", layout="mono", samples=samples)
            frame.planes[0].update(pcm)
            frame.sample_rate = sample_rate
            frame.pts = 0
            frame.time_base = Fraction(1, sample_rate)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()


@byte_cache(RENDER_CACHE_BYTES)
def _render(fmt: str, seconds: float, seed: str | int, sample_rate: int) -> bytes:
    """Render and encode; cached per argument tuple."""
    pcm = _pcm(seconds, seed, sample_rate)
    if fmt == "pcm":
        return pcm
    if fmt == "wav":
        return _wav(pcm, sample_rate)
    return _encode(fmt, pcm, sample_rate)


def render_audio(fmt: str, seconds: float, seed: str | int = 0, sample_rate: int = 24000) -> bytes:
    """Return deterministic audio bytes of the given format lasting `seconds`."""
    fmt = normalize_format(fmt)
    seconds = float(seconds)
    if not (0.0 <= seconds <= MAX_SECONDS) or math.isnan(seconds):
        raise ValueError(f"audio duration out of range: {seconds}")
    if fmt == "opus" and sample_rate not in _OPUS_RATES:
        sample_rate = 48000
    seconds = max(MIN_SECONDS, seconds)  # an empty file would not be a valid one
    return _render(fmt, round(seconds, 3), seed, int(sample_rate))


_MAGIC_OFFSETS = (
    (0, b"ID3"),  # mp3 with an ID3v2 tag
    (0, b"OggS"),  # ogg: opus, vorbis, flac
    (0, b"fLaC"),  # native flac
    (0, b"\x1a\x45\xdf\xa3"),  # matroska / webm
    (4, b"ftyp"),  # mp4 / m4a / mov
    (0, b"#!AMR"),  # amr
    (0, b"caff"),  # core audio
)


def _looks_like_audio(data: bytes) -> bool:
    """Cheap magic-number sniff for containers that may hold audio."""
    if len(data) < 12:
        return False
    if any(data[off : off + len(magic)] == magic for off, magic in _MAGIC_OFFSETS):
        return True
    if data[:4] == b"RIFF" and data[8:12] in (b"WAVE", b"AVI "):
        return True
    if data[:4] == b"FORM" and data[8:12] in (b"AIFF", b"AIFC"):
        return True
    # MPEG audio (mp1/2/3) or ADTS AAC frame sync: 11 or 12 set bits
    return data[0] == 0xFF and (data[1] & 0xE0) == 0xE0


# Demuxers whose header duration is estimated from the bit rate: count packets instead.
_ESTIMATED = {"aac", "mp3", "mp2", "mpeg", "ac3", "eac3", "amr"}


def _packet_span(container: av.container.InputContainer, stream: av.AudioStream) -> float | None:
    """Return the time spanned by the stream's packets, or None if it has none."""
    end = None
    for packet in container.demux(stream):
        if packet.pts is None or packet.size == 0:
            continue
        stop = packet.pts + (packet.duration or 0)
        end = stop if end is None else max(end, stop)
    if end is None or stream.time_base is None:
        return None
    return max(0.0, float((end - (stream.start_time or 0)) * stream.time_base))


def _probe(data: bytes) -> float | None:
    """Open `data` with FFmpeg and return the audio duration in seconds, or None."""
    try:
        with av.open(io.BytesIO(data), "r") as container:
            if not container.streams.audio:
                return None
            stream = container.streams.audio[0]
            first = next(iter(container.demux(stream)), None)
            if first is None or first.size == 0:
                return None
            if container.duration and container.format.name not in _ESTIMATED:
                return container.duration / av.time_base
            container.seek(0)
            return _packet_span(container, stream)
    except (av.FFmpegError, ValueError, OverflowError, StopIteration):
        return None


def audio_duration(data: bytes) -> float | None:
    """Return the duration in seconds of an uploaded audio file, or None if it is not audio."""
    if not data or not _looks_like_audio(bytes(data[:16])):
        return None
    return _probe(bytes(data))


def is_audio(data: bytes) -> bool:
    """Tell whether `data` is an audio file FFmpeg can read (raw PCM is not detectable)."""
    return audio_duration(data) is not None
