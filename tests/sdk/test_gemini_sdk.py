"""The official google-genai SDK against the mock, unchanged: both API versions it can speak."""

from __future__ import annotations

import asyncio
import io

import pytest

genai = pytest.importorskip("google.genai")
from google.genai import errors, types  # noqa: E402
from pydantic import BaseModel  # noqa: E402

VERSIONS = [None, "v1beta"]  # None: the SDK's default (`v1` in google-genai 3.x)


def client_for(server, version: str | None = None, key: str = "test-key") -> "genai.Client":
    options: dict = {"base_url": server.url}
    if version:
        options["api_version"] = version
    return genai.Client(api_key=key, http_options=options)


@pytest.fixture(scope="module", params=VERSIONS, ids=["default", "v1beta"])
def client(request, server) -> "genai.Client":
    """One client per API version for the module (building a Client is slow)."""
    return client_for(server, request.param)


def get_weather(location: str) -> dict:
    """Get the current weather in a given location."""
    return {"location": location, "temp_c": 15}


def test_generate_content(client) -> None:
    response = client.models.generate_content(model="gemini-2.0-flash", contents="What is the capital of Brazil?")
    assert "capital of Brazil" in response.text
    assert response.candidates[0].finish_reason == types.FinishReason.STOP
    usage = response.usage_metadata
    assert usage.total_token_count == usage.prompt_token_count + usage.candidates_token_count


def test_generate_content_stream(client) -> None:
    whole = client.models.generate_content(model="gemini-2.0-flash", contents="Stream me something").text
    chunks = list(client.models.generate_content_stream(model="gemini-2.0-flash", contents="Stream me something"))
    assert len(chunks) > 1
    assert "".join(chunk.text or "" for chunk in chunks) == whole
    assert chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP


def test_system_instruction_and_config(client) -> None:
    config = types.GenerateContentConfig(system_instruction="You are terse.", max_output_tokens=4,
                                         temperature=0.2, stop_sequences=["zzz"])
    response = client.models.generate_content(model="gemini-2.0-flash", contents="Explain gravity", config=config)
    assert response.candidates[0].finish_reason == types.FinishReason.MAX_TOKENS
    assert response.usage_metadata.candidates_token_count == 4


def test_manual_function_calling(client) -> None:
    config = types.GenerateContentConfig(
        tools=[get_weather], automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True))
    response = client.models.generate_content(model="gemini-2.0-flash", contents="Weather in Paris?", config=config)
    call = response.function_calls[0]
    assert call.name == "get_weather" and isinstance(call.args["location"], str)
    follow_up = client.models.generate_content(model="gemini-2.0-flash", config=config, contents=[
        types.Content(role="user", parts=[types.Part.from_text(text="Weather in Paris?")]),
        response.candidates[0].content,
        types.Content(role="user", parts=[types.Part.from_function_response(
            name="get_weather", response=get_weather(**call.args))]),
    ])
    assert "get_weather" in follow_up.text and follow_up.function_calls is None


def test_function_declarations_with_forced_mode(client) -> None:
    declaration = types.FunctionDeclaration(
        name="book_table", description="Book a restaurant table",
        parameters=types.Schema(type="OBJECT", properties={"guests": types.Schema(type="INTEGER"),
                                                           "time": types.Schema(type="STRING")},
                                required=["guests", "time"]))
    config = types.GenerateContentConfig(
        tools=[types.Tool(function_declarations=[declaration])],
        tool_config=types.ToolConfig(function_calling_config=types.FunctionCallingConfig(mode="ANY")))
    call = client.models.generate_content(model="gemini-2.5-flash", contents="Hello", config=config).function_calls[0]
    assert call.name == "book_table"
    assert isinstance(call.args["guests"], int) and isinstance(call.args["time"], str)


def test_automatic_function_calling(client) -> None:
    config = types.GenerateContentConfig(tools=[get_weather])
    chat = client.chats.create(model="gemini-2.0-flash", config=config)
    answer = chat.send_message("What's the weather in Paris?")
    assert "temp_c" in answer.text
    roles = [content.role for content in chat.get_history()]
    assert roles == ["user", "model", "user", "model"]


def test_structured_output_parses(client) -> None:
    class Recipe(BaseModel):
        name: str
        minutes: int
        ingredients: list[str]

    response = client.models.generate_content(
        model="gemini-2.0-flash", contents="A cookie recipe",
        config=types.GenerateContentConfig(response_mime_type="application/json", response_schema=Recipe))
    assert isinstance(response.parsed, Recipe)


def test_image_input_and_generation(client) -> None:
    image = types.Part.from_bytes(data=_png(), mime_type="image/png")
    seen = client.models.generate_content(model="gemini-2.0-flash", contents=[image, "What is this?"])
    assert "image" in seen.text
    drawn = client.models.generate_content(
        model="gemini-2.0-flash-exp-image-generation", contents="Draw a red square",
        config=types.GenerateContentConfig(response_modalities=["TEXT", "IMAGE"]))
    blob = next(p.inline_data for p in drawn.candidates[0].content.parts if p.inline_data)
    from PIL import Image

    assert blob.mime_type == "image/png" and Image.open(io.BytesIO(blob.data)).format == "PNG"


def test_count_tokens(client) -> None:
    counted = client.models.count_tokens(model="gemini-2.0-flash", contents="The quick brown fox")
    generated = client.models.generate_content(model="gemini-2.0-flash", contents="The quick brown fox")
    assert counted.total_tokens == generated.usage_metadata.prompt_token_count > 0


def test_embed_content(client) -> None:
    result = client.models.embed_content(model="text-embedding-004", contents=["first text", "second text"])
    assert [len(e.values) for e in result.embeddings] == [768, 768]
    small = client.models.embed_content(model="gemini-embedding-001", contents="hello",
                                        config=types.EmbedContentConfig(output_dimensionality=16,
                                                                        task_type="RETRIEVAL_QUERY"))
    assert len(small.embeddings[0].values) == 16


def test_models_list_and_get(server) -> None:
    client = client_for(server, "v1beta")
    names = [m.name for m in client.models.list(config={"page_size": 3})]
    assert "models/gemini-2.0-flash" in names and "models/text-embedding-004" in names
    model = client.models.get(model="gemini-2.0-flash")
    assert model.display_name and model.input_token_limit > 0
    default_client = client_for(server)  # keep a reference: a collected Client closes its connection pool
    default_names = [m.name for m in default_client.models.list()]
    assert "models/gemini-2.0-flash" in default_names


def test_errors_raise_client_error(client) -> None:
    with pytest.raises(errors.ClientError) as raised:
        client.models.generate_content(model="text-embedding-004", contents="hi")
    assert raised.value.code == 404 and raised.value.status == "NOT_FOUND"
    with pytest.raises(errors.ClientError) as raised:
        client.models.generate_content(model="gemini-2.0-flash", contents="hi",
                                       config=types.GenerateContentConfig(response_schema={"type": "OBJECT"}))
    assert raised.value.code == 400 and raised.value.status == "INVALID_ARGUMENT"


def test_async_client(client) -> None:
    async def run() -> tuple[str, str]:
        whole = await client.aio.models.generate_content(model="gemini-2.0-flash", contents="Async hello")
        streamed = [c.text or "" async for c in await client.aio.models.generate_content_stream(
            model="gemini-2.0-flash", contents="Async hello")]
        return whole.text, "".join(streamed)

    whole, streamed = asyncio.run(run())
    assert whole == streamed


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()
