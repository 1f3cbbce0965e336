"""OpenAI embeddings: deterministic unit vectors, float or base64 (little-endian float32)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool

from ..core import tokens
from ..core.answers import Answer, JsonAnswer
from ..core.context import RequestContext
from ..core.errors import MockError
from ..generate import models_catalog
from ..media.embeddings import MAX_DIMENSIONS, embed_array, to_base64

DEFAULT_DIMENSIONS = 1536
MAX_INPUT_TOKENS = 8192
FIXED_DIMENSION_MODELS = ("text-embedding-ada-002",)
INLINE_WORK = 16_384  # input characters (or token ids) embedded on the event loop; a larger batch goes to a thread


def inputs(value: Any) -> list[str | list[int]]:
    """The request's `input` as a list of texts or token arrays (the schema has checked the shape)."""
    if isinstance(value, str):
        return [value]
    if tokens.is_token_ids(value):
        return [list(value)]
    return list(value)


def dimensions(model: str, requested: int | None) -> int:
    """Output length: the model's native length, or `dimensions` where the model supports it."""
    found = models_catalog.find(model)
    native = found.dimensions if found and found.dimensions else DEFAULT_DIMENSIONS
    if requested is None:
        return native
    if model in FIXED_DIMENSION_MODELS:
        raise MockError(400, "This model does not support specifying dimensions.", param="dimensions",
                        code="invalid_value")
    limit = native if found and found.dimensions else MAX_DIMENSIONS
    if requested > limit:
        raise MockError(400, f"Invalid value for 'dimensions' = {requested}. Must be less than or equal to {limit}.",
                        param="dimensions", code="invalid_value")
    return requested


def count_tokens(item: str | list[int], index: int, many: bool) -> int:
    """Tokens of one input (a token array counts its length); empty or over-long inputs are a 400."""
    param = f"input[{index}]" if many else "input"
    if isinstance(item, str):
        if not item:
            raise MockError(400, f"'{param}' must be a non-empty string.", param=param, code="invalid_value")
        used = tokens.count(item) or 1
    else:
        tokens.check_token_ids(item, param)
        used = len(item)
    if used > MAX_INPUT_TOKENS:
        raise MockError(400, f"This model's maximum context length is {MAX_INPUT_TOKENS} tokens, however you "
                             f"requested {used} tokens ({used} in your prompt; 0 for the completion). Please "
                             "reduce your prompt; or completion length.", param=param, code="context_length_exceeded")
    return used


def vectors_answer(body: dict) -> Answer:
    """A JSON answer whose float32 arrays print each component as the shortest decimal that reads back as it
    (`0.0023064255`, as the real APIs print them), not as a float64's 17 digits."""
    return Answer(orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY), media_type=JsonAnswer.media_type)


async def create(ctx: RequestContext) -> Answer:
    """POST embeddings: one entry per input, in input order."""
    body = ctx.body
    model = body["model"]
    items = inputs(body["input"])
    dims = dimensions(model, body.get("dimensions"))
    used = sum(count_tokens(item, i, len(items) > 1) for i, item in enumerate(items))
    space = f"{model}\x1f{ctx.seed}"
    if sum(map(len, items)) <= INLINE_WORK:  # a thread hop costs more than a short input
        vectors = [embed_array(item, dims, space=space) for item in items]
    else:
        vectors = await run_in_threadpool(lambda: [embed_array(item, dims, space=space) for item in items])
    as_base64 = body.get("encoding_format") == "base64"
    data = [{"object": "embedding", "index": i, "embedding": to_base64(v) if as_base64 else v}
            for i, v in enumerate(vectors)]
    return vectors_answer({"object": "list", "data": data, "model": model,
                           "usage": {"prompt_tokens": used, "total_tokens": used}})
