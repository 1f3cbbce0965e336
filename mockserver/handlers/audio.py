"""Audio: text to speech (real encoded audio), transcriptions and translations in every response format."""

from __future__ import annotations

import base64
import hashlib
import math
from typing import Any

from starlette.concurrency import run_in_threadpool

from ..core import tokens
from ..core.answers import Answer, JsonAnswer, StreamAnswer, sse_frame
from ..core.context import RequestContext
from ..core.errors import MockError
from ..media import audio_duration, content_type, render_audio
from ..media._seed import seed_bytes

CHARS_PER_SECOND = 15.0  # a relaxed speaking rate at speed 1
WORDS_PER_SECOND = 2.5
MAX_SPEECH_SECONDS = 600.0
MAX_UPLOAD_BYTES = 25 * 1024 * 1024
SUPPORTED_UPLOADS = ["flac", "m4a", "mp3", "mp4", "mpeg", "mpga", "oga", "ogg", "wav", "webm"]
LANGUAGES = {"en": "english", "de": "german", "fr": "french", "es": "spanish", "it": "italian", "pt": "portuguese",
             "nl": "dutch", "ja": "japanese", "zh": "chinese", "ko": "korean", "ru": "russian", "pl": "polish",
             "tr": "turkish", "ar": "arabic", "hi": "hindi", "sv": "swedish", "uk": "ukrainian"}
VOCABULARY = ("the", "a", "project", "team", "meeting", "today", "we", "will", "review", "plan", "for", "next",
              "week", "and", "then", "share", "results", "with", "everyone", "is", "ready", "to", "start", "new",
              "feature", "after", "lunch", "please", "send", "notes", "update", "this", "morning", "call",
              "customer", "schedule", "quickly", "thanks", "again", "good", "work", "on", "release", "our")
SPOKEN_TTL_S = 3600.0  # how long speech remembers its text, so transcribing it round-trips (256 kept: state.spoken)


def speech_seconds(text: str, speed: float) -> float:
    """How long the spoken text lasts: grows with its length, shrinks with `speed`."""
    return min(MAX_SPEECH_SECONDS, (0.3 + len(text) / CHARS_PER_SECOND) / speed)


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


async def speech(ctx: RequestContext) -> Answer:
    """POST audio/speech: audio bytes in `response_format`, or SSE deltas with `stream_format: sse`."""
    body = ctx.body
    text = body["input"]
    if not text.strip():
        raise MockError(400, "'input' must be a non-empty string.", param="input", code="invalid_value")
    fmt = body.get("response_format") or "mp3"
    voice = body["voice"]["id"] if isinstance(body["voice"], dict) else body["voice"]
    seconds = speech_seconds(text, float(body.get("speed") or 1.0))
    seed = seed_bytes("speech", ctx.seed, body["model"], voice, text, body.get("instructions")).hex()[:16]
    data = await run_in_threadpool(render_audio, fmt, seconds, seed)
    await ctx.services.state.spoken.put(_digest(data), text, SPOKEN_TTL_S)
    if body.get("stream_format") == "sse":
        return speech_events(ctx, data, text, seconds)
    return Answer(data, media_type=content_type(fmt))


def speech_events(ctx: RequestContext, data: bytes, text: str, seconds: float) -> Answer:
    """`speech.audio.delta` events with base64 chunks, then `speech.audio.done` with usage."""
    size = max(1024, math.ceil(len(data) / 8))
    frames = [sse_frame({"type": "speech.audio.delta", "audio": base64.b64encode(data[i:i + size]).decode()},
                        "speech.audio.delta") for i in range(0, len(data), size)]
    used_in, used_out = tokens.count(text), math.ceil(seconds * 20)
    frames.append(sse_frame({"type": "speech.audio.done", "usage": {"input_tokens": used_in, "output_tokens": used_out,
                                                                    "total_tokens": used_in + used_out}},
                            "speech.audio.done"))
    return StreamAnswer(frames)


async def upload(ctx: RequestContext) -> tuple[bytes, float]:
    """The uploaded `file` and its duration; anything that is not audio is a 400 naming `file`."""
    files = ctx.files.get("file") or []
    if not files:
        raise MockError(400, "'file' must be an audio file upload (multipart file part).", param="file",
                        code="invalid_value")
    await files[0].seek(0)
    data = await files[0].read()
    if len(data) > MAX_UPLOAD_BYTES:
        raise MockError(413, f"Maximum content size limit ({MAX_UPLOAD_BYTES}) exceeded ({len(data)} bytes read).",
                        param="file", code="request_too_large")
    duration = await run_in_threadpool(audio_duration, data)
    if duration is None:
        raise MockError(400, f"Invalid file format. Supported formats: {SUPPORTED_UPLOADS}", param="file",
                        code="invalid_value")
    if duration < 0.1:
        raise MockError(400, "Audio file is too short. Minimum audio length is 0.1 seconds.", param="file",
                        code="audio_too_short")
    return data, duration


def transcript_words(duration: float, seed: int) -> list[str]:
    """Deterministic words for an audio of `duration` seconds: sentences at a natural speaking rate."""
    count = max(1, round(duration * WORDS_PER_SECOND))
    digest = seed_bytes("transcript", seed, round(duration, 2))
    words: list[str] = []
    sentence = 0
    for i in range(count):
        word = VOCABULARY[digest[i % 32] * (i + 1) % len(VOCABULARY)]
        words.append(word.capitalize() if sentence == 0 else word)
        sentence += 1
        if sentence >= 5 + digest[(i + 7) % 32] % 7 or i == count - 1:
            words[-1] += "."
            sentence = 0
    return words


def sentences(words: list[str]) -> list[list[int]]:
    """Indices of the words of each sentence."""
    groups: list[list[int]] = [[]]
    for i, word in enumerate(words):
        groups[-1].append(i)
        if word.endswith(".") and i < len(words) - 1:
            groups.append([])
    return groups


class Transcript:
    """Text with word and segment timings spread evenly over the audio."""

    def __init__(self, words: list[str], duration: float) -> None:
        self.words = words
        self.duration = duration
        self.step = duration / len(words)
        self.text = " ".join(words)

    def word_times(self) -> list[dict[str, Any]]:
        """`words[]` of verbose_json."""
        return [{"word": w.rstrip(".,"), "start": round(i * self.step, 2), "end": round((i + 1) * self.step, 2)}
                for i, w in enumerate(self.words)]

    def segments(self) -> list[dict[str, Any]]:
        """`segments[]` of verbose_json, one per sentence."""
        out = []
        for index, group in enumerate(sentences(self.words)):
            start, end = round(group[0] * self.step, 2), round((group[-1] + 1) * self.step, 2)
            text = " ".join(self.words[i] for i in group)
            ids = [200 + int(tokens.stable_id(self.words[i], length=6), 36) % 50000 for i in group]
            out.append({"id": index, "seek": 0, "start": start, "end": end, "text": " " + text,
                        "tokens": [50365 + round(start / 0.02), *ids, 50365 + round(end / 0.02)],
                        "temperature": 0.0, "avg_logprob": -0.25, "compression_ratio": 1.2, "no_speech_prob": 0.01})
        return out

    def cues(self) -> list[tuple[float, float, str]]:
        """(start, end, text) per segment, for srt and vtt."""
        return [(s["start"], s["end"], s["text"].strip()) for s in self.segments()]


def clock(seconds: float, separator: str) -> str:
    """`00:00:01,500` (srt) or `00:00:01.500` (vtt)."""
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def srt(transcript: Transcript) -> str:
    """SubRip subtitles."""
    return "".join(f"{i}\n{clock(a, ',')} --> {clock(b, ',')}\n{text}\n\n"
                   for i, (a, b, text) in enumerate(transcript.cues(), start=1))


def vtt(transcript: Transcript) -> str:
    """WebVTT subtitles."""
    return "WEBVTT\n\n" + "".join(f"{clock(a, '.')} --> {clock(b, '.')}\n{text}\n\n" for a, b, text in transcript.cues())


def is_gpt4o(model: str) -> bool:
    """gpt-4o(-mini)-transcribe: token usage, json/text only, streaming and logprobs."""
    return model.startswith("gpt-") and "transcribe" in model


def allowed_formats(model: str, task: str) -> tuple[str, ...]:
    """The response formats a model answers."""
    if task == "transcribe" and "diarize" in model:
        return ("json", "text", "diarized_json")
    if is_gpt4o(model):
        return ("json", "text")
    return ("json", "text", "srt", "verbose_json", "vtt")


def usage(model: str, duration: float, text: str) -> dict[str, Any]:
    """Duration usage (whisper) or token usage (gpt-4o transcribe models)."""
    if not is_gpt4o(model):
        return {"type": "duration", "seconds": math.ceil(duration)}
    audio, out = math.ceil(duration * 10), tokens.count(text)
    return {"type": "tokens", "input_tokens": audio, "output_tokens": out, "total_tokens": audio + out,
            "input_token_details": {"audio_tokens": audio, "text_tokens": 0}}


async def answer(ctx: RequestContext, task: str) -> Answer:
    """A transcription or translation in the requested response format."""
    body = ctx.body
    model = body["model"]
    fmt = body.get("response_format") or "json"
    if fmt not in allowed_formats(model, task):
        allowed = " or ".join(f"'{f}'" for f in allowed_formats(model, task))
        raise MockError(400, f"response_format '{fmt}' is not compatible with model '{model}'. Use {allowed}.",
                        param="response_format", code="unsupported_value")
    data, duration = await upload(ctx)
    remembered = await ctx.services.state.spoken.get(_digest(data))
    words = remembered.split() if remembered else transcript_words(duration, ctx.seed)
    transcript = Transcript(words, duration)
    if body.get("stream") is True and is_gpt4o(model):
        return transcript_events(ctx, transcript, usage(model, duration, transcript.text))
    if fmt == "text":
        return Answer(transcript.text + "\n", media_type="text/plain")
    if fmt == "srt":
        return Answer(srt(transcript), media_type="text/plain")
    if fmt == "vtt":
        return Answer(vtt(transcript), media_type="text/plain")
    language = "english" if task == "translate" else LANGUAGES.get((body.get("language") or "en").lower(),
                                                                   body.get("language") or "english")
    if fmt == "verbose_json":
        verbose: dict[str, Any] = {"task": task, "language": language, "duration": round(duration, 2),
                                   "text": transcript.text, "segments": transcript.segments()}
        if "word" in (body.get("timestamp_granularities[]") or []):
            verbose["words"] = transcript.word_times()
        verbose["usage"] = usage(model, duration, transcript.text)
        return JsonAnswer(verbose)
    if fmt == "diarized_json":
        return JsonAnswer(diarized(transcript, usage(model, duration, transcript.text)))
    result: dict[str, Any] = {"text": transcript.text, "usage": usage(model, duration, transcript.text)}
    if "logprobs" in (body.get("include[]") or []) and is_gpt4o(model):
        result["logprobs"] = [{"token": piece, "logprob": -0.01 * (1 + i % 5), "bytes": list(piece.encode())}
                              for i, piece in enumerate(tokens.split(transcript.text))]
    return JsonAnswer(result)


def diarized(transcript: Transcript, used: dict) -> dict[str, Any]:
    """diarized_json: sentences alternate between speakers A and B."""
    segments = [{"type": "transcript.text.segment", "id": f"seg_{s['id']}", "speaker": "AB"[s["id"] % 2],
                 "start": s["start"], "end": s["end"], "text": s["text"].strip()} for s in transcript.segments()]
    return {"task": "transcribe", "duration": round(transcript.duration, 2), "text": transcript.text,
            "segments": segments, "usage": used}


def transcript_events(ctx: RequestContext, transcript: Transcript, used: dict) -> Answer:
    """Streaming transcription: `transcript.text.delta` per word, then `transcript.text.done`."""
    frames = [sse_frame({"type": "transcript.text.delta", "delta": piece}, "transcript.text.delta")
              for piece in tokens.split(transcript.text)]
    frames.append(sse_frame({"type": "transcript.text.done", "text": transcript.text, "usage": used},
                            "transcript.text.done"))
    return StreamAnswer(frames)


async def transcribe(ctx: RequestContext) -> Answer:
    """POST audio/transcriptions (multipart)."""
    return await answer(ctx, "transcribe")


async def translate(ctx: RequestContext) -> Answer:
    """POST audio/translations (multipart): always English."""
    return await answer(ctx, "translate")
