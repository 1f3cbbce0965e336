"""Gemini native endpoints over plain HTTP: bodies, SSE framing, tools, structured output, errors."""

from __future__ import annotations

import base64
import io
import json
import math
import socket
import threading
import time

import httpx
import jsonschema
import numpy as np
import pytest
import uvicorn
from PIL import Image

from conftest import RunningServer
from mockserver import MockServer, Settings, create_app

PNG_1PX = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
WEATHER = {"name": "get_weather", "description": "Get the current weather in a given location",
           "parameters": {"type": "OBJECT", "properties": {"location": {"type": "STRING"},
                                                           "unit": {"type": "STRING", "enum": ["C", "F"]}},
                          "required": ["location"]}}


@pytest.fixture(scope="module")
def strict(server) -> RunningServer:
    """A second real server, seed 7, accepting only `test-key`; it reuses the loaded spec (loading is slow)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    mock = MockServer(Settings(port=sock.getsockname()[1], quiet=True, seed=7, api_keys=("test-key",)),
                      spec=server.mock.spec)
    runner = uvicorn.Server(uvicorn.Config(create_app(server=mock), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=runner.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    while not runner.started:
        time.sleep(0.01)
    yield RunningServer(url, mock)
    runner.should_exit = True
    thread.join(timeout=5)
    sock.close()


@pytest.fixture
def gem(server) -> httpx.Client:
    """A client that authenticates the way google-genai does."""
    with httpx.Client(base_url=server.url, headers={"x-goog-api-key": "test-key"}, timeout=30) as client:
        yield client


def user(text: str) -> dict:
    return {"role": "user", "parts": [{"text": text}]}


def generate(gem: httpx.Client, body: dict, model: str = "gemini-2.0-flash", version: str = "v1beta") -> dict:
    response = gem.post(f"/{version}/models/{model}:generateContent", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def sse_chunks(raw: bytes) -> list[dict]:
    """Split a Gemini SSE body, checking the framing google-genai requires."""
    assert raw.endswith(b"\r\n\r\n")
    frames = raw.split(b"\r\n\r\n")[:-1]
    for frame in frames:
        assert frame.startswith(b"data: {"), frame
        assert b"\n" not in frame and b"event:" not in frame
    return [json.loads(frame[len(b"data: "):]) for frame in frames]


@pytest.mark.parametrize("version", ["v1beta", "v1"])
def test_generate_text(gem: httpx.Client, version: str) -> None:
    body = generate(gem, {"contents": [user("What is the capital of Brazil?")]}, version=version)
    candidate = body["candidates"][0]
    assert candidate["content"]["role"] == "model"
    assert "capital of Brazil" in candidate["content"]["parts"][0]["text"]
    assert candidate["finishReason"] == "STOP" and candidate["index"] == 0
    usage = body["usageMetadata"]
    assert usage["totalTokenCount"] == usage["promptTokenCount"] + usage["candidatesTokenCount"]
    assert usage["promptTokensDetails"] == [{"modality": "TEXT", "tokenCount": usage["promptTokenCount"]}]
    assert body["modelVersion"] == "gemini-2.0-flash" and body["responseId"]


def test_same_request_same_answer_and_seed_changes_it(gem: httpx.Client, strict) -> None:
    request = {"contents": [user("Tell me something")]}
    first, second = generate(gem, request), generate(gem, request)
    assert first["candidates"] == second["candidates"] and first["responseId"] == second["responseId"]
    answer = httpx.post(f"{strict.url}/v1beta/models/gemini-2.0-flash:generateContent", json=request,
                        headers={"x-goog-api-key": "test-key"}).json()
    assert answer["responseId"] != first["responseId"]


@pytest.mark.parametrize("headers,params", [({"x-goog-api-key": "wrong"}, {}), ({}, {"key": "wrong"})])
def test_rejected_key(strict, headers: dict, params: dict) -> None:
    response = httpx.post(f"{strict.url}/v1beta/models/gemini-2.0-flash:generateContent", headers=headers,
                          params=params, json={"contents": [user("x")]})
    assert response.status_code == 400
    assert response.json()["error"] == {"code": 400, "message": "API key not valid. Please pass a valid API key.",
                                        "status": "INVALID_ARGUMENT"}


def test_snake_case_body_with_image_and_limits(gem: httpx.Client) -> None:
    body = generate(gem, {
        "system_instruction": {"parts": [{"text": "You are concise."}]},
        "contents": [{"role": "user", "parts": [{"text": "What is in this picture?"},
                                                {"inline_data": {"mime_type": "image/png", "data": PNG_1PX}}]}],
        "generation_config": {"max_output_tokens": 3},
    })
    candidate = body["candidates"][0]
    assert candidate["finishReason"] == "MAX_TOKENS"
    assert body["usageMetadata"]["candidatesTokenCount"] == 3
    modalities = {d["modality"] for d in body["usageMetadata"]["promptTokensDetails"]}
    assert modalities == {"TEXT", "IMAGE"}


def test_stop_sequence_and_candidate_count(gem: httpx.Client) -> None:
    body = generate(gem, {"contents": [user("Say hello")], "generationConfig": {"candidateCount": 2,
                                                                                  "stopSequences": ["hello"]}})
    assert [c["index"] for c in body["candidates"]] == [0, 1]
    for candidate in body["candidates"]:
        assert "hello" not in candidate["content"]["parts"][0]["text"]
        assert candidate["finishReason"] == "STOP"


def test_thinking_models_count_thoughts(gem: httpx.Client) -> None:
    body = generate(gem, {"contents": [user("Why is the sky blue?")],
                          "generationConfig": {"thinkingConfig": {"includeThoughts": True}}}, model="gemini-2.5-flash")
    parts = body["candidates"][0]["content"]["parts"]
    assert parts[0]["thought"] is True and "thought" not in parts[1]
    usage = body["usageMetadata"]
    assert usage["thoughtsTokenCount"] > 0
    assert usage["totalTokenCount"] == usage["promptTokenCount"] + usage["candidatesTokenCount"] + usage["thoughtsTokenCount"]
    off = generate(gem, {"contents": [user("Why?")], "generationConfig": {"thinkingConfig": {"thinkingBudget": 0}}},
                   model="gemini-2.5-flash")
    assert "thoughtsTokenCount" not in off["usageMetadata"]


@pytest.mark.parametrize("version", ["v1beta", "v1"])
def test_stream_sse_framing_and_content(gem: httpx.Client, version: str) -> None:
    request = {"contents": [user("What is the capital of Brazil?")]}
    whole = generate(gem, request, version=version)
    response = gem.post(f"/{version}/models/gemini-2.0-flash:streamGenerateContent", params={"alt": "sse"},
                        json=request)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    chunks = sse_chunks(response.content)
    assert len(chunks) > 1
    text = "".join(p.get("text", "") for c in chunks for p in c["candidates"][0]["content"]["parts"])
    assert text == whole["candidates"][0]["content"]["parts"][0]["text"]
    assert all("finishReason" not in c["candidates"][0] for c in chunks[:-1])
    assert chunks[-1]["candidates"][0]["finishReason"] == "STOP"
    assert chunks[-1]["usageMetadata"] == whole["usageMetadata"]
    assert {c["responseId"] for c in chunks} == {whole["responseId"]}


def test_stream_without_alt_is_a_json_array(gem: httpx.Client) -> None:
    response = gem.post("/v1beta/models/gemini-2.0-flash:streamGenerateContent", json={"contents": [user("Hi")]})
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    chunks = response.json()
    assert isinstance(chunks, list) and chunks[-1]["candidates"][0]["finishReason"] == "STOP"


def test_stream_function_call_arrives_whole(gem: httpx.Client) -> None:
    response = gem.post("/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse",
                        json={"contents": [user("Weather in Paris?")], "tools": [{"functionDeclarations": [WEATHER]}]})
    chunks = sse_chunks(response.content)
    assert len(chunks) == 1
    call = chunks[0]["candidates"][0]["content"]["parts"][0]["functionCall"]
    assert call["name"] == "get_weather" and isinstance(call["args"], dict) and call["args"]["location"]


def test_function_call_args_match_the_schema(gem: httpx.Client) -> None:
    body = generate(gem, {"contents": [user("What's the weather in Paris?")],
                          "tools": [{"functionDeclarations": [WEATHER]}]})
    candidate = body["candidates"][0]
    assert candidate["finishReason"] == "STOP"
    call = candidate["content"]["parts"][0]["functionCall"]
    assert call["name"] == "get_weather"
    assert isinstance(call["args"]["location"], str) and call["args"].get("unit", "C") in ("C", "F")


@pytest.mark.parametrize("key", ["parametersJsonSchema", "parameters_json_schema"])
def test_json_schema_parameters(gem: httpx.Client, key: str) -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string", "minLength": 2},
                                               "days": {"type": "integer", "minimum": 1, "maximum": 7}},
              "required": ["city", "days"], "additionalProperties": False}
    body = generate(gem, {"contents": [user("Forecast for Rome")],
                          "tools": [{"function_declarations": [{"name": "forecast", key: schema}]}]})
    args = body["candidates"][0]["content"]["parts"][0]["functionCall"]["args"]
    jsonschema.validate(args, schema)


def test_tool_config_modes(gem: httpx.Client) -> None:
    search = {"name": "search_docs", "description": "Search the documentation",
              "parameters": {"type": "OBJECT", "properties": {"query": {"type": "STRING"}}}}
    tools = [{"functionDeclarations": [WEATHER, search]}]
    none = generate(gem, {"contents": [user("Weather in Paris?")], "tools": tools,
                          "toolConfig": {"functionCallingConfig": {"mode": "NONE"}}})
    assert "text" in none["candidates"][0]["content"]["parts"][0]
    forced = generate(gem, {"contents": [user("Weather in Paris?")], "tools": tools,
                            "toolConfig": {"functionCallingConfig": {"mode": "ANY",
                                                                     "allowedFunctionNames": ["search_docs"]}}})
    assert [p["functionCall"]["name"] for p in forced["candidates"][0]["content"]["parts"]] == ["search_docs"]
    bad = gem.post("/v1beta/models/gemini-2.0-flash:generateContent",
                   json={"contents": [user("x")], "tools": tools,
                         "toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["nope"]}}})
    assert bad.status_code == 400 and bad.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_function_response_turn_gets_a_text_answer(gem: httpx.Client) -> None:
    body = generate(gem, {"contents": [
        user("What's the weather in Paris?"),
        {"role": "model", "parts": [{"functionCall": {"name": "get_weather", "args": {"location": "Paris"}}}]},
        {"role": "user", "parts": [{"functionResponse": {"name": "get_weather", "response": {"temp_c": 15}}}]},
    ], "tools": [{"functionDeclarations": [WEATHER]}]})
    text = body["candidates"][0]["content"]["parts"][0]["text"]
    assert "get_weather" in text and "15" in text


def test_response_schema_gives_valid_json(gem: httpx.Client) -> None:
    schema = {"type": "OBJECT", "properties": {"name": {"type": "STRING"}, "minutes": {"type": "INTEGER"},
                                               "tags": {"type": "ARRAY", "items": {"type": "STRING"}}},
              "required": ["name", "minutes", "tags"]}
    body = generate(gem, {"contents": [user("A cookie recipe")],
                          "generationConfig": {"responseMimeType": "application/json", "responseSchema": schema}})
    value = json.loads(body["candidates"][0]["content"]["parts"][0]["text"])
    assert isinstance(value["name"], str) and isinstance(value["minutes"], int) and isinstance(value["tags"], list)
    json_schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}
    body = generate(gem, {"contents": [user("ok?")], "generationConfig": {
        "response_mime_type": "application/json", "response_json_schema": json_schema}})
    jsonschema.validate(json.loads(body["candidates"][0]["content"]["parts"][0]["text"]), json_schema)
    plain = generate(gem, {"contents": [user("Hi")], "generationConfig": {"responseMimeType": "application/json"}})
    assert isinstance(json.loads(plain["candidates"][0]["content"]["parts"][0]["text"]), dict)


def test_enum_mime_type_answers_one_value(gem: httpx.Client) -> None:
    body = generate(gem, {"contents": [user("Is this review positive?")], "generationConfig": {
        "responseMimeType": "text/x.enum", "responseSchema": {"type": "STRING", "enum": ["positive", "negative"]}}})
    assert body["candidates"][0]["content"]["parts"][0]["text"] in ("positive", "negative")


@pytest.mark.parametrize("ratio,size", [(None, (1024, 1024)), ("16:9", None)])
def test_image_generation_returns_a_real_png(gem: httpx.Client, ratio: str | None, size: tuple | None) -> None:
    config: dict = {"responseModalities": ["TEXT", "IMAGE"]}
    if ratio:
        config["imageConfig"] = {"aspectRatio": ratio}
    body = generate(gem, {"contents": [user("Draw a small red square")], "generationConfig": config},
                    model="gemini-2.0-flash-exp-image-generation")
    parts = body["candidates"][0]["content"]["parts"]
    assert "text" in parts[0]
    blob = parts[1]["inlineData"]
    assert blob["mimeType"] == "image/png"
    image = Image.open(io.BytesIO(base64.b64decode(blob["data"])))
    assert image.format == "PNG"
    if size:
        assert image.size == size
    else:
        assert image.size[0] > image.size[1]


def test_image_only_modality_has_no_text(gem: httpx.Client) -> None:
    body = generate(gem, {"contents": [user("A cat")], "generationConfig": {"responseModalities": ["IMAGE"]}},
                    model="gemini-2.0-flash-exp-image-generation")
    parts = body["candidates"][0]["content"]["parts"]
    assert len(parts) == 1 and "inlineData" in parts[0]


def test_count_tokens_matches_generate(gem: httpx.Client) -> None:
    contents = [user("The quick brown fox jumps over the lazy dog.")]
    counted = gem.post("/v1beta/models/gemini-2.0-flash:countTokens", json={"contents": contents})
    assert counted.status_code == 200
    total = counted.json()["totalTokens"]
    assert total == generate(gem, {"contents": contents})["usageMetadata"]["promptTokenCount"]
    nested = gem.post("/v1/models/gemini-2.0-flash:countTokens", json={"generateContentRequest": {
        "model": "models/gemini-2.0-flash", "systemInstruction": {"parts": [{"text": "You are concise."}]},
        "contents": contents}}).json()
    assert nested["totalTokens"] > total


def test_embed_content(gem: httpx.Client) -> None:
    def embed(text: str, **extra) -> list[float]:
        response = gem.post("/v1beta/models/text-embedding-004:embedContent",
                            json={"content": {"parts": [{"text": text}]}, **extra})
        assert response.status_code == 200, response.text
        return response.json()["embedding"]["values"]

    vector = embed("What is the meaning of life?")
    assert len(vector) == 768 and math.isclose(sum(v * v for v in vector), 1.0, rel_tol=1e-4)
    assert embed("What is the meaning of life?") == vector
    assert len(embed("short", outputDimensionality=8)) == 8
    near = sum(a * b for a, b in zip(vector, embed("The meaning of life is what?")))
    far = sum(a * b for a, b in zip(vector, embed("Bananas grow in tropical climates")))
    assert near > far


def test_embedding_values_print_as_the_shortest_float32_decimals(gem: httpx.Client) -> None:
    response = gem.post("/v1beta/models/gemini-embedding-001:embedContent",
                        json={"content": {"parts": [{"text": "print me briefly"}]}})
    texts = json.loads(response.content, parse_float=str)["embedding"]["values"]
    assert len(texts) == 3072
    # numpy's str of a float32 is its shortest round-tripping decimal: the value printed is that one
    assert all(float(t) == float(str(np.float32(t))) for t in texts)
    assert response.json()["embedding"]["values"] == [float(str(np.float32(t))) for t in texts]


def test_batch_embed_contents(gem: httpx.Client) -> None:
    requests = [{"model": "models/gemini-embedding-001", "content": {"parts": [{"text": t}]},
                 "taskType": "RETRIEVAL_DOCUMENT", "outputDimensionality": 4} for t in ("one", "two", "three")]
    response = gem.post("/v1/models/gemini-embedding-001:batchEmbedContents", json={"requests": requests})
    assert response.status_code == 200
    embeddings = response.json()["embeddings"]
    assert [len(e["values"]) for e in embeddings] == [4, 4, 4]
    assert len({tuple(e["values"]) for e in embeddings}) == 3
    requests[1]["model"] = "models/text-embedding-004"
    mismatch = gem.post("/v1/models/gemini-embedding-001:batchEmbedContents", json={"requests": requests})
    assert mismatch.status_code == 400
    assert mismatch.json()["error"]["details"][0]["fieldViolations"][0]["field"] == "requests[1].model"


def test_wrong_model_kind_is_not_found(gem: httpx.Client) -> None:
    embed = gem.post("/v1beta/models/gemini-2.0-flash:embedContent", json={"content": {"parts": [{"text": "x"}]}})
    assert embed.status_code == 404 and embed.json()["error"]["status"] == "NOT_FOUND"
    chat = gem.post("/v1beta/models/text-embedding-004:generateContent", json={"contents": [user("x")]})
    assert chat.status_code == 404 and "generateContent" in chat.json()["error"]["message"]


def test_list_models_pages(gem: httpx.Client) -> None:
    names, token, pages = [], None, 0
    while True:
        params = {"pageSize": 2, **({"pageToken": token} if token else {})}
        body = gem.get("/v1beta/models", params=params).json()
        names += [m["name"] for m in body["models"]]
        pages += 1
        token = body.get("nextPageToken")
        if not token:
            break
    assert pages > 1 and len(names) == len(set(names))
    assert "models/gemini-2.0-flash" in names and "models/text-embedding-004" in names
    everything = gem.get("/v1beta/models").json()
    assert [m["name"] for m in everything["models"]] == names and "nextPageToken" not in everything
    bad = gem.get("/v1beta/models", params={"pageToken": "garbage!"})
    assert bad.status_code == 400 and bad.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_get_model(gem: httpx.Client) -> None:
    model = gem.get("/v1beta/models/gemini-2.0-flash").json()
    assert model["name"] == "models/gemini-2.0-flash" and "generateContent" in model["supportedGenerationMethods"]
    embedding = gem.get("/v1beta/models/text-embedding-004").json()
    assert "embedContent" in embedding["supportedGenerationMethods"]
    missing = gem.get("/v1beta/models/no-such-model")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == 404


@pytest.mark.parametrize("body,field", [
    ({}, "contents"),
    ({"contents": []}, "contents"),
    ({"contents": [{"role": "user", "parts": []}]}, "contents[0].parts"),
    ({"contents": [{"role": "robot", "parts": [{"text": "x"}]}]}, "contents[0].role"),
    ({"contents": [{"role": "user", "parts": [{"inlineData": {"mimeType": "image/png", "data": "@@@"}}]}]},
     "contents[0].parts[0].inlineData.data"),
    ({"contents": [user("x")], "generationConfig": {"maxOutputTokens": "lots"}}, "generationConfig.maxOutputTokens"),
    ({"contents": [user("x")], "generationConfig": {"responseSchema": {"type": "OBJECT"}}},
     "generationConfig.responseMimeType"),
    ({"contents": [user("x")], "generationConfig": {"responseModalities": ["IMAGE"],
                                                   "imageConfig": {"aspectRatio": "weird"}}},
     "generationConfig.imageConfig.aspectRatio"),
])
def test_bad_requests_are_gemini_400s(gem: httpx.Client, body: dict, field: str) -> None:
    response = gem.post("/v1beta/models/gemini-2.0-flash:generateContent", json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == 400 and error["status"] == "INVALID_ARGUMENT"
    assert field in error["message"] or error["details"][0]["fieldViolations"][0]["field"] == field


def test_malformed_json_and_simulated_errors(gem: httpx.Client) -> None:
    broken = gem.post("/v1beta/models/gemini-2.0-flash:generateContent", content=b"{not json",
                      headers={"content-type": "application/json"})
    assert broken.status_code == 400 and broken.json()["error"]["status"] == "INVALID_ARGUMENT"
    limited = gem.post("/v1beta/models/gemini-2.0-flash:generateContent", json={"contents": [user("x")]},
                       headers={"Prefer": "code=429"})
    assert limited.status_code == 429 and limited.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
