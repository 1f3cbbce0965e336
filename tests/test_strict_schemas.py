"""`strict: true` JSON schemas: OpenAI's Structured Outputs rules, checked on both OpenAI dialects.

A strict response format or function whose schema breaks a rule is a 400 in OpenAI's words; a
non-strict one keeps working; the schemas the SDK's `parse()` helpers generate pass.
"""

from __future__ import annotations

import enum
import json
from typing import Any, Literal, Optional

import openai
import pydantic
import pytest
from openai.lib._tools import pydantic_responses_function_tool

from mockserver.strict_schema import MAX_DEPTH, MAX_ENUM_VALUES, MAX_PROPERTIES, UNSUPPORTED_KEYWORDS, problem

REQUIRED_RULE = "'required' is required to be supplied and to be an array including every key in properties."
CLOSED_RULE = "'additionalProperties' is required to be supplied and to be false."
VALID = {"type": "object", "properties": {
    "steps": {"type": "array", "items": {"type": "object", "properties": {"explanation": {"type": "string"}},
                                         "required": ["explanation"], "additionalProperties": False}},
    "final_answer": {"type": "string"}}, "required": ["steps", "final_answer"], "additionalProperties": False}


def obj(properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A strict-valid object schema with these properties (overridable)."""
    return {"type": "object", "properties": properties, "required": list(properties),
            "additionalProperties": False, **extra}


def nested(levels: int) -> dict[str, Any]:
    """Objects nested `levels` deep."""
    schema = obj({"leaf": {"type": "string"}})
    for _ in range(levels - 1):
        schema = obj({"child": schema})
    return schema


# (schema, the message after "Invalid schema for ...: ")
BROKEN: dict[str, tuple[dict[str, Any], str]] = {
    "missing_required": ({**VALID, "required": ["steps"]}, f"In context=(), {REQUIRED_RULE} Missing 'final_answer'."),
    "no_required": ({k: v for k, v in VALID.items() if k != "required"},
                    f"In context=(), {REQUIRED_RULE} Missing 'steps'."),
    "extra_required": ({**VALID, "required": ["steps", "final_answer", "other"]},
                       f"In context=(), {REQUIRED_RULE} Extra required key 'other' supplied."),
    "open_nested_object": (obj({"steps": {"type": "array", "items": {
        "type": "object", "properties": {"x": {"type": "string"}}, "required": ["x"]}}}),
        f"In context=('properties', 'steps', 'items'), {CLOSED_RULE}"),
    "additional_properties_true": ({**VALID, "additionalProperties": True}, f"In context=(), {CLOSED_RULE}"),
    "root_any_of": ({"anyOf": [VALID, obj({"x": {"type": "string"}})]},
                    "schema must be a JSON Schema of 'type: \"object\"', got 'type: \"None\"'."),
    "root_array": ({"type": "array", "items": {"type": "string"}},
                   "schema must be a JSON Schema of 'type: \"object\"', got 'type: \"array\"'."),
    "untyped_property": (obj({"x": {"description": "anything"}}),
                         "In context=('properties', 'x'), schema must have a 'type' key."),
    "all_of": (obj({"x": {"allOf": [{"type": "string"}]}}), "In context=('properties', 'x'), 'allOf' is not permitted."),
    "pattern_properties": ({**VALID, "patternProperties": {"^x": {"type": "string"}}},
                           "In context=(), 'patternProperties' is not permitted."),
    "if_then_else": (obj({"x": {"type": "string", "if": {"minLength": 1}, "then": {}}}),
                     "In context=('properties', 'x'), 'if' is not permitted."),
    "contains_in_any_of": (obj({"x": {"anyOf": [{"type": "null"}, {"type": "array", "items": {"type": "string"},
                                                                    "contains": {"const": "a"}}]}}),
                           "In context=('properties', 'x', 'anyOf', 1), 'contains' is not permitted."),
    "bad_definition": ({**VALID, "$defs": {"Step": {"type": "object", "properties": {}}}},
                       f"In context=('$defs', 'Step'), {CLOSED_RULE}"),
    "too_deep": (nested(MAX_DEPTH + 1), f"In context={('properties', 'child') * MAX_DEPTH!r}, the schema nests objects "
                 f"{MAX_DEPTH + 1} levels deep; at most {MAX_DEPTH} levels are allowed."),
    "too_many_properties": (obj({f"p{i}": obj({f"q{j}": {"type": "string"} for j in range(100)}) for i in range(50)}),
                            f"The schema has 5050 object properties; at most {MAX_PROPERTIES} are allowed."),
    "too_many_enum_values": (obj({"a": {"type": "integer", "enum": list(range(600))},
                                  "b": {"type": "integer", "enum": list(range(600))}}),
                             f"The schema has 1200 enum values; at most {MAX_ENUM_VALUES} are allowed."),
    "large_string_enum": (obj({"a": {"type": "string", "enum": [f"{i:03d}" + "x" * 57 for i in range(251)]}}),
                          "In context=('properties', 'a'), an enum with more than 250 values may hold at most "
                          "15000 characters in all; this one holds 15060."),
}


@pytest.fixture(scope="module")
def client(server) -> Any:
    with openai.OpenAI(base_url=server.v1, api_key="sk-test", max_retries=0) as c:
        yield c


def rejected(call: Any) -> dict[str, Any]:
    with pytest.raises(openai.BadRequestError) as caught:
        call()
    assert caught.value.status_code == 400 and caught.value.type == "invalid_request_error"
    return {"message": caught.value.body["message"], "param": caught.value.param, "code": caught.value.code}


# ---------------------------------------------------------------- the rules, in process

@pytest.mark.parametrize("case", BROKEN)
def test_each_rule(case: str) -> None:
    schema, message = BROKEN[case]
    assert problem(schema) == message


def test_valid_schemas_pass() -> None:
    assert problem(VALID) is None
    assert problem(nested(MAX_DEPTH)) is None
    assert problem(obj({"due": {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]},
                        "tree": {"$ref": "#/$defs/Node"}, "kind": {"type": "string", "enum": ["a", "b"]},
                        "n": {"type": ["integer", "null"], "minimum": 0}, "c": {"const": "x"}},
                       **{"$defs": {"Node": obj({"children": {"type": "array",
                                                             "items": {"$ref": "#/$defs/Node"}}})}})) is None
    assert problem(obj({})) is None and problem({"type": "object", "additionalProperties": False}) is None


def test_every_unsupported_keyword_is_refused() -> None:
    for keyword in UNSUPPORTED_KEYWORDS:
        assert problem({**VALID, keyword: {}}) == f"In context=(), '{keyword}' is not permitted."


def test_malformed_schemas_get_a_message_not_a_crash() -> None:
    for schema in ({**VALID, "properties": []}, {**VALID, "required": "steps"}, obj({"x": {"anyOf": {}}}),
                   {**VALID, "$defs": []}, obj({"x": "string"})):
        assert problem(schema).startswith(("In context=", "schema must"))


# ---------------------------------------------------------------- Chat Completions over HTTP

@pytest.mark.parametrize("case", BROKEN)
def test_chat_strict_response_format_violations(client: Any, case: str) -> None:
    schema, message = BROKEN[case]
    error = rejected(lambda: client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Solve 8x + 7 = -23"}],
        response_format={"type": "json_schema", "json_schema": {"name": "math_reasoning", "schema": schema,
                                                                "strict": True}}))
    assert error == {"message": f"Invalid schema for response_format 'math_reasoning': {message}",
                     "param": "response_format", "code": "invalid_json_schema"}


def test_chat_strict_function_violation(client: Any) -> None:
    loose = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    tools = [{"type": "function", "function": {"name": "get_time", "parameters": VALID, "strict": True}},
             {"type": "function", "function": {"name": "get_weather", "parameters": loose, "strict": True}}]
    error = rejected(lambda: client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Weather?"}], tools=tools))
    assert error == {"message": f"Invalid schema for function 'get_weather': In context=(), {CLOSED_RULE}",
                     "param": "tools[1].function.parameters", "code": "invalid_function_parameters"}
    legacy = rejected(lambda: client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Weather?"}], functions=[tools[1]["function"]]))
    assert legacy["param"] == "functions[0].parameters"


def test_chat_non_strict_schemas_keep_working(client: Any) -> None:
    loose = {"type": "object", "properties": {"city": {"type": "string"}, "tags": {"type": "object"}}}
    completion = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Weather in Paris?"}],
        tools=[{"type": "function", "function": {"name": "get_weather", "parameters": loose}}])
    assert completion.choices[0].message.tool_calls[0].function.name == "get_weather"
    answer = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Give me data"}],
        response_format={"type": "json_schema", "json_schema": {"name": "data", "schema": loose, "strict": False}})
    assert isinstance(json.loads(answer.choices[0].message.content), dict)


def test_chat_valid_strict_schema_is_answered(client: Any) -> None:
    answer = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Solve 8x + 7 = -23"}],
        response_format={"type": "json_schema", "json_schema": {"name": "math_reasoning", "schema": VALID,
                                                                "strict": True}})
    assert set(json.loads(answer.choices[0].message.content)) == {"steps", "final_answer"}


class Colour(str, enum.Enum):
    RED = "red"
    BLUE = "blue"


class Step(pydantic.BaseModel):
    explanation: str
    output: Optional[str] = None


class Node(pydantic.BaseModel):
    label: str
    children: list[Node]


class Solution(pydantic.BaseModel):
    """Every shape the SDK turns into a strict schema: nesting, lists, optionals, literals, enums, defaults, recursion."""

    steps: list[Step]
    final_answer: str
    difficulty: Literal["easy", "hard"]
    colour: Colour
    confidence: float = 0.5
    tags: list[str] = pydantic.Field(default_factory=list, description="Free tags")
    tree: Optional[Node] = None


class GetWeather(pydantic.BaseModel):
    city: str
    unit: Literal["c", "f"]
    when: Optional[str] = None


def test_chat_parse_with_pydantic_models(client: Any) -> None:
    completion = client.chat.completions.parse(
        model="gpt-4o", response_format=Solution, messages=[{"role": "user", "content": "Solve 8x + 7 = -23"}])
    assert isinstance(completion.choices[0].message.parsed, Solution)
    tool_call = client.chat.completions.parse(
        model="gpt-4o", messages=[{"role": "user", "content": "Weather in Paris?"}],
        tools=[openai.pydantic_function_tool(GetWeather)]).choices[0].message.tool_calls[0]
    assert isinstance(tool_call.function.parsed_arguments, GetWeather)


# ---------------------------------------------------------------- Responses API over HTTP

@pytest.mark.parametrize("case", ["missing_required", "open_nested_object", "root_any_of", "all_of", "too_deep"])
def test_responses_strict_text_format_violations(client: Any, case: str) -> None:
    schema, message = BROKEN[case]
    error = rejected(lambda: client.responses.create(
        model="gpt-4.1", input="Solve 8x + 7 = -23",
        text={"format": {"type": "json_schema", "name": "math_reasoning", "schema": schema, "strict": True}}))
    assert error == {"message": f"Invalid schema for response_format 'math_reasoning': {message}",
                     "param": "text.format.schema", "code": "invalid_json_schema"}


def test_responses_strict_function_violation(client: Any) -> None:
    schema, message = BROKEN["missing_required"]
    error = rejected(lambda: client.responses.create(model="gpt-4.1", input="Weather?", tools=[
        {"type": "function", "name": "get_weather", "parameters": schema, "strict": True}]))
    assert error == {"message": f"Invalid schema for function 'get_weather': {message}",
                     "param": "tools[0].parameters", "code": "invalid_function_parameters"}


def test_responses_non_strict_schemas_keep_working(client: Any) -> None:
    loose = {"type": "object", "properties": {"city": {"type": "string"}}}
    response = client.responses.create(model="gpt-4.1", input="Weather in Paris?", tools=[
        {"type": "function", "name": "get_weather", "parameters": loose, "strict": False}])
    assert response.output[0].name == "get_weather"
    answer = client.responses.create(model="gpt-4.1", input="Give me data", text={
        "format": {"type": "json_schema", "name": "data", "schema": loose}})
    assert isinstance(json.loads(answer.output_text), dict)


def test_responses_parse_with_pydantic_models(client: Any) -> None:
    parsed = client.responses.parse(model="gpt-4.1", input="Solve 8x + 7 = -23", text_format=Solution)
    assert isinstance(parsed.output_parsed, Solution)
    called = client.responses.parse(model="gpt-4.1", input="Weather in Paris?",
                                    tools=[pydantic_responses_function_tool(GetWeather)])
    assert isinstance(called.output[0].parsed_arguments, GetWeather)
