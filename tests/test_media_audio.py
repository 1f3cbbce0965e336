"""Audio over HTTP: speech decodes in every format; transcriptions and translations in every response format."""

from __future__ import annotations

import base64
import io
import re

import av
import httpx
import pytest
from httpx_sse import connect_sse

from mockserver.media import render_audio

CODECS = {"mp3": "mp3", "opus": "opus", "aac": "aac", "flac": "flac", "wav": "pcm_s16le"}


def speech(http: httpx.Client, text: str = "The quick brown fox jumped over the lazy dog.", **body: object) -> httpx.Response:
    return http.post("/v1/audio/speech", json={"model": "tts-1", "voice": "alloy", "input": text, **body})


def seconds_of(data: bytes) -> float:
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        return sum(frame.samples for frame in container.decode(stream)) / stream.codec_context.sample_rate


@pytest.mark.parametrize("fmt", sorted(CODECS))
def test_speech_decodes_in_each_format(http: httpx.Client, fmt: str) -> None:
    response = speech(http, response_format=fmt)
    assert response.status_code == 200
    assert response.headers["content-type"] == f"audio/{'mpeg' if fmt == 'mp3' else fmt}"
    with av.open(io.BytesIO(response.content)) as container:
        assert container.streams.audio[0].codec_context.name.startswith(CODECS[fmt])
    assert seconds_of(response.content) > 2


def test_speech_pcm_is_24khz_s16le_and_lasts_longer_for_longer_text(http: httpx.Client) -> None:
    short = speech(http, "Hi there.", response_format="pcm")
    long = speech(http, "Hi there. " * 20, response_format="pcm")
    assert short.headers["content-type"] == "audio/pcm"
    assert len(long.content) > 5 * len(short.content)
    assert len(short.content) % 2 == 0
    assert speech(http, "Hi there.", response_format="pcm", speed=2).content != short.content


def test_speech_is_deterministic_and_default_mp3(http: httpx.Client) -> None:
    first = speech(http)
    assert first.headers["content-type"] == "audio/mpeg"
    assert speech(http).content == first.content
    assert speech(http, voice="nova").content != first.content


def test_speech_sse(http: httpx.Client) -> None:
    body = {"model": "gpt-4o-mini-tts", "voice": "coral", "input": "Hello there.", "stream_format": "sse",
            "response_format": "wav"}
    with connect_sse(http, "POST", "/v1/audio/speech", json=body) as source:
        events = [(e.event, e.json()) for e in source.iter_sse()]
    audio = b"".join(base64.b64decode(d["audio"]) for name, d in events if name == "speech.audio.delta")
    assert audio.startswith(b"RIFF")
    assert events[-1][0] == "speech.audio.done" and events[-1][1]["usage"]["total_tokens"] > 0


@pytest.mark.parametrize(("body", "param"), [({"input": ""}, "input"), ({"response_format": "ogg"}, "response_format"),
                                             ({"speed": 9}, "speed"), ({"voice": None}, "voice")])
def test_speech_mistakes(http: httpx.Client, body: dict, param: str) -> None:
    response = speech(http, **body)
    assert response.status_code == 400 and response.json()["error"]["param"] == param


def transcribe(http: httpx.Client, audio: bytes, path: str = "transcriptions", name: str = "a.wav",
               **form: object) -> httpx.Response:
    fields = [(k, (None, str(item))) for k, v in form.items() for item in (v if isinstance(v, list) else [v])]
    return http.post(f"/v1/audio/{path}", files=[*fields, ("file", (name, audio, "audio/wav"))])


AUDIO = render_audio("wav", 6.0, "transcribe-me")


def test_transcription_json_default(http: httpx.Client) -> None:
    body = transcribe(http, AUDIO, model="whisper-1").json()
    assert body["usage"] == {"type": "duration", "seconds": 6}
    assert 10 <= len(body["text"].split()) <= 20 and body["text"].endswith(".")
    assert transcribe(http, AUDIO, model="whisper-1").json() == body


def test_transcription_verbose_json_with_words(http: httpx.Client) -> None:
    body = transcribe(http, AUDIO, model="whisper-1", response_format="verbose_json",
                      **{"timestamp_granularities[]": ["word", "segment"]}).json()
    assert body["task"] == "transcribe" and body["language"] == "english"
    assert abs(body["duration"] - 6.0) < 0.1
    assert " ".join(s["text"].strip() for s in body["segments"]) == body["text"]
    assert body["segments"][-1]["end"] == pytest.approx(body["duration"], abs=0.02)
    assert len(body["words"]) == len(body["text"].split())
    assert all(w["start"] < w["end"] for w in body["words"])
    plain = transcribe(http, AUDIO, model="whisper-1", response_format="verbose_json").json()
    assert "words" not in plain


def test_transcription_text_srt_vtt(http: httpx.Client) -> None:
    text = transcribe(http, AUDIO, model="whisper-1", response_format="text")
    assert text.headers["content-type"].startswith("text/plain") and text.text.endswith(".\n")
    srt = transcribe(http, AUDIO, model="whisper-1", response_format="srt").text
    assert srt.startswith("1\n00:00:00,000 --> 00:00:0") and srt.endswith("\n\n")
    vtt = transcribe(http, AUDIO, model="whisper-1", response_format="vtt").text
    assert vtt.startswith("WEBVTT\n\n00:00:00.000 --> ")
    assert re.findall(r"\d\d:\d\d:\d\d\.\d{3}", vtt)[-1] == "00:00:06.000"


def test_transcription_of_our_own_speech_round_trips(http: httpx.Client) -> None:
    audio = speech(http, "Please call me back tomorrow.", response_format="mp3").content
    assert transcribe(http, audio, name="a.mp3", model="whisper-1").json()["text"] == "Please call me back tomorrow."


def test_gpt_4o_transcribe_tokens_logprobs_and_stream(http: httpx.Client) -> None:
    body = transcribe(http, AUDIO, model="gpt-4o-transcribe", **{"include[]": ["logprobs"]}).json()
    assert body["usage"]["type"] == "tokens" and body["logprobs"]
    assert "".join(p["token"] for p in body["logprobs"]) == body["text"]
    assert transcribe(http, AUDIO, model="gpt-4o-transcribe", response_format="srt").status_code == 400
    files = [("model", (None, "gpt-4o-mini-transcribe")), ("stream", (None, "true")),
             ("file", ("a.wav", AUDIO, "audio/wav"))]
    with connect_sse(http, "POST", "/v1/audio/transcriptions", files=files) as source:
        events = [e.json() for e in source.iter_sse()]
    assert "".join(e["delta"] for e in events[:-1]) == events[-1]["text"]
    assert events[-1]["type"] == "transcript.text.done"


def test_diarized_json(http: httpx.Client) -> None:
    body = transcribe(http, AUDIO, model="gpt-4o-transcribe-diarize", response_format="diarized_json").json()
    assert {s["speaker"] for s in body["segments"]} <= {"A", "B"} and body["task"] == "transcribe"


def test_translation(http: httpx.Client) -> None:
    body = transcribe(http, AUDIO, "translations", model="whisper-1", response_format="verbose_json").json()
    assert body["task"] == "translate" and body["language"] == "english"
    assert transcribe(http, AUDIO, "translations", model="whisper-1", response_format="text").text.endswith("\n")


@pytest.mark.parametrize("path", ["transcriptions", "translations"])
def test_non_audio_upload_is_a_400_naming_file(http: httpx.Client, path: str) -> None:
    response = transcribe(http, b"%PDF-1.4 this is not audio at all", path, name="a.pdf", model="whisper-1")
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["param"], error["code"]) == ("file", "invalid_value")
    assert error["message"].startswith("Invalid file format. Supported formats:")


def test_missing_file_or_model(http: httpx.Client) -> None:
    response = http.post("/v1/audio/transcriptions", files={"model": (None, "whisper-1")})
    assert response.status_code == 400 and response.json()["error"]["param"] == "file"
    response = http.post("/v1/audio/transcriptions", files={"file": ("a.wav", AUDIO)})
    assert response.status_code == 400 and response.json()["error"]["param"] == "model"
