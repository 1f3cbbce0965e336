"""The official openai SDK against embeddings, images and audio (runs with openai 3.x and 1.x)."""

from __future__ import annotations

import base64
import io
import math
from array import array

import pytest

openai = pytest.importorskip("openai")
av = pytest.importorskip("av")
Image = pytest.importorskip("PIL.Image")


@pytest.fixture
def client(server) -> "openai.OpenAI":
    return openai.OpenAI(base_url=server.v1, api_key="sk-test", max_retries=0)


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


def wav(client: "openai.OpenAI", text: str = "One two three four five six seven eight nine ten.") -> bytes:
    return client.audio.speech.create(model="tts-1", voice="alloy", input=text, response_format="wav").content


# ---------------------------------------------------------------- embeddings

def test_embeddings_default_base64_decodes_to_unit_floats(client) -> None:
    result = client.embeddings.create(model="text-embedding-3-small", input=["hello world", "goodbye"])
    assert [d.index for d in result.data] == [0, 1]
    vector = result.data[0].embedding
    assert len(vector) == 1536 and all(isinstance(x, float) for x in vector)
    assert math.isclose(math.hypot(*vector), 1.0, rel_tol=1e-5)
    assert result.usage.prompt_tokens == result.usage.total_tokens == 3


def test_embeddings_float_matches_base64(client) -> None:
    as_float = client.embeddings.create(model="text-embedding-3-large", input="same", encoding_format="float")
    default = client.embeddings.create(model="text-embedding-3-large", input="same")
    assert len(as_float.data[0].embedding) == 3072
    # floats print each float32 as its shortest decimal, so they equal the decoded base64 at float32 precision
    assert array("f", as_float.data[0].embedding) == array("f", default.data[0].embedding)


def test_embeddings_token_arrays_and_dimensions(client) -> None:
    result = client.embeddings.create(model="text-embedding-3-small", input=[[15339, 1917], [9906]], dimensions=64)
    assert [len(d.embedding) for d in result.data] == [64, 64]
    assert result.usage.prompt_tokens == 3


def test_embeddings_dimensions_on_ada_is_bad_request(client) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.embeddings.create(model="text-embedding-ada-002", input="x", dimensions=8)
    assert "does not support specifying dimensions" in caught.value.message
    assert caught.value.param == "dimensions"


# ---------------------------------------------------------------- images

def test_images_generate_url_and_b64(client) -> None:
    result = client.images.generate(model="dall-e-3", prompt="A cute baby sea otter", size="1024x1792")
    [image] = result.data
    assert image.revised_prompt
    import httpx

    with Image.open(io.BytesIO(httpx.get(image.url).content)) as picture:
        assert picture.size == (1024, 1792)
    b64 = client.images.generate(model="dall-e-3", prompt="A cute baby sea otter", size="1024x1792",
                                 response_format="b64_json").data[0].b64_json
    assert base64.b64decode(b64) == httpx.get(image.url).content


def test_images_generate_gpt_image_usage(client) -> None:
    result = client.images.generate(model="gpt-image-1", prompt="a lighthouse", quality="medium", size="1024x1024")
    assert result.data[0].b64_json and result.data[0].url is None
    assert result.usage.output_tokens == 1056
    assert result.usage.input_tokens_details.text_tokens == 2


def test_images_edit(client) -> None:
    result = client.images.edit(model="gpt-image-1", image=("room.png", png(400, 400), "image/png"),
                                mask=("mask.png", png(400, 400), "image/png"), prompt="add a plant")
    with Image.open(io.BytesIO(base64.b64decode(result.data[0].b64_json))) as picture:
        assert picture.size == (1024, 1024)


def test_images_edit_not_an_image(client) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.images.edit(model="gpt-image-1", image=("a.png", b"nope", "image/png"), prompt="x")
    assert caught.value.param == "image"


# ---------------------------------------------------------------- audio

@pytest.mark.parametrize(("fmt", "codec"), [("mp3", "mp3"), ("opus", "opus"), ("aac", "aac"), ("flac", "flac"),
                                            ("wav", "pcm_s16le")])
def test_speech_bytes_decode(client, fmt: str, codec: str) -> None:
    response = client.audio.speech.create(model="tts-1", voice="alloy", input="Hello there, general.",
                                          response_format=fmt)
    with av.open(io.BytesIO(response.content)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.name.startswith(codec)
        frames = sum(frame.samples for frame in container.decode(stream))
    assert frames / stream.codec_context.sample_rate > 1


def test_speech_streaming_response(client) -> None:
    with client.audio.speech.with_streaming_response.create(model="tts-1", voice="alloy", input="Stream me.",
                                                            response_format="pcm") as response:
        data = b"".join(response.iter_bytes())
    assert len(data) > 24000  # more than half a second of 24 kHz s16le


def test_transcription_json_and_round_trip(client) -> None:
    audio = wav(client, "Meet me at the station at noon.")
    result = client.audio.transcriptions.create(model="whisper-1", file=("a.wav", audio, "audio/wav"))
    assert result.text == "Meet me at the station at noon."


def test_transcription_verbose_json_words_and_segments(client) -> None:
    result = client.audio.transcriptions.create(model="whisper-1", file=("a.wav", wav(client), "audio/wav"),
                                                response_format="verbose_json",
                                                timestamp_granularities=["word", "segment"])
    assert result.duration > 2 and result.language == "english"
    assert [w.word for w in result.words][:3] == ["One", "two", "three"]
    assert result.segments[0].start == 0.0 and result.segments[-1].end == pytest.approx(result.duration, abs=0.02)


@pytest.mark.parametrize(("fmt", "start"), [("text", "One two"), ("srt", "1\n00:00:00,000 --> "),
                                            ("vtt", "WEBVTT\n\n00:00:00.000 --> ")])
def test_transcription_text_formats_are_strings(client, fmt: str, start: str) -> None:
    result = client.audio.transcriptions.create(model="whisper-1", file=("a.wav", wav(client), "audio/wav"),
                                                response_format=fmt)
    assert isinstance(result, str) and result.startswith(start)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # openai 3.x deprecates translations
def test_translation(client) -> None:
    result = client.audio.translations.create(model="whisper-1", file=("a.wav", wav(client), "audio/wav"))
    assert result.text.startswith("One two")


def test_transcription_of_non_audio_is_bad_request(client) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.audio.transcriptions.create(model="whisper-1", file=("notes.txt", b"just some text here", "text/plain"))
    assert caught.value.param == "file" and caught.value.code == "invalid_value"


def test_models_list_has_the_media_models(client) -> None:
    ids = {m.id for m in client.models.list()}
    assert {"text-embedding-3-small", "dall-e-3", "tts-1", "whisper-1"} <= ids
