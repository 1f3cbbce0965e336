"""Inputs the fuzzer found: each is a provider-shaped 400 naming the field, never a 500 (real HTTP)."""

from __future__ import annotations

import base64
import io

import anthropic
import httpx
import pytest
from PIL import Image

from mockserver.media import render_audio

ANTHROPIC = {"x-api-key": "sk-test", "anthropic-version": "2023-06-01"}
BEYOND_64_BITS = 2**64 + 1  # orjson reads it as a float


def openai_error(response: httpx.Response, param: str) -> dict:
    """The OpenAI error body of a 400 that names `param`."""
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["param"] == param, error
    return error


@pytest.mark.parametrize("ratio", ["735343:2", "16:0", "0:9", "1:735343"])
def test_image_aspect_ratio_out_of_range(http: httpx.Client, ratio: str) -> None:
    response = http.post("/v1/images/generations", json={"model": "flux-kontext-pro", "prompt": "a fox",
                                                         "aspect_ratio": ratio})
    assert ratio in openai_error(response, "aspect_ratio")["message"]


def test_image_aspect_ratio_in_range_still_sized(http: httpx.Client) -> None:
    response = http.post("/v1/images/generations", json={"model": "flux-kontext-pro", "prompt": "a fox",
                                                         "aspect_ratio": "21:9", "response_format": "b64_json"})
    assert response.status_code == 200, response.text
    with Image.open(io.BytesIO(base64.b64decode(response.json()["data"][0]["b64_json"]))) as image:
        assert image.size == (1024, 438)


@pytest.mark.parametrize(("value", "param"), [
    ([1, BEYOND_64_BITS], "input"),
    ([BEYOND_64_BITS], "input"),
    ([[5], [1, BEYOND_64_BITS]], "input[1]"),
    ([100277], "input"),
])
def test_embedding_token_ids_outside_the_vocabulary(http: httpx.Client, value: list, param: str) -> None:
    response = http.post("/v1/embeddings", json={"model": "text-embedding-3-small", "input": value})
    assert "Invalid token id" in openai_error(response, param)["message"]


@pytest.mark.parametrize(("value", "param"), [
    ([1, BEYOND_64_BITS], "prompt"),
    ([[5], [BEYOND_64_BITS]], "prompt[1]"),
    ([-3], "prompt"),
])
def test_completion_token_ids_outside_the_vocabulary(http: httpx.Client, value: list, param: str) -> None:
    response = http.post("/v1/completions", json={"model": "gpt-3.5-turbo-instruct", "prompt": value})
    assert "Invalid token id" in openai_error(response, param)["message"]


def test_token_ids_at_the_vocabulary_edge_are_answered(http: httpx.Client) -> None:
    response = http.post("/v1/completions", json={"model": "gpt-3.5-turbo-instruct", "prompt": [0, 100276],
                                                  "max_tokens": 3})
    assert response.status_code == 200 and response.json()["usage"]["prompt_tokens"] == 2


# ---- Anthropic: dotted paths, the field named once, the content block the instance meant -------------

def anthropic_message(server, body: dict, path: str = "/v1/messages") -> str:
    response = httpx.post(server.url + path, headers=ANTHROPIC, json=body, timeout=10)
    assert response.status_code == 400, response.text
    payload = response.json()
    assert payload["type"] == "error" and payload["error"]["type"] == "invalid_request_error"
    return payload["error"]["message"]


def ask(content: object, **extra: object) -> dict:
    return {"model": "claude-sonnet-4-20250514", "max_tokens": 64, "messages": [{"role": "user", "content": content}],
            **extra}


@pytest.mark.parametrize(("body", "message"), [
    (ask([{"type": "text"}]), "messages.0.content.0.text: Field required"),
    (ask([{"type": "text", "text": 5}]), "messages.0.content.0.text: Input should be a valid string"),
    (ask([{"type": "image", "source": {"type": "base64", "data": "AAAA"}}]),
     "messages.0.content.0.source.media_type: Field required"),
    (ask([{"type": "image", "source": {"type": "ftp"}}]),
     "messages.0.content.0.source.type: Input should be 'base64', 'url' or 'file'"),
    (ask([{"type": "tool_result", "content": "15 degrees"}]), "messages.0.content.0.tool_use_id: Field required"),
    (ask([{"type": "tool_use", "id": "toolu_1", "name": "f"}]), "messages.0.content.0.input: Field required"),
    (ask([{"type": "thinking", "thinking": "hm"}]), "messages.0.content.0.signature: Field required"),
    (ask([7]), "messages.0.content.0: Input should be a valid dictionary"),
    (ask("hi", temperature=3), "temperature: Input should be less than or equal to 1"),
    (ask("hi", max_tokens="many"), "max_tokens: Input should be a valid integer"),
    ({"model": "claude-sonnet-4-20250514", "max_tokens": 8, "messages": [{"role": "wizard", "content": "hi"}]},
     "messages.0.role: Input should be 'user' or 'assistant'"),
])
def test_anthropic_validation_reads_like_anthropic(server, body: dict, message: str) -> None:
    assert anthropic_message(server, body) == message


def test_count_tokens_explains_the_block_too(server) -> None:
    body = {"model": "claude-sonnet-4-20250514", "messages": [{"role": "user", "content": [{"type": "document"}]}]}
    assert anthropic_message(server, body, "/v1/messages/count_tokens") == "messages.0.content.0.source: Field required"


def test_other_block_types_still_pass_through(server) -> None:
    body = ask([{"type": "text", "text": "look this up"}, {"type": "search_result", "source": "https://x.test",
                                                            "title": "X", "content": []}])
    response = httpx.post(server.url + "/v1/messages", headers=ANTHROPIC, json=body, timeout=10)
    assert response.status_code == 200, response.text


def test_anthropic_sdk_sees_the_dotted_message(server) -> None:
    client = anthropic.Anthropic(base_url=server.url, api_key="sk-test", max_retries=0)
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.create(model="claude-sonnet-4-20250514", max_tokens=16,
                               messages=[{"role": "user", "content": [{"type": "text"}]}])  # type: ignore[typeddict-item]
    assert caught.value.body["error"]["message"] == "messages.0.content.0.text: Field required"


def test_openai_keeps_its_bracket_paths(http: httpx.Client) -> None:
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": [{"type": "text"}]}]}
    error = openai_error(http.post("/v1/chat/completions", json=body), "messages[0].content[0].text")
    assert error["message"] == "Missing required parameter: 'messages[0].content[0].text'."


@pytest.mark.parametrize("path", ["/v1/models/:generateContent", "/v1beta/models/:streamGenerateContent"])
def test_an_empty_model_segment_is_a_gemini_400_not_another_route(server, path: str) -> None:
    response = httpx.post(server.url + path, headers={"x-goog-api-key": "k"}, timeout=10,
                          json={"contents": [{"parts": [{"text": "hi"}]}]})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT" and "'model'" in error["message"]


TOOL_TURNS = ('{"role": "user", "content": "count"},'
              '{"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "count",'
              ' "input": {"n": 18446744073709551617}}]},'
              '{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "done"}]}')


@pytest.mark.parametrize(("path", "raw"), [
    ("/v1/messages", '{"model": "claude-sonnet-4-20250514", "max_tokens": 32, "messages": [' + TOOL_TURNS + ']}'),
    ("/v1/messages/count_tokens", '{"model": "claude-sonnet-4-20250514", "messages": [' + TOOL_TURNS + ']}'),
    ("/v1/chat/completions", '{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}],'
                             ' "seed": 18446744073709551617, "max_completion_tokens": 18446744073709551617}'),
])
def test_integers_beyond_64_bits_elsewhere_are_answered(server, path: str, raw: str) -> None:
    """A tool's input may hold any JSON number, and a seed or limit past 64 bits is merely large: all answered."""
    headers = {**ANTHROPIC, "Authorization": "Bearer k", "content-type": "application/json"}
    response = httpx.post(server.url + path, headers=headers, content=raw, timeout=10)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("query", ["__code=%C2%B2", "__code=abc", "__code=2000"])
def test_a_prefer_code_that_is_no_status_is_a_400(http: httpx.Client, query: str) -> None:
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    response = http.post(f"/v1/chat/completions?{query}", json=body)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_prefer"


def test_starting_after_with_a_non_ascii_digit_is_a_400(http: httpx.Client) -> None:
    created = http.post("/v1/responses", json={"model": "gpt-4.1", "input": "hi"}).json()
    response = http.get(f"/v1/responses/{created['id']}", params={"stream": "true", "starting_after": "²"})
    assert openai_error(response, "starting_after")


@pytest.mark.parametrize(("headers", "prompt"), [({"X-Mock-Task-Polls": "inf"}, "a song"),
                                                 ({"X-Mock-Task-Polls": "1e400"}, "a song"),
                                                 ({}, "a song [mock:polls=inf]")])
def test_infinite_task_polls_are_a_400(http: httpx.Client, headers: dict, prompt: str) -> None:
    response = http.post("/suno/submit/music", headers=headers, json={"prompt": prompt, "mv": "chirp-v4"})
    assert response.status_code == 400 and response.json()["code"] == "invalid_request"
    assert "finite" in response.json()["message"]


@pytest.mark.parametrize("value", ["nan", "inf", "1e400"])
def test_a_form_number_that_is_not_finite_is_named(http: httpx.Client, value: str) -> None:
    response = http.post("/v1/audio/transcriptions", data={"model": "whisper-1", "temperature": value},
                         files={"file": ("a.mp3", render_audio("mp3", 1.0, "x"), "audio/mpeg")})
    error = openai_error(response, "temperature")
    assert error["message"] == "Invalid type for 'temperature': expected number, but got string instead."


def test_a_form_field_sent_twice_is_a_400(http: httpx.Client) -> None:
    response = http.post("/ideogram/v1/ideogram-v3/generate",
                         files=[("prompt", (None, "a fox")), ("negative_prompt", (None, "blur")),
                                ("negative_prompt", (None, "noise"))])
    assert response.status_code == 400 and response.json() == {
        "error": "'negative_prompt' was sent 2 times; it takes one value."}


def test_text_where_the_form_takes_a_file_is_a_400(http: httpx.Client) -> None:
    response = http.post("/ideogram/v1/ideogram-v3/generate",
                         files=[("prompt", (None, "a fox")), ("style_reference_images", (None, '{"a": 1}'))])
    assert response.status_code == 400
    assert response.json() == {"error": "'style_reference_images' must be a file upload (multipart file part)."}
