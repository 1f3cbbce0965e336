"""The request path every operation shares: auth, validation, provider-shaped errors, Prefer."""

from __future__ import annotations

import httpx
import pytest

from mockserver.spec import Spec

SPEC = Spec.load()
OPENAI = {"Authorization": "Bearer sk-test"}
ANTHROPIC = {"x-api-key": "sk-ant-test", "anthropic-version": "2023-06-01"}
GEMINI = {"x-goog-api-key": "AIza-test"}

# (dialect, path, headers, a valid body, a body missing a required field, the field)
DIALECTS = [
    ("openai", "/v1/chat/completions", OPENAI,
     {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}, {"model": "gpt-4o"}, "messages"),
    ("anthropic", "/v1/messages", ANTHROPIC,
     {"model": "claude-sonnet-4-20250514", "max_tokens": 64, "messages": [{"role": "user", "content": "hi"}]},
     {"model": "claude-sonnet-4-20250514", "messages": [{"role": "user", "content": "hi"}]}, "max_tokens"),
    ("gemini", "/v1beta/models/gemini-2.0-flash:generateContent", GEMINI,
     {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}, {"generationConfig": {}}, "contents"),
    ("midjourney", "/mj/submit/imagine", OPENAI, {"prompt": "a cat"}, {"botType": "MID_JOURNEY"}, "prompt"),
    ("suno", "/suno/submit/lyrics", OPENAI, {"prompt": "a song"}, {"notify_hook": ""}, "prompt"),
    ("kling", "/kling/v1/videos/text2video", OPENAI, {"prompt": "a cat"}, {"model_name": "kling-v1"}, "prompt"),
]


def error_of(dialect: str, body: dict) -> str:
    """The human message inside a dialect's error envelope."""
    if dialect == "anthropic":
        assert body["type"] == "error"
        return body["error"]["message"]
    if dialect == "gemini":
        assert isinstance(body["error"]["code"], int) and body["error"]["status"]
        return body["error"]["message"]
    if dialect == "midjourney":
        assert body["code"] != 1 and body["result"] is None
        return body["description"]
    if dialect == "suno":
        assert body["code"] != "success" and body["data"] is None
        return body["message"]
    if dialect == "kling":
        assert body["code"] != 0 and body["data"] is None
        return body["message"]
    assert set(body["error"]) >= {"message", "type", "param", "code"}
    return body["error"]["message"]


@pytest.mark.parametrize("dialect,path,headers,valid,missing,field", DIALECTS, ids=[d[0] for d in DIALECTS])
class TestBadInput:
    def test_missing_required_field_names_it(self, server, dialect, path, headers, valid, missing, field):
        response = httpx.post(server.url + path, headers=headers, json=missing)
        assert response.status_code == 400
        assert field in error_of(dialect, response.json())

    def test_wrong_type_names_the_field(self, server, dialect, path, headers, valid, missing, field):
        response = httpx.post(server.url + path, headers=headers, json={**valid, field: {"not": "right"}})
        assert response.status_code == 400
        assert field in error_of(dialect, response.json())

    def test_malformed_json_is_a_400(self, server, dialect, path, headers, valid, missing, field):
        response = httpx.post(server.url + path, headers={**headers, "content-type": "application/json"},
                              content=b'{"model": "x", ')
        assert response.status_code == 400
        assert "JSON" in error_of(dialect, response.json())

    def test_wrong_content_type_is_a_415(self, server, dialect, path, headers, valid, missing, field):
        response = httpx.post(server.url + path, headers={**headers, "content-type": "application/xml"},
                              content=b"<prompt>cat</prompt>")
        assert response.status_code == 415
        assert "application/json" in error_of(dialect, response.json())

    def test_missing_key_is_a_401(self, server, dialect, path, headers, valid, missing, field):
        response = httpx.post(server.url + path, json=valid)
        assert response.status_code == 401
        assert error_of(dialect if dialect in ("anthropic", "gemini") else "openai", response.json())

    def test_valid_request_is_answered(self, server, dialect, path, headers, valid, missing, field):
        response = httpx.post(server.url + path, headers=headers, json=valid)
        assert response.status_code == 200, response.text


def test_anthropic_missing_max_tokens_reads_like_anthropic(server) -> None:
    response = httpx.post(server.url + "/v1/messages", headers=ANTHROPIC,
                          json={"model": "claude-sonnet-4-20250514", "messages": [{"role": "user", "content": "hi"}]})
    assert response.json()["error"] == {"type": "invalid_request_error", "message": "max_tokens: Field required"}


def test_enum_and_range_violations_name_field_and_limit(server) -> None:
    body = {"model": "gpt-4o", "messages": [{"role": "wizard", "content": "hi"}]}
    error = httpx.post(server.url + "/v1/chat/completions", headers=OPENAI, json=body).json()["error"]
    assert error["param"] == "messages[0].role" and "wizard" in error["message"]
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "temperature": 7}
    error = httpx.post(server.url + "/v1/chat/completions", headers=OPENAI, json=body).json()["error"]
    assert error["param"] == "temperature" and "2" in error["message"]


@pytest.mark.parametrize("path,dialect", [("/v1/nope", "openai"), ("/v1beta/tunedModels/x:generateContent", "gemini"),
                                          ("/mj/submit/nothing", "midjourney"), ("/kling/v1/nothing", "kling")])
def test_unknown_path_is_a_404_in_the_nearest_dialect(server, path, dialect) -> None:
    response = httpx.post(server.url + path, headers=OPENAI, json={})
    assert response.status_code == 404
    assert path in error_of(dialect, response.json())


def test_wrong_method_is_a_405_with_allow(server) -> None:
    response = httpx.get(server.url + "/v1/chat/completions", headers=OPENAI)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert "POST" in response.json()["error"]["message"]


def test_prefer_code_selects_the_documented_error(server) -> None:
    body = {"model": "claude-sonnet-4-20250514", "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]}
    response = httpx.post(server.url + "/v1/messages", headers={**ANTHROPIC, "Prefer": "code=529"}, json=body)
    assert response.status_code == 529
    assert response.json()["error"]["type"] == "overloaded_error"
    response = httpx.post(server.url + "/v1/messages?__code=429", headers=ANTHROPIC, json=body)
    assert response.status_code == 429 and response.json()["error"]["type"] == "rate_limit_error"


def test_prefer_code_without_a_documented_example_still_answers_in_shape(server) -> None:
    response = httpx.post(server.url + "/v1/chat/completions", headers={**OPENAI, "Prefer": "code=418"},
                          json={"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]})
    assert response.status_code == 418
    assert response.json()["error"]["message"]


def test_prefer_example_selects_a_named_example(server) -> None:
    op = next(o for o in SPEC.operations if o.operation_id == "listModels")
    anthropic = op.example(name="anthropic")
    assert anthropic is not None
    response = httpx.get(server.url + "/v1/models", headers={**OPENAI, "Prefer": "example=anthropic"})
    assert response.status_code == 200 and response.json() == anthropic.value
    response = httpx.get(server.url + "/v1/models", headers={**OPENAI, "Prefer": "example=no-such-example"})
    assert response.status_code == 400


def test_api_key_restriction(make_server) -> None:
    restricted = make_server(api_keys=("sk-good", "sk-other"))
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    good = httpx.post(restricted.v1 + "/chat/completions", headers={"Authorization": "Bearer sk-other"}, json=body)
    assert good.status_code == 200
    bad = httpx.post(restricted.v1 + "/chat/completions", headers={"Authorization": "Bearer sk-bad-key-123456"},
                     json=body)
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "invalid_api_key"
    assert "sk-bad-key-123456" not in bad.text, "the key must be redacted"
    gemini = httpx.post(restricted.url + "/v1beta/models/gemini-2.0-flash:generateContent?key=wrong",
                        json={"contents": [{"parts": [{"text": "hi"}]}]})
    assert gemini.status_code == 400 and gemini.json()["error"]["status"] == "INVALID_ARGUMENT"
    gemini_ok = httpx.post(restricted.url + "/v1beta/models/gemini-2.0-flash:generateContent?key=sk-good",
                           json={"contents": [{"parts": [{"text": "hi"}]}]})
    assert gemini_ok.status_code == 200


def test_every_operation_answers_its_documented_request_without_a_server_error(server) -> None:
    failures = []
    for op in SPEC.operations:
        path = op.path
        for name, value in _path_values(op).items():
            path = path.replace("{" + name + "}", value)
        body = _json_request_example(op)
        kwargs = {"json": body} if body is not None else {}
        if op.body_validators and body is None and "application/json" in op.body_validators:
            kwargs = {"json": {}}
        if op.body_validators and "application/json" not in op.body_validators:
            kwargs = {"files": {"_": ("x.txt", b"x")}}
        response = httpx.request(op.method, server.url + path, headers=OPENAI, timeout=60, **kwargs)
        if response.status_code >= 500:
            failures.append(f"{op.method} {op.path}: {response.status_code} {response.text[:200]}")
    assert failures == []


def _path_values(op) -> dict[str, str]:
    values = {}
    for param in op.parameters:
        if param.location == "path":
            values[param.name] = str(param.schema.get("example", "gpt-4o" if "model" in param.name else "unknown-id"))
    return values


def _json_request_example(op):
    body = SPEC.resolve(op.raw.get("requestBody") or {})
    media = (body.get("content") or {}).get("application/json") or {}
    examples = media.get("examples") or {}
    for example in examples.values():
        return SPEC.resolve(example).get("value")
    return media.get("example")
