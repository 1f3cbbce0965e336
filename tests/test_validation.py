"""In-process: `explain` names the field in each provider's form and picks the anyOf/oneOf branch meant."""

from __future__ import annotations

import pytest

from mockserver.spec.validators import SchemaValidator, Violation

BLOCK = {"anyOf": [
    {"type": "object", "required": ["type", "text"],
     "properties": {"type": {"const": "text"}, "text": {"type": "string"}}},
    {"type": "object", "required": ["type", "source"],
     "properties": {"type": {"const": "image"}, "source": {"type": "object", "required": ["url"]}}},
]}
BODY = {"type": "object", "properties": {"messages": {"type": "array", "items": {
    "type": "object", "properties": {"content": {"type": "array", "items": BLOCK}}}}}}


def violation(schema: dict, instance: object) -> Violation:
    found = SchemaValidator(schema).first_violation(instance)
    assert found is not None
    return found


def content(*blocks: object) -> dict:
    return {"messages": [{"content": list(blocks)}]}


def test_the_branch_whose_tag_matches_is_explained() -> None:
    found = violation(BODY, content({"type": "text", "text": "ok"}, {"type": "image", "source": {}}))
    assert found.param == "messages[0].content[1].source.url"
    assert found.message == "Missing required parameter: 'messages[0].content[1].source.url'."
    assert found.anthropic_message == "messages.0.content.1.source.url: Field required"


def test_a_wrong_type_inside_the_matching_branch() -> None:
    found = violation(BODY, content({"type": "text", "text": 5}))
    assert found.message == "Invalid type for 'messages[0].content[0].text': expected string, but got integer instead."
    assert found.anthropic_message == "messages.0.content.0.text: Input should be a valid string"


def test_an_unknown_tag_lists_the_known_ones() -> None:
    found = violation(BODY, content({"type": "video"}))
    assert found.param == "messages[0].content[0].type"
    assert found.message == ("Invalid value for 'messages[0].content[0].type': 'video'. "
                             "Supported values are: 'text', 'image'.")
    assert found.anthropic_message == "messages.0.content.0.type: Input should be 'text' or 'image'"


def test_a_value_no_branch_can_hold_names_the_types() -> None:
    found = violation(BODY, content(7))
    assert found.code == "invalid_type" and found.param == "messages[0].content[0]"
    assert found.anthropic_message == "messages.0.content.0: Input should be a valid dictionary"


def test_oneof_picks_by_tag_too() -> None:
    schema = {"oneOf": [{"type": "object", "required": ["kind", "n"],
                         "properties": {"kind": {"const": "count"}, "n": {"type": "integer", "maximum": 3}}},
                        {"type": "object", "required": ["kind", "s"], "properties": {"kind": {"const": "say"}}}]}
    found = violation(schema, {"kind": "count", "n": 9})
    assert found.param == "n" and "<= 3" in found.message
    assert found.anthropic_message == "n: Input should be less than or equal to 3"


def test_untagged_alternatives_pick_the_only_branch_of_the_right_type() -> None:
    schema = {"type": "object", "properties": {"stop": {"anyOf": [
        {"type": "string", "maxLength": 3}, {"type": "array", "items": {"type": "string"}, "maxItems": 2}]}}}
    found = violation(schema, {"stop": ["a", "b", "c"]})
    assert found.param == "stop" and found.code == "array_above_max_length"
    assert found.anthropic_message == "stop: List should have at most 2 items after validation, not 3"


def test_ambiguous_alternatives_keep_the_general_message() -> None:
    schema = {"type": "object", "properties": {"input": {"oneOf": [
        {"type": "array", "items": {"type": "string"}}, {"type": "array", "items": {"type": "integer"}}]}}}
    found = violation(schema, {"input": ["a", 1]})
    assert found.param == "input" and "'input'" in found.message


@pytest.mark.parametrize(("schema", "instance", "detail"), [
    ({"type": "object", "required": ["max_tokens"]}, {}, "max_tokens: Field required"),
    ({"properties": {"n": {"type": "integer", "minimum": 1}}}, {"n": 0}, "n: Input should be greater than or equal to 1"),
    ({"properties": {"m": {"type": "string", "minLength": 1}}}, {"m": ""}, "m: String should have at least 1 character"),
    ({"properties": {"r": {"enum": ["user"]}}}, {"r": "x"}, "r: Input should be 'user'"),
    ({"type": "object"}, [], "Input should be a valid dictionary"),
])
def test_anthropic_names_the_field_once(schema: dict, instance: object, detail: str) -> None:
    assert violation(schema, instance).anthropic_message == detail
