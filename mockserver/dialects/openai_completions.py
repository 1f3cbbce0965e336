"""OpenAI legacy Completions: prompt(s) → Conversations, Reply → `text_completion` JSON or chunk stream."""

from __future__ import annotations

from typing import Any

from ..core import tokens
from ..core.answers import Answer, JsonAnswer, StreamAnswer, sse_frame
from ..core.context import RequestContext
from ..core.conversation import Conversation, Message
from ..core.errors import MockError
from ..core.reply import Candidate, Reply, Usage
from ..generate import engine
from .openai import OpenAI
from .openai_common import (alternatives, logprob, reply_key, response_headers, system_fingerprint, usage_body,
                            wants_usage_in_stream)

__all__ = ["COMPLETIONS", "Completions", "parse", "parse_prompts", "default_reply", "render", "reply_key", "completion_body",
           "stream_frames"]

DEFAULT_MAX_TOKENS = 16  # the real API's default for this endpoint
FINISH = {"length": "length", "content_filter": "content_filter"}


def parse_prompts(ctx: RequestContext) -> list[Conversation]:
    """One conversation per prompt (the API answers `n` choices for each prompt, prompt-major)."""
    body: dict = ctx.body
    prompt = body["prompt"]
    if isinstance(prompt, str):
        texts = [prompt]
    elif tokens.is_token_ids(prompt):
        tokens.check_token_ids(prompt, "prompt")
        texts = [_token_text(prompt)]
    elif prompt and all(isinstance(p, list) for p in prompt):
        for i, ids in enumerate(prompt):
            tokens.check_token_ids(ids, f"prompt[{i}]")
        texts = [_token_text(p) for p in prompt]
    else:
        texts = list(prompt) or [""]
    n, best_of = body.get("n") or 1, body.get("best_of")
    if best_of is not None and best_of < n:
        raise MockError(400, "best_of must be greater than or equal to n.", param="best_of", code="invalid_value")
    if body.get("stream_options") is not None and body.get("stream") is not True:
        raise MockError(400, "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                        param="stream_options", code="invalid_value")
    limit = body.get("max_tokens")
    stop = body.get("stop")
    conversations = []
    for text in texts:
        conv = Conversation(model=body["model"], messages=[Message(role="user", text=text)], n=n,
                            max_tokens=DEFAULT_MAX_TOKENS if limit is None else limit,
                            stop=[stop] if isinstance(stop, str) else [s for s in (stop or []) if s],
                            seed=body.get("seed"), logprobs=body.get("logprobs") is not None,
                            top_logprobs=body.get("logprobs") or 0)
        conv.extra["prompt"] = text
        conv.extra[engine.BRIEF] = True  # a short answer, so a short prompt ends with `stop` within 16 tokens
        conversations.append(conv)
    return conversations


def parse(ctx: RequestContext) -> Conversation:
    """The first prompt's conversation; every prompt's is in its `extra["prompts"]`."""
    prompts = parse_prompts(ctx)
    prompts[0].extra["prompts"] = prompts
    return prompts[0]


def default_reply(ctx: RequestContext, conversation: Conversation) -> Reply:
    """The engine's reply for every prompt, merged prompt-major; usage counts only the prompts' own tokens."""
    prompts = conversation.extra.get("prompts") or [conversation]
    key = reply_key(ctx)
    replies = [engine.default_reply(conv, key=f"{key}:{i}", seed=ctx.seed) for i, conv in enumerate(prompts)]
    usage = Usage(prompt_tokens=sum(tokens.count(c.extra["prompt"]) for c in prompts),
                  completion_tokens=sum(r.usage.completion_tokens for r in replies))
    return Reply(model=prompts[0].model, candidates=[c for r in replies for c in r.candidates], usage=usage,
                 key=key, created=replies[0].created)


def _token_text(ids: list[int]) -> str:
    """Token-id prompts count one token per id; the text names them for the echo-style answer."""
    return " ".join(str(i) for i in ids)


def render(ctx: RequestContext, reply: Reply, conversation: Conversation) -> Answer:
    """A `text_completion` object or its chunk stream."""
    prompts = conversation.extra.get("prompts") or [conversation]
    headers = response_headers()
    if ctx.stream:
        return StreamAnswer(stream_frames(ctx, reply, prompts), headers=headers)
    return JsonAnswer(completion_body(ctx, reply, prompts), headers=headers)


def _prompt_for(prompts: list[Conversation], index: int) -> str:
    n = max(1, prompts[0].n)
    return prompts[min(index // n, len(prompts) - 1)].extra.get("prompt", "")


def _text(ctx: RequestContext, candidate: Candidate, prompt: str) -> str:
    text = candidate.text or ""
    return prompt + text if (ctx.body or {}).get("echo") is True else text


def _envelope(ctx: RequestContext, reply: Reply) -> dict:
    return {"id": "cmpl-" + tokens.keyed_id(reply.key, b"completion", 29), "object": "text_completion",
            "created": reply.created, "model": reply.model,
            "system_fingerprint": system_fingerprint(reply.model, ctx.seed)}


def completion_body(ctx: RequestContext, reply: Reply, prompts: list[Conversation]) -> dict:
    """The non-streamed `text_completion` object."""
    choices = []
    for index, candidate in enumerate(reply.candidates):
        text = _text(ctx, candidate, _prompt_for(prompts, index))
        choices.append({"text": text, "index": index,
                        "logprobs": _logprobs(tokens.split(text), reply.key, index, prompts[0], 0),
                        "finish_reason": FINISH.get(candidate.finish, "stop")})
    return {**_envelope(ctx, reply), "choices": choices, "usage": _usage(reply)}


def _usage(reply: Reply) -> dict:
    usage = usage_body(reply.usage)
    usage.pop("prompt_tokens_details")
    return usage


def _logprobs(pieces: list[str], key: str, index: int, conv: Conversation, start: int,
              offset: int = 0) -> dict | None:
    """`{tokens, token_logprobs, top_logprobs, text_offset}` for `pieces` (positions from `start`)."""
    if not conv.logprobs:
        return None
    variant = f"{key}:{index}"
    out: dict[str, list[Any]] = {"tokens": [], "token_logprobs": [], "top_logprobs": [], "text_offset": []}
    for i, piece in enumerate(pieces):
        out["tokens"].append(piece)
        out["token_logprobs"].append(logprob(variant, start + i, piece))
        out["top_logprobs"].append(dict(alternatives(piece, variant, start + i, max(1, conv.top_logprobs)))
                                   if conv.top_logprobs else None)
        out["text_offset"].append(offset)
        offset += len(piece)
    return out


def stream_frames(ctx: RequestContext, reply: Reply, prompts: list[Conversation]) -> list[bytes]:
    """`data:` frames of `text_completion` chunks, interleaved by choice, then finish chunks, usage, `[DONE]`."""
    include_usage = wants_usage_in_stream(ctx.body or {})
    envelope = _envelope(ctx, reply)

    def chunk(choices: list[dict], **extra: Any) -> bytes:
        payload = {**envelope, "choices": choices, **extra}
        if include_usage and "usage" not in extra:
            payload["usage"] = None
        return sse_frame(payload)

    per_choice: list[list[tuple[str, dict | None]]] = []
    for index, candidate in enumerate(reply.candidates):
        prompt = _prompt_for(prompts, index)
        pieces = ([prompt] if (ctx.body or {}).get("echo") is True and prompt else []) + candidate.chunks()
        deltas, position, offset = [], 0, 0
        for piece in pieces:
            split = tokens.split(piece)
            deltas.append((piece, _logprobs(split, reply.key, index, prompts[0], position, offset)))
            position, offset = position + len(split), offset + len(piece)
        per_choice.append(deltas)
    frames: list[bytes] = []
    for step in range(max((len(d) for d in per_choice), default=0)):
        for index, deltas in enumerate(per_choice):
            if step < len(deltas):
                text, lp = deltas[step]
                frames.append(chunk([{"text": text, "index": index, "logprobs": lp, "finish_reason": None}]))
    for index, candidate in enumerate(reply.candidates):
        frames.append(chunk([{"text": "", "index": index, "logprobs": None,
                              "finish_reason": FINISH.get(candidate.finish, "stop")}]))
    if include_usage:
        frames.append(chunk([], usage=_usage(reply)))
    frames.append(sse_frame("[DONE]"))
    return frames


class Completions(OpenAI):
    """`POST /v1/completions` (legacy): one default reply per prompt, rendered as `text_completion`."""

    conversational = True
    handles = ("completions:create",)

    def parse(self, ctx: RequestContext) -> Conversation:
        return parse(ctx)

    def default_reply(self, ctx: RequestContext, conv: Conversation) -> Reply:
        return default_reply(ctx, conv)

    async def render(self, ctx: RequestContext, reply: Reply, conv: Conversation) -> Answer:
        return render(ctx, reply, conv)


COMPLETIONS = Completions()
