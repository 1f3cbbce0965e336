"""Default semantics: a deterministic reply derived from the conversation."""

from __future__ import annotations

import json
import re
import time
import zlib
from functools import lru_cache
from typing import Any

from ..core import tokens
from ..core.conversation import Conversation, Tool
from ..core.reply import Candidate, Reply, ToolCall, Usage
from .schema_values import instance_for

REASONING_MODELS = re.compile(r"^(o\d|gpt-5|.*-thinking|.*reasoner|deepseek-r1)", re.IGNORECASE)
EFFORT_TOKENS = {"none": 0, "minimal": 8, "low": 16, "medium": 48, "high": 128, "xhigh": 256}
# Stock sentences shown by every dialect, so none uses one provider's field names or values.
SENTENCES = [
    "This answer comes from mockserver, a local stand-in for the gateway.",
    "The content is deterministic: the same request and seed give the same words.",
    "Nothing here was produced by a real model, so no key or network is needed.",
    "Streaming, tools and structured output behave the way the real API does.",
    "Scenarios can script any reply, error or timing you need for a test.",
    "Change the seed to get a different but equally stable answer.",
    "Long answers stop at the token limit you set, and the reply says it was cut short.",
    "Stop sequences end the text early, exactly where they first appear.",
]
# Two stock sentences from each start on, after a space, with their pieces: every default reply ends so.
ENDINGS = [(ending, tuple(tokens.split(ending)))
           for ending in (f" {SENTENCES[i]} {SENTENCES[(i + 1) % len(SENTENCES)]}" for i in range(len(SENTENCES)))]
BRIEF = "brief"  # `conv.extra[BRIEF]`: answer in one short sentence (legacy completions, 16 tokens by default)
MESSAGE_OVERHEAD = 3
IMAGE_TOKENS = 85
AUDIO_TOKENS = 50


@lru_cache(maxsize=1024)
def is_reasoning_model(model: str) -> bool:
    """o-series, gpt-5, *-thinking, *reasoner, deepseek-r1: models that reason before they answer."""
    return REASONING_MODELS.match(model) is not None


def default_reply(conv: Conversation, *, key: str, seed: int = 0) -> Reply:
    """The reply the mock gives when no scenario says otherwise."""
    created = int(time.time())
    # The prompt first: a candidate's text is then counted for its limit and for usage back to back (a hit of
    # the one-text memo in `tokens.count`), not with the prompt's texts in between.
    usage = Usage(prompt_tokens=prompt_tokens(conv))
    if conv.n <= 1:  # the common case, without a loop
        candidates = [_candidate(conv, key, seed, 0)]
        usage.completion_tokens = completion_tokens(candidates[0])
    else:
        candidates = []
        for index in range(conv.n):
            candidate = _candidate(conv, key, seed, index)
            usage.completion_tokens += completion_tokens(candidate)  # while its text is the one `tokens` remembers
            candidates.append(candidate)
    if conv.reasoning_effort is not None or conv.thinking_budget or is_reasoning_model(conv.model or ""):
        reasoning = sum(tokens.count(c.reasoning or "") for c in candidates)
        usage.reasoning_tokens = reasoning
        usage.completion_tokens += reasoning
    return Reply(model=conv.model, candidates=candidates, usage=usage, key=key, created=created)


def prompt_tokens(conv: Conversation) -> int:
    """Input tokens: text tokens, 3 per message, 85 per image, 50 per audio clip, plus tool schemas."""
    count = tokens.count
    total = count(conv.system) + MESSAGE_OVERHEAD if conv.system else 0
    for message in conv.messages:
        total += MESSAGE_OVERHEAD + count(message.text)
        if message.images or message.audio:
            total += IMAGE_TOKENS * len(message.images) + AUDIO_TOKENS * len(message.audio)
        for result in message.tool_results:
            total += count(result.content)
        for use in message.tool_uses:
            total += tokens.count_json(use.arguments) + 1
    for tool in conv.tools:
        total += count(tool.name) + count(tool.description) + tokens.count_json(tool.schema)
    if conv.response_schema:
        total += tokens.count_json(conv.response_schema)
    return total


def completion_tokens(candidate: Candidate) -> int:
    """Output tokens of one candidate (text, refusal and tool arguments)."""
    total = tokens.count(candidate.text) if candidate.text else 0
    if candidate.refusal:
        total += tokens.count(candidate.refusal)
    for call in candidate.tool_calls:
        total += tokens.count(call.arguments_json()) + tokens.count(call.name)
    return total


def _candidate(conv: Conversation, key: str, seed: int, index: int) -> Candidate:
    variant = f"{key}:{seed}:{index}"
    candidate = Candidate(reasoning=_reasoning(conv))
    if conv.tools and conv.tool_choice != "none" and not conv.pending_tool_results():
        calls = _tool_calls(conv, variant)
        if calls:
            candidate.tool_calls = calls
            candidate.finish = "tool_calls"
            return candidate
    if conv.response_schema is not None:
        candidate.text = json.dumps(instance_for(conv.response_schema, seed=variant, hint=conv.last_user_text()),
                                    ensure_ascii=False)
    elif conv.json_mode:
        candidate.text = json.dumps({"answer": _summary(conv), "source": "mockserver"}, ensure_ascii=False)
    else:
        candidate.text = _text(conv, variant, index)
    _apply_limits(conv, candidate)
    return candidate


def _text(conv: Conversation, variant: str, index: int) -> str:
    results = conv.pending_tool_results()
    if results:
        used = "; ".join(f"{r.name or r.call_id} returned {_clip(r.content, 160)}" for r in results)
        return f"Based on the tool results: {used}. That answers your question."
    message = conv.last_user_message()
    stripped = message.text.strip() if message else ""
    asked = _clip(stripped, 200) if stripped else ""
    parts = [f"(Answer {index + 1}.)"] if index else []
    parts.append(f'You asked: "{asked}".' if asked else "Hello! How can I help you today?")
    if message and message.images:
        parts.append(f"I can see {len(message.images)} image{'s' if len(message.images) > 1 else ''} "
                     f"({', '.join(_describe_media(u) for u in message.images)}).")
    if message and message.audio:
        parts.append(f"I received {len(message.audio)} audio clip{'s' if len(message.audio) > 1 else ''}.")
    if conv.extra.get(BRIEF):
        return " ".join(parts)
    ending, pieces = ENDINGS[_hash_int(variant) % len(ENDINGS)]
    head = " ".join(parts)
    text = head + ending
    tokens.known_tail(text, len(head), pieces)  # a stream or a limit splits the text: the quoted part only
    return text


def _apply_limits(conv: Conversation, candidate: Candidate) -> None:
    text = candidate.text or ""
    for stop in conv.stop:
        if stop and stop in text:
            text = text[:text.index(stop)]
            candidate.finish, candidate.stop_sequence = "stop_sequence", stop
    if conv.max_tokens is not None:
        text, cut = tokens.truncate(text, conv.max_tokens)
        if cut:
            candidate.finish, candidate.stop_sequence = "length", None
    candidate.text = text


def _tool_calls(conv: Conversation, variant: str) -> list[ToolCall]:
    chosen = _choose_tools(conv)
    hint = conv.last_user_text()
    return [ToolCall(id=f"call_{tokens.stable_id(variant, i, tool.name)}", name=tool.name,
                     arguments=instance_for(tool.schema or {"type": "object"}, seed=variant, hint=hint))
            for i, tool in enumerate(chosen)]


def _choose_tools(conv: Conversation) -> list[Tool]:
    if conv.forced_tool:
        tool = conv.tool_named(conv.forced_tool)
        return [tool] if tool else []
    words = set(re.findall(r"[a-z0-9]+", conv.last_user_text().lower()))
    scored = []
    for position, tool in enumerate(conv.tools):
        vocabulary = set(re.findall(r"[a-z0-9]+", f"{tool.name} {tool.description}".lower().replace("_", " ")))
        scored.append((len(words & {w for w in vocabulary if len(w) > 3}), -position, tool))
    scored.sort(key=lambda s: (s[0], s[1]), reverse=True)
    relevant = [tool for score, _, tool in scored if score > 0]
    if conv.parallel_tool_calls and len(relevant) > 1:
        return sorted(relevant, key=conv.tools.index)
    return [relevant[0] if relevant else conv.tools[0]]


def _reasoning(conv: Conversation) -> str | None:
    effort = conv.reasoning_effort
    if effort is None and not conv.thinking_budget and not is_reasoning_model(conv.model or ""):
        return None
    if effort == "none":
        return None
    size = EFFORT_TOKENS.get(effort or "medium", 48)
    question = _clip(conv.last_user_text(), 80) or "the request"
    base = f"The user asks about {question}. I should answer directly and stay consistent. "
    text = base
    while tokens.count(text) < size:
        text += "Check the facts, then keep the answer short and clear. "
    return text.strip()


def _summary(conv: Conversation) -> str:
    asked = conv.last_user_text().strip()
    return f"Mock answer to: {_clip(asked, 120)}" if asked else "Mock answer"


def _describe_media(url: str) -> str:
    if url.startswith("data:"):
        return url[5:url.find(";")] if ";" in url else "inline data"
    return _clip(url, 60)


def _clip(text: str, limit: int) -> str:
    """`text` with its whitespace runs as single spaces, cut to `limit` characters (an ellipsis last)."""
    if len(text) > limit + 1:
        # A prefix's normal form starts the whole text's: once it runs past `limit`, the rest cannot change the clip.
        short = " ".join(text[:limit + 1].split())
        if len(short) > limit:
            return short[:limit - 1] + "…"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _hash_int(value: Any) -> int:
    return zlib.crc32(str(value).encode())
