"""Each error the mock sends surfaces as the right exception class in the official SDKs."""

from __future__ import annotations

import anthropic
import openai
import pytest

CLAUDE = "claude-sonnet-4-20250514"
HI = [{"role": "user", "content": "hi"}]


def test_openai_bad_request(oai) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        oai.chat.completions.create(model="gpt-4o", messages=[{"role": "wizard", "content": "hi"}])
    assert caught.value.status_code == 400
    assert caught.value.param == "messages[0].role"


def test_openai_authentication_error(make_server) -> None:
    restricted = make_server(api_keys=("sk-only",))
    client = openai.OpenAI(base_url=restricted.v1, api_key="sk-wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as caught:
        client.chat.completions.create(model="gpt-4o", messages=HI)
    assert caught.value.code == "invalid_api_key"


def test_openai_not_found_and_rate_limit(oai) -> None:
    with pytest.raises(openai.NotFoundError):
        oai.models.retrieve("no-such-model")
    with pytest.raises(openai.RateLimitError):
        oai.chat.completions.create(model="gpt-4o", messages=HI, extra_headers={"Prefer": "code=429"})
    with pytest.raises(openai.InternalServerError):
        oai.chat.completions.create(model="gpt-4o", messages=HI, extra_headers={"Prefer": "code=500"})


def test_anthropic_bad_request(claude) -> None:
    with pytest.raises(anthropic.BadRequestError) as caught:
        claude.messages.create(model=CLAUDE, max_tokens=16, messages=[{"role": "wizard", "content": "hi"}])
    assert caught.value.status_code == 400
    assert caught.value.body["error"]["type"] == "invalid_request_error"


def test_anthropic_authentication_error(make_server) -> None:
    restricted = make_server(api_keys=("sk-only",))
    client = anthropic.Anthropic(base_url=restricted.url, api_key="sk-wrong", max_retries=0)
    with pytest.raises(anthropic.AuthenticationError):
        client.messages.create(model=CLAUDE, max_tokens=16, messages=HI)


@pytest.mark.parametrize("status,error", [(429, "RateLimitError"), (529, "OverloadedError"),
                                          (404, "NotFoundError"), (403, "PermissionDeniedError")])
def test_anthropic_status_classes(claude, status, error) -> None:
    with pytest.raises(anthropic.APIStatusError) as caught:
        claude.messages.create(model=CLAUDE, max_tokens=16, messages=HI, extra_headers={"Prefer": f"code={status}"})
    assert caught.value.status_code == status
    assert type(caught.value).__name__ == error
