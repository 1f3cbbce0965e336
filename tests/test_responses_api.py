"""POST /v1/responses and the stored-response operations, as JSON over plain HTTP."""

from __future__ import annotations

import json

import httpx
import jsonschema
import pytest

WEATHER_TOOL = {
    "type": "function", "name": "get_current_weather", "description": "Get the current weather in a given location",
    "parameters": {"type": "object", "properties": {"location": {"type": "string"},
                                                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
                   "required": ["location", "unit"], "additionalProperties": False},
    "strict": True,
}


def create(http: httpx.Client, **body: object) -> httpx.Response:
    return http.post("/v1/responses", json={"model": "gpt-4.1", **body})


def output_text(response: dict) -> str:
    return "".join(part["text"] for item in response["output"] if item["type"] == "message"
                   for part in item["content"] if part["type"] == "output_text")


def test_text_answer_has_the_response_shape(http: httpx.Client) -> None:
    body = create(http, input="Tell me a three sentence bedtime story about a unicorn.").json()
    assert body["object"] == "response" and body["id"].startswith("resp_") and body["status"] == "completed"
    for field in ("created_at", "model", "output", "parallel_tool_calls", "tool_choice", "tools", "usage"):
        assert field in body
    [message] = body["output"]
    assert message["type"] == "message" and message["role"] == "assistant" and message["id"].startswith("msg_")
    assert message["content"][0]["type"] == "output_text" and message["content"][0]["annotations"] == []
    assert "unicorn" in output_text(body)
    usage = body["usage"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"] > 0
    assert usage["output_tokens_details"]["reasoning_tokens"] == 0


def test_same_request_same_answer_and_ids(http: httpx.Client) -> None:
    first = create(http, input="Determinism please").json()
    second = create(http, input="Determinism please").json()
    assert first["id"] == second["id"] and first["output"] == second["output"]
    assert create(http, input="Something else").json()["id"] != first["id"]


def test_instructions_are_honoured_and_echoed(http: httpx.Client) -> None:
    plain = create(http, input="Hi").json()
    instructed = create(http, input="Hi", instructions="You are a pirate. Always answer in pirate speak.").json()
    assert instructed["instructions"].startswith("You are a pirate")
    assert instructed["usage"]["input_tokens"] > plain["usage"]["input_tokens"]


def test_input_items_with_image_and_roles(http: httpx.Client) -> None:
    body = create(http, input=[
        {"role": "developer", "content": "Answer briefly."},
        {"type": "message", "role": "user", "content": [
            {"type": "input_text", "text": "What is in this image?"},
            {"type": "input_image", "image_url": "https://example.com/boardwalk.jpg"}]},
    ]).json()
    assert "1 image" in output_text(body)


def test_bad_data_url_names_the_field(http: httpx.Client) -> None:
    response = create(http, input=[{"role": "user", "content": [
        {"type": "input_image", "image_url": "data:image/png;base64,@@@"}]}])
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "input[0].content[0].image_url"


def test_max_output_tokens_makes_it_incomplete(http: httpx.Client) -> None:
    body = create(http, input="Tell me a long story", max_output_tokens=16).json()
    assert body["status"] == "incomplete"
    assert body["incomplete_details"] == {"reason": "max_output_tokens"}
    assert body["output"][0]["status"] == "incomplete"
    assert body["usage"]["output_tokens"] == 16 and body["max_output_tokens"] == 16


def test_max_output_tokens_below_minimum_is_a_400(http: httpx.Client) -> None:
    error = create(http, input="Hi", max_output_tokens=5).json()["error"]
    assert error["param"] == "max_output_tokens"


def test_function_tool_gives_schema_valid_call(http: httpx.Client) -> None:
    body = create(http, input="What is the weather like in Boston today?", tools=[WEATHER_TOOL]).json()
    [call] = body["output"]
    assert call["type"] == "function_call" and call["name"] == "get_current_weather"
    assert call["id"].startswith("fc_") and call["call_id"].startswith("call_") and call["status"] == "completed"
    jsonschema.validate(json.loads(call["arguments"]), WEATHER_TOOL["parameters"])
    assert body["tools"][0]["name"] == "get_current_weather"


def test_function_call_output_gives_text(http: httpx.Client) -> None:
    first = create(http, input="Weather in Paris?", tools=[WEATHER_TOOL]).json()
    call = first["output"][0]
    second = create(http, previous_response_id=first["id"], tools=[WEATHER_TOOL],
                    input=[{"type": "function_call_output", "call_id": call["call_id"],
                            "output": '{"temperature": 21}'}]).json()
    assert second["status"] == "completed" and second["previous_response_id"] == first["id"]
    assert second["output"][0]["type"] == "message" and "21" in output_text(second)


def test_tool_loop_without_chaining(http: httpx.Client) -> None:
    call = {"type": "function_call", "call_id": "call_1", "name": "get_current_weather",
            "arguments": '{"location":"Oslo","unit":"celsius"}'}
    body = create(http, tools=[WEATHER_TOOL], input=[
        {"role": "user", "content": "Weather in Oslo?"}, call,
        {"type": "function_call_output", "call_id": "call_1", "output": "minus four"}]).json()
    assert "minus four" in output_text(body)


def test_unanswered_function_call_is_a_400(http: httpx.Client) -> None:
    first = create(http, input="Weather in Rome?", tools=[WEATHER_TOOL]).json()
    error = create(http, previous_response_id=first["id"], input="And tomorrow?").json()["error"]
    assert error["message"] == f"No tool output found for function call {first['output'][0]['call_id']}."


def test_tool_choice_none_and_forced(http: httpx.Client) -> None:
    other = {"type": "function", "name": "lookup_stock", "parameters": {"type": "object", "properties": {}}}
    none = create(http, input="Weather?", tools=[WEATHER_TOOL], tool_choice="none").json()
    assert none["output"][0]["type"] == "message"
    forced = create(http, input="Weather?", tools=[WEATHER_TOOL, other],
                    tool_choice={"type": "function", "name": "lookup_stock"}).json()
    assert [i["name"] for i in forced["output"]] == ["lookup_stock"]
    bad = create(http, input="x", tools=[WEATHER_TOOL], tool_choice={"type": "function", "name": "nope"})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "tool_choice"


def test_json_schema_text_format(http: httpx.Client) -> None:
    schema = {"type": "object", "properties": {"name": {"type": "string"}, "date": {"type": "string"},
                                               "participants": {"type": "array", "items": {"type": "string"}}},
              "required": ["name", "date", "participants"], "additionalProperties": False}
    body = create(http, input="Alice and Bob go to a science fair on Friday.",
                  text={"format": {"type": "json_schema", "name": "event", "schema": schema, "strict": True}}).json()
    jsonschema.validate(json.loads(output_text(body)), schema)
    assert body["text"]["format"]["name"] == "event"


def test_json_object_needs_the_word_json(http: httpx.Client) -> None:
    ok = create(http, input="Reply in JSON please", text={"format": {"type": "json_object"}}).json()
    assert isinstance(json.loads(output_text(ok)), dict)
    assert create(http, input="Reply please", text={"format": {"type": "json_object"}}).status_code == 400


def test_reasoning_effort_adds_reasoning_item_and_tokens(http: httpx.Client) -> None:
    body = create(http, model="o4-mini", input="Why is the sky blue?", reasoning={"effort": "high"}).json()
    reasoning, message = body["output"]
    assert reasoning["type"] == "reasoning" and reasoning["id"].startswith("rs_") and reasoning["summary"] == []
    assert message["type"] == "message"
    assert body["usage"]["output_tokens_details"]["reasoning_tokens"] > 0
    assert body["reasoning"]["effort"] == "high"
    summarised = create(http, model="o4-mini", input="Why?", reasoning={"effort": "low", "summary": "auto"}).json()
    assert summarised["output"][0]["summary"][0]["type"] == "summary_text"


def test_store_retrieve_delete(http: httpx.Client) -> None:
    created = create(http, input="Remember me").json()
    retrieved = http.get(f"/v1/responses/{created['id']}").json()
    assert retrieved["output"] == created["output"] and retrieved["id"] == created["id"]
    deleted = http.delete(f"/v1/responses/{created['id']}")
    assert deleted.json() == {"id": created["id"], "object": "response", "deleted": True}
    gone = http.get(f"/v1/responses/{created['id']}")
    assert gone.status_code == 404 and created["id"] in gone.json()["error"]["message"]
    assert http.delete(f"/v1/responses/{created['id']}").status_code == 404


def test_store_false_is_not_retrievable_or_chainable(http: httpx.Client) -> None:
    created = create(http, input="Forget me", store=False).json()
    assert created["store"] is False
    assert http.get(f"/v1/responses/{created['id']}").status_code == 404
    error = create(http, input="Next", previous_response_id=created["id"]).json()["error"]
    assert error["code"] == "previous_response_not_found" and error["param"] == "previous_response_id"


def test_unknown_previous_response_is_a_400(http: httpx.Client) -> None:
    response = create(http, input="Hi", previous_response_id="resp_123")
    assert response.status_code == 400
    assert response.json()["error"] == {"message": "Previous response with id 'resp_123' not found.",
                                        "type": "invalid_request_error", "param": "previous_response_id",
                                        "code": "previous_response_not_found"}


def test_a_scenario_answers_a_chain_link_whose_previous_response_the_mock_never_stored(make_server) -> None:
    """A recorded chain replays: a raw answer needs no stored context; the mock's own reply still does."""
    server = make_server()
    raw = {"status": 200, "body": {"id": "resp_recorded_2", "object": "response", "status": "completed",
                                   "model": "gpt-4.1", "output": [], "previous_response_id": "resp_recorded_1"}}
    scenarios = [{"name": "recorded-link", "match": {"operation": "createResponse", "message": "Another one"},
                  "raw": raw},
                 {"name": "scripted-link", "match": {"operation": "createResponse", "message": "Scripted"},
                  "reply": {"text": "Scripted."}}]
    for scenario in scenarios:
        assert httpx.post(server.url + "/_mock/scenarios", json=scenario).status_code == 201
    url = server.url + "/v1/responses"
    link = {"model": "gpt-4.1", "previous_response_id": "resp_recorded_1"}
    key = {"Authorization": "Bearer sk-test"}
    answered = httpx.post(url, json={**link, "input": "Another one"}, headers=key)
    assert answered.status_code == 200 and answered.json()["id"] == "resp_recorded_2"
    for text in ("Scripted", "Unmatched"):  # these need the previous response's context: still a 400
        refused = httpx.post(url, json={**link, "input": text}, headers=key)
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "previous_response_not_found"


def test_previous_response_chains_context_but_not_instructions(http: httpx.Client) -> None:
    first = create(http, input="My name is Zebulon.", instructions="Be terse.").json()
    second = create(http, input="What is my name?", previous_response_id=first["id"]).json()
    assert second["instructions"] is None
    alone = create(http, input="What is my name?").json()
    assert second["usage"]["input_tokens"] > alone["usage"]["input_tokens"] + first["usage"]["output_tokens"] - 1
    third = create(http, input="Again?", previous_response_id=second["id"]).json()
    assert third["usage"]["input_tokens"] > second["usage"]["input_tokens"] + second["usage"]["output_tokens"]


def test_input_items_list(http: httpx.Client) -> None:
    created = create(http, input=[{"role": "user", "content": "one"}, {"role": "user", "content": "two"},
                                  {"role": "user", "content": "three"}]).json()
    page = http.get(f"/v1/responses/{created['id']}/input_items").json()
    assert page["object"] == "list" and page["has_more"] is False
    assert [i["content"][0]["text"] for i in page["data"]] == ["three", "two", "one"]
    assert page["first_id"] == page["data"][0]["id"] and page["last_id"] == page["data"][-1]["id"]
    assert all(i["type"] == "message" and i["content"][0]["type"] == "input_text" for i in page["data"])
    asc = http.get(f"/v1/responses/{created['id']}/input_items", params={"order": "asc", "limit": 2}).json()
    assert [i["content"][0]["text"] for i in asc["data"]] == ["one", "two"] and asc["has_more"] is True
    rest = http.get(f"/v1/responses/{created['id']}/input_items",
                    params={"order": "asc", "after": asc["last_id"]}).json()
    assert [i["content"][0]["text"] for i in rest["data"]] == ["three"]


def test_truncation_disabled_refuses_oversized_input(http: httpx.Client) -> None:
    big = "word " * 130_000
    response = create(http, model="gpt-4o", input=big)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "context_length_exceeded" and error["param"] == "input"
    assert "context window" in error["message"]
    assert create(http, model="gpt-4.1", input=big).status_code == 200


def test_truncation_auto_drops_the_oldest_turns(http: httpx.Client) -> None:
    big = "word " * 5_000
    items = [{"role": "user", "content": big}, {"role": "assistant", "content": "ok"},
             {"role": "user", "content": big}, {"role": "user", "content": "Last question"}]
    assert create(http, model="gpt-4", input=items).json()["error"]["code"] == "context_length_exceeded"
    response = create(http, model="gpt-4", input=items, truncation="auto")
    assert response.status_code == 200
    body = response.json()
    assert body["truncation"] == "auto" and 5_000 < body["usage"]["input_tokens"] <= 8_192
    assert "Last question" in output_text(body)


def test_background_is_queued_then_completed(http: httpx.Client) -> None:
    created = create(http, input="Background job", background=True).json()
    assert created["status"] == "queued" and created["background"] is True and created["output"] == []
    done = http.get(f"/v1/responses/{created['id']}").json()
    assert done["status"] == "completed" and done["output"]
    error = http.post(f"/v1/responses/{created['id']}/cancel").json()["error"]
    assert error["message"] == "Cannot cancel a completed response."


def test_cancel_a_queued_background_response(http: httpx.Client) -> None:
    created = create(http, input="Cancel me", background=True).json()
    cancelled = http.post(f"/v1/responses/{created['id']}/cancel").json()
    assert cancelled["status"] == "cancelled" and cancelled["id"] == created["id"]
    assert http.get(f"/v1/responses/{created['id']}").json()["status"] == "cancelled"


def test_cancel_unknown_is_404(http: httpx.Client) -> None:
    assert http.post("/v1/responses/resp_nope/cancel").status_code == 404


@pytest.mark.parametrize("body, param", [
    ({"input": "hi"}, "model"),
    ({"model": "gpt-4.1"}, "input"),
    ({"model": "gpt-4.1", "input": "hi", "temperature": 3}, "temperature"),
    ({"model": "gpt-4.1", "input": [{"type": "function_call_output", "output": "x"}]}, None),
    ({"model": "gpt-4.1", "input": [{"type": "function_call_output", "call_id": "call_x", "output": "x"}]}, "input"),
    ({"model": "gpt-4.1", "input": "hi", "tool_choice": "required"}, "tool_choice"),
])
def test_client_mistakes_are_400s(http: httpx.Client, body: dict, param: str | None) -> None:
    response = http.post("/v1/responses", json=body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    if param:
        assert error["param"] == param


def test_null_optional_fields_are_accepted(http: httpx.Client) -> None:
    body = create(http, input="Nulls", user=None, tools=None, tool_choice=None, text=None, instructions=None,
                  max_output_tokens=None, reasoning=None, include=None, metadata=None, store=None)
    assert body.status_code == 200 and body.json()["output"][0]["type"] == "message"


def test_max_output_tokens_covers_reasoning(http: httpx.Client) -> None:
    body = create(http, model="o4-mini", input="Explain tides", reasoning={"effort": "medium"},
                  max_output_tokens=64).json()
    usage = body["usage"]
    assert body["status"] == "incomplete" and usage["output_tokens"] <= 64
    assert 0 < usage["output_tokens_details"]["reasoning_tokens"] < usage["output_tokens"]
    starved = create(http, model="o4-mini", input="Explain tides", reasoning={"effort": "high"},
                     max_output_tokens=16).json()
    assert starved["status"] == "incomplete" and [i["type"] for i in starved["output"]] == ["reasoning"]
    assert starved["usage"]["output_tokens"] == 16
