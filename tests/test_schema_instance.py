"""Schema -> instance: every generated value validates, is deterministic and looks plausible."""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime
from enum import Enum
from typing import Annotated, Literal
from uuid import UUID

import jsonschema
import pytest
from pydantic import BaseModel, Field

from mockserver.generate import instance_for

FORMATS = jsonschema.Draft202012Validator.FORMAT_CHECKER


def check(schema: dict, instance) -> None:
    jsonschema.Draft202012Validator(schema, format_checker=FORMATS).validate(instance)


def lowered(schema):
    """Gemini/OpenAPI-3.0 spelling -> JSON Schema: lower-case types, `nullable` -> type list."""
    if isinstance(schema, list):
        return [lowered(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for k, v in schema.items():
        if k == "properties":
            out[k] = {name: lowered(sub) for name, sub in v.items()}
        elif k in ("items", "anyOf"):
            out[k] = lowered(v)
        elif k in ("nullable", "propertyOrdering") or (k == "format" and v == "enum"):
            continue
        elif k in ("minItems", "maxItems", "minLength", "maxLength") and isinstance(v, str):
            out[k] = int(v)
        else:
            out[k] = v
    if isinstance(out.get("type"), str):
        out["type"] = out["type"].lower()
        if schema.get("nullable"):
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
    return out


MATH_REASONING = {
    "type": "object",
    "properties": {
        "steps": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"explanation": {"type": "string"}, "output": {"type": "string"}},
                "required": ["explanation", "output"],
                "additionalProperties": False,
            },
        },
        "final_answer": {"type": "string"},
    },
    "required": ["steps", "final_answer"],
    "additionalProperties": False,
}

WEATHER = {
    "type": "object",
    "properties": {
        "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
    },
    "required": ["location"],
}


# ---------------------------------------------------------------- structured outputs


def test_math_reasoning_schema_from_the_gateway_docs():
    value = instance_for(MATH_REASONING)
    check(MATH_REASONING, value)
    assert list(value) == ["steps", "final_answer"]
    assert 1 <= len(value["steps"]) <= 2
    assert all(step["explanation"] and step["output"] for step in value["steps"])
    explanations = [step["explanation"] for step in value["steps"]]
    assert len(set(explanations)) == len(explanations)
    assert isinstance(value["final_answer"], str) and value["final_answer"]


def test_weather_tool_uses_the_enum_and_a_plausible_location():
    value = instance_for(WEATHER)
    check(WEATHER, value)
    assert value == {"location": "San Francisco, CA", "unit": "celsius"}


def test_hint_place_is_used_for_location_and_city():
    schema = {
        "type": "object",
        "properties": {"location": {"type": "string"}, "city": {"type": "string"}},
        "required": ["location", "city"],
        "additionalProperties": False,
    }
    value = instance_for(schema, hint="What's the weather in Paris, France today?")
    check(schema, value)
    assert value == {"location": "Paris, France", "city": "Paris"}
    assert instance_for(WEATHER, hint="Is it raining in New York City?")["location"] == "New York City"


def test_query_comes_from_the_hint():
    schema = {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}
    assert instance_for(schema, hint="latest news about rust")["query"] == "latest news about rust"
    check(schema, instance_for(schema))


def test_plausible_values_by_property_name():
    schema = {
        "type": "object",
        "properties": {
            "userName": {"type": "string"},
            "contact_email": {"type": "string"},
            "homepageUrl": {"type": "string"},
            "order_id": {"type": "string"},
            "quantity": {"type": "integer"},
            "price": {"type": "number"},
            "latitude": {"type": "number", "minimum": -90, "maximum": 90},
            "longitude": {"type": "number", "minimum": -180, "maximum": 180},
            "temperature": {"type": "number"},
            "country": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
        },
    }
    value = instance_for(schema)
    check(schema, value)
    assert value["userName"] == "ada"
    assert value["contact_email"] == "ada@example.com"
    assert value["homepageUrl"].startswith("https://")
    assert value["order_id"] == "order_1"
    assert value["quantity"] == 3
    assert value["price"] == 19.99
    assert value["temperature"] == 21.5
    assert value["country"] == "US"
    datetime.fromisoformat(value["created_at"])


def test_plausible_value_yields_to_constraints():
    schema = {
        "type": "object",
        "properties": {
            "city": {"type": "string", "maxLength": 4},
            "name": {"type": "string", "pattern": "^[a-z]+$"},
            "temperature": {"type": "number", "minimum": 0, "maximum": 2},
            "price": {"type": "number", "multipleOf": 0.25},
        },
    }
    value = instance_for(schema)
    check(schema, value)
    assert value["name"] == "adalovelace"


# ---------------------------------------------------------------- pydantic


class Unit(str, Enum):
    celsius = "celsius"
    fahrenheit = "fahrenheit"


class Address(BaseModel):
    street: str
    city: str
    zip_code: Annotated[str, Field(pattern=r"^\d{5}$")]
    country: str = "US"


class Person(BaseModel):
    name: str
    email: Annotated[str, Field(pattern=r"^[\w.+-]+@[\w-]+\.[\w.]+$")]
    age: Annotated[int, Field(ge=0, lt=130)]
    address: Address
    previous_addresses: list[Address] = []
    nickname: str | None = None
    role: Literal["admin", "member", "guest"]
    unit: Unit = Unit.celsius
    scores: Annotated[list[Annotated[int, Field(ge=0, le=100)]], Field(min_length=3, max_length=5)]
    born: datetime
    ident: UUID
    tags: Annotated[list[str], Field(max_length=2)] = []
    extra: dict[str, float] = {}


class Step(BaseModel):
    explanation: str
    output: str


class MathReasoning(BaseModel):
    steps: list[Step]
    final_answer: str


class TreeNode(BaseModel):
    value: str
    children: list[TreeNode] = []
    parent: TreeNode | None = None


class Cat(BaseModel):
    pet_type: Literal["cat"]
    meows: int


class Dog(BaseModel):
    pet_type: Literal["dog"]
    barks: float


class Owner(BaseModel):
    pet: Annotated[Cat | Dog, Field(discriminator="pet_type")]
    backup: Cat | Dog | None = None


@pytest.mark.parametrize("model", [Person, MathReasoning, TreeNode, Owner, Address])
def test_pydantic_models_accept_the_instance(model):
    schema = model.model_json_schema()
    value = instance_for(schema)
    check(schema, value)
    model.model_validate(value)
    for seed in ("a", "b", "c"):
        varied = instance_for(schema, seed=seed)
        check(schema, varied)
        model.model_validate(varied)


def test_pydantic_person_details():
    value = instance_for(Person.model_json_schema())
    assert 3 <= len(value["scores"]) <= 5
    assert value["nickname"] is not None
    assert value["role"] == "admin"
    assert value["unit"] == "celsius"
    assert value["address"]["city"] == "San Francisco"
    assert value["email"] == "ada@example.com"


def test_pydantic_strict_output_schema():
    """OpenAI strict mode: every property required, additionalProperties false, nullable via anyOf."""
    schema = {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "due": {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]},
            "subtasks": {"type": "array", "items": {"$ref": "#/$defs/Subtask"}},
        },
        "required": ["title", "due", "subtasks"],
        "additionalProperties": False,
        "$defs": {
            "Subtask": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "done": {"type": "boolean"}},
                "required": ["name", "done"],
                "additionalProperties": False,
            }
        },
    }
    value = instance_for(schema)
    check(schema, value)
    assert re.fullmatch(r"2024-01-\d\d", value["due"])
    assert value["subtasks"][0]["name"] != value["subtasks"][1]["name"]


# ---------------------------------------------------------------- keywords


def test_recursive_schema_terminates():
    schema = {
        "$defs": {
            "node": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/$defs/node"}},
                    "next": {"anyOf": [{"$ref": "#/$defs/node"}, {"type": "null"}]},
                },
                "required": ["name", "children", "next"],
                "additionalProperties": False,
            }
        },
        "$ref": "#/$defs/node",
    }
    value = instance_for(schema)
    check(schema, value)
    definitions = json.loads(json.dumps(schema).replace("$defs", "definitions"))
    check(definitions, instance_for(definitions))


def test_one_of_matches_exactly_one_branch():
    schema = {
        "oneOf": [
            {"type": "number"},
            {"type": "integer", "minimum": 0},
        ]
    }
    value = instance_for(schema)
    check(schema, value)
    tagged = {
        "type": "object",
        "properties": {
            "shape": {
                "oneOf": [
                    {"type": "object", "properties": {"radius": {"type": "number"}}, "required": ["radius"]},
                    {"type": "object", "properties": {"side": {"type": "number"}}, "required": ["side"],
                     "additionalProperties": False},
                ]
            }
        },
        "required": ["shape"],
    }
    check(tagged, instance_for(tagged))


@pytest.mark.parametrize(
    "pattern",
    [
        r"^[A-Z]{3}-\d{4}$",
        r"^\+?[1-9]\d{1,14}$",
        r"^(foo|bar)-[a-f0-9]{8}$",
        r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$",
        r"^(?P<year>\d{4})-(?P<month>0[1-9]|1[0-2])$",
        r"^v\d+\.\d+\.\d+(-[a-z]+)?$",
        r"(ab)\1",
        r"^[a-z][a-z0-9_]*$",
    ],
)
def test_patterns(pattern):
    schema = {"type": "string", "pattern": pattern}
    value = instance_for(schema)
    check(schema, value)
    for seed in ("1", "2"):
        check(schema, instance_for(schema, seed=seed))


def test_ecma_named_groups_are_understood():
    value = instance_for({"type": "string", "pattern": r"^(?<year>\d{4})-(?<month>0[1-9]|1[0-2])$"})
    assert re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value)


def test_pattern_with_length_bounds():
    schema = {"type": "string", "pattern": "^[a-z]+$", "minLength": 12, "maxLength": 14}
    check(schema, instance_for(schema))
    assert instance_for({"type": "string", "pattern": r"^[A-Z]{3}-\d{4}$"}) == "ABC-1234"


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "array", "items": {"type": "string"}, "minItems": 3},
        {"type": "array", "items": {"type": "integer", "enum": [1, 2, 3]}, "minItems": 3, "uniqueItems": True},
        {"type": "array", "items": {"type": "boolean"}, "minItems": 2, "uniqueItems": True},
        {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}], "items": False},
        {"type": "array", "items": [{"type": "integer"}, {"type": "string"}], "additionalItems": False},
        {"type": "array", "contains": {"type": "integer", "minimum": 5}, "items": {"type": "integer"}},
        {"type": "array", "maxItems": 0},
        {"type": "integer", "exclusiveMinimum": 10, "exclusiveMaximum": 12},
        {"type": "integer", "minimum": 100, "maximum": 200, "multipleOf": 7},
        {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 0.5},
        {"type": "number", "minimum": 0.1, "maximum": 0.2, "multipleOf": 0.01},
        {"type": "integer", "minimum": -5, "maximum": -3},
        {"type": "string", "minLength": 50},
        {"type": "string", "maxLength": 3},
        {"type": "string", "minLength": 2, "maxLength": 2},
        {"type": ["string", "null"]},
        {"type": ["null", "integer"]},
        {"const": {"a": [1, 2]}},
        {"enum": [None, "x"]},
        {"type": "string", "default": "hello"},
        {"type": "string", "examples": ["first example"]},
        {"type": "integer", "default": "not an integer"},
        {"allOf": [{"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
                   {"properties": {"b": {"type": "string"}}, "required": ["b"]},
                   {"properties": {"a": {"minimum": 10}}}]},
        {"type": "string", "not": {"enum": ["example"]}},
        {"not": {"type": "string"}},
        {"type": "object", "properties": {"kind": {"enum": ["a", "b"]}, "x": {"type": "integer"}},
         "if": {"properties": {"kind": {"const": "a"}}}, "then": {"required": ["x"]},
         "else": {"required": ["kind"]}},
        {"type": "object", "properties": {"card": {"type": "string"}, "billing": {"type": "string"}},
         "required": ["card"], "dependentRequired": {"card": ["billing"]}},
        {"type": "object", "minProperties": 2, "additionalProperties": {"type": "integer"}},
        {"type": "object", "patternProperties": {"^x-[a-z]+$": {"type": "string"}},
         "additionalProperties": False, "minProperties": 1},
        {"type": "object", "additionalProperties": {"type": "number"}},
        {"type": "object", "required": ["undeclared"]},
        {"type": "integer", "minimum": 5, "exclusiveMinimum": True, "maximum": 6},
        {"type": "string", "format": "uuid"},
        {"type": "string", "format": "email"},
        {"type": "string", "format": "ipv4"},
        {"type": "string", "format": "ipv6"},
        {"type": "string", "format": "date"},
        {"type": "string", "format": "time"},
        {"type": "string", "format": "date-time"},
        {"type": "string", "format": "uri"},
        {"type": "string", "format": "hostname"},
        {"type": "string", "format": "duration"},
        {"type": "string", "format": "regex"},
        {},
        {"description": "anything"},
    ],
)
def test_keywords(schema):
    value = instance_for(schema)
    check(lowered(schema) if "additionalItems" not in schema else _tuple_2020(schema), value)
    check(lowered(schema) if "additionalItems" not in schema else _tuple_2020(schema),
          instance_for(schema, seed="other"))


def _tuple_2020(schema):
    return {"type": "array", "prefixItems": schema["items"], "items": schema["additionalItems"]}


def test_defaults_and_examples_are_preferred():
    assert instance_for({"type": "string", "default": "hello"}) == "hello"
    assert instance_for({"type": "string", "examples": ["first example"]}) == "first example"
    assert instance_for({"type": "integer", "default": "not an integer"}) == 1
    assert instance_for({"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}) is not None


def test_empty_schema_is_a_string():
    assert isinstance(instance_for({}), str)
    assert isinstance(instance_for(True), str)


def test_odd_schemas_never_raise():
    for schema in (
        None, False, [], "string", {"type": "nonsense"}, {"$ref": "#/nowhere"}, {"$ref": "https://x/y.json"},
        {"type": "integer", "minimum": 10, "maximum": 1}, {"enum": []}, {"pattern": "(unclosed"},
        {"pattern": r"\p{L}+"}, {"type": "object", "properties": {"a": False}, "required": ["a"]},
        {"items": 3, "minItems": "two"}, {"allOf": [{"type": "string"}, {"type": "integer"}]},
        {"$defs": {"a": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"},
        {"$defs": {"a": {"allOf": [{"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"},
        {"type": "object", "properties": {"next": {"$ref": "#"}}, "required": ["next"]},
    ):
        instance_for(schema)  # type: ignore[arg-type]


# ---------------------------------------------------------------- Gemini


GEMINI_RESPONSE_SCHEMA = {
    "type": "OBJECT",
    "properties": {
        "recipe_name": {"type": "STRING"},
        "rating": {"type": "NUMBER", "minimum": 1, "maximum": 5},
        "servings": {"type": "INTEGER", "nullable": True},
        "difficulty": {"type": "STRING", "format": "enum", "enum": ["easy", "medium", "hard"]},
        "ingredients": {
            "type": "ARRAY",
            "minItems": "2",
            "items": {
                "type": "OBJECT",
                "properties": {"name": {"type": "STRING"}, "amount": {"type": "STRING", "nullable": True}},
                "required": ["name"],
                "propertyOrdering": ["name", "amount"],
            },
        },
        "notes": {"type": "STRING", "nullable": True},
    },
    "required": ["recipe_name", "ingredients"],
    "propertyOrdering": ["recipe_name", "difficulty", "ingredients", "rating", "servings", "notes"],
}


def test_gemini_uppercase_schema_with_nullable():
    value = instance_for(GEMINI_RESPONSE_SCHEMA)
    check(lowered(GEMINI_RESPONSE_SCHEMA), value)
    assert list(value) == GEMINI_RESPONSE_SCHEMA["propertyOrdering"]
    assert value["servings"] is not None and value["notes"] is not None
    assert value["difficulty"] == "easy"
    assert len(value["ingredients"]) >= 2


def test_gemini_function_declaration_parameters():
    params = {
        "type": "OBJECT",
        "properties": {
            "location": {"type": "STRING"},
            "unit": {"type": "STRING", "enum": ["CELSIUS", "FAHRENHEIT"]},
        },
        "required": ["location"],
    }
    value = instance_for(params, hint="How warm is it in Tokyo?")
    check(lowered(params), value)
    assert value == {"location": "Tokyo", "unit": "CELSIUS"}


# ---------------------------------------------------------------- determinism


@pytest.mark.parametrize("schema", [MATH_REASONING, WEATHER, GEMINI_RESPONSE_SCHEMA])
def test_deterministic(schema):
    original = copy.deepcopy(schema)
    for seed in ("", "s1"):
        first = instance_for(schema, seed=seed, hint="in Paris")
        assert instance_for(copy.deepcopy(schema), seed=seed, hint="in Paris") == first
    assert schema == original


def test_seeds_vary_values_but_stay_valid():
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "city": {"type": "string"}, "age": {"type": "integer"},
                       "id": {"type": "string", "format": "uuid"}},
    }
    values = [instance_for(schema, seed=str(i)) for i in range(10)]
    for v in values:
        check(schema, v)
    assert len({repr(v) for v in values}) > 1


def test_returned_values_are_not_shared_with_the_schema():
    schema = {"type": "object", "properties": {"o": {"const": {"k": [1]}}}, "required": ["o"]}
    value = instance_for(schema)
    value["o"]["k"].append(2)
    assert instance_for(schema) == {"o": {"k": [1]}}


def test_format_values_parse():
    schema = {"type": "object", "properties": {
        "when": {"type": "string", "format": "date-time"},
        "ident": {"type": "string", "format": "uuid"},
    }}
    value = instance_for(schema)
    datetime.fromisoformat(value["when"])
    assert UUID(value["ident"]).version == 4
    assert re.fullmatch(r"[0-9a-f-]{36}", value["ident"])
