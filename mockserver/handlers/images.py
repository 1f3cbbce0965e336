"""Images: OpenAI generations and edits (DALL·E, GPT image, Flux), Recraft, Ideogram 3.0; real pictures."""

from __future__ import annotations

import base64
import io
import math
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from starlette.concurrency import run_in_threadpool

from ..core import tokens
from ..core.answers import Answer, JsonAnswer
from ..core.context import RequestContext
from ..core.errors import MockError
from ..media import aspect_ratio_size, checked_aspect_ratio, parse_size, render_image
from ..media._lazy import lazy_import
from ..media.assets import asset_seed, image_url, render_svg

Image = lazy_import("PIL.Image")

SIZES = {
    "dall-e-2": ("256x256", "512x512", "1024x1024"),
    "dall-e-3": ("1024x1024", "1792x1024", "1024x1792"),
    "gpt-image": ("1024x1024", "1536x1024", "1024x1536", "auto"),
    "flux": ("1024x1024", "1024x576", "1024x768", "1024x512", "512x1024", "512x768", "1280x960", "960x1280",
             "768x1366", "768x512", "1366x768", "1344x576"),
}
# GPT image output tokens by quality for a square and for a 3:2 picture (OpenAI's pricing table).
GPT_IMAGE_TOKENS = {"low": (272, 408), "medium": (1056, 1584), "high": (4160, 6240)}
UPLOAD_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
RECRAFT_VECTOR_STYLES = ("vector_illustration", "icon")


@dataclass
class Picture:
    """One rendered picture: what the URL names and what b64_json carries."""

    width: int
    height: int
    fmt: str
    seed: str

    def url(self, ctx: RequestContext) -> str:
        """The asset URL that serves these exact bytes."""
        return image_url(ctx.base_url, self.width, self.height, self.fmt, self.seed)

    def data(self) -> bytes:
        """The encoded bytes."""
        if self.fmt == "svg":
            return render_svg(self.width, self.height, self.seed)
        return render_image(self.width, self.height, self.fmt, self.seed)

    async def b64(self) -> str:
        """The bytes, base64-encoded (rendered off the event loop)."""
        return base64.b64encode(await run_in_threadpool(self.data)).decode()


def family(model: str) -> str:
    """The size table a model follows: dall-e-2, dall-e-3, gpt-image, flux, or '' (any size)."""
    if model.startswith("gpt-image") or model.startswith("chatgpt-image"):
        return "gpt-image"
    if model.startswith("flux"):
        return "flux"
    return model if model in SIZES else ""


def size_of(value: Any, model: str, *, auto: tuple[int, int] = (1024, 1024)) -> tuple[int, int]:
    """Width and height for `size`, checked against the model's documented sizes."""
    table = SIZES.get(family(model))
    if value in (None, "auto") and (table is None or "auto" in table or value is None):
        return auto
    if table and value not in table:
        allowed = ", ".join(f"'{s}'" for s in table)
        raise MockError(400, f"'{value}' is not one of [{allowed}] - 'size'", param="size", code="invalid_value")
    try:
        return parse_size(value)
    except ValueError:
        try:
            return aspect_ratio_size(value)
        except ValueError:
            raise MockError(400, f"Invalid value for 'size': '{value}'. Use WIDTHxHEIGHT, e.g. 1024x1024.",
                            param="size", code="invalid_value") from None


def revised(prompt: str, body: dict) -> str:
    """DALL·E 3's rewritten prompt: the prompt, elaborated deterministically."""
    style = body.get("style") or "vivid"
    detail = "highly detailed" if body.get("quality") == "hd" else "clean"
    return f"{prompt.rstrip('. ')}. A {style}, {detail} image with balanced composition and soft natural light."


def gpt_image_usage(prompt: str, size: tuple[int, int], quality: str, image_tokens: int = 0) -> dict:
    """GPT image `usage`: prompt tokens in, a per-quality output token count."""
    square, wide = GPT_IMAGE_TOKENS[quality]
    output = square if size[0] == size[1] else wide
    text = tokens.count(prompt)
    return {"input_tokens": text + image_tokens, "input_tokens_details": {"image_tokens": image_tokens,
                                                                          "text_tokens": text},
            "output_tokens": output, "total_tokens": text + image_tokens + output}


def gpt_image_quality(value: str | None) -> str:
    """The quality a GPT image model reports (auto -> high; DALL·E names mapped)."""
    return {"standard": "medium", "hd": "high", "auto": "high", None: "high"}.get(value, value or "high")


async def openai_images(ctx: RequestContext, body: dict, model: str, size: tuple[int, int], *,
                        key: Any, image_tokens: int = 0, default_format: str = "url") -> Answer:
    """The OpenAI images answer for a generation or an edit."""
    prompt = body["prompt"]
    n = body.get("n") or 1
    if model == "dall-e-3" and n != 1:
        raise MockError(400, "You must provide n=1 for this model.", param="n", code="invalid_value")
    gpt_image = family(model) == "gpt-image"
    fmt = (body.get("output_format") or "png") if gpt_image else "png"
    if gpt_image and fmt == "jpeg" and body.get("background") == "transparent":
        raise MockError(400, "Transparent background is not supported for the jpeg output format.",
                        param="background", code="invalid_value")
    pictures = [Picture(size[0], size[1], fmt, asset_seed(ctx.seed, model, prompt, body.get("seed"), key, i))
                for i in range(n)]
    as_b64 = gpt_image or (body.get("response_format") or default_format) == "b64_json"
    data: list[dict[str, Any]] = []
    for picture in pictures:
        item: dict[str, Any] = {"b64_json": await picture.b64()} if as_b64 else {"url": picture.url(ctx)}
        if model == "dall-e-3":
            item["revised_prompt"] = revised(prompt, body)
        data.append(item)
    answer: dict[str, Any] = {"created": int(time.time()), "data": data}
    if gpt_image:
        quality = gpt_image_quality(body.get("quality"))
        answer.update(background="transparent" if body.get("background") == "transparent" else "opaque",
                      output_format=fmt, quality=quality, size=f"{size[0]}x{size[1]}",
                      usage=gpt_image_usage(prompt, size, quality, image_tokens))
    return JsonAnswer(answer)


async def generate(ctx: RequestContext) -> Answer:
    """POST images/generations (OpenAI models, Flux) and Recraft's generations."""
    body = ctx.body
    if ctx.operation.operation_id == "recraftGenerateImage":
        return await recraft_generate(ctx, body)
    model = body.get("model") or "dall-e-2"
    if body.get("aspect_ratio") and body.get("size") is None:
        size = checked_aspect_ratio(body["aspect_ratio"], "aspect_ratio")
    else:
        size = size_of(body.get("size"), model)
    return await openai_images(ctx, body, model, size, key="generate")


async def recraft_generate(ctx: RequestContext, body: dict) -> Answer:
    """Recraft: raster styles answer WEBP, vector styles SVG; each image has an `image_id`."""
    model = body.get("model") or "recraftv3"
    size = size_of(body.get("size"), model)
    fmt = "svg" if (body.get("style") or "") in RECRAFT_VECTOR_STYLES else "webp"
    data = []
    for i in range(body.get("n") or 1):
        seed = asset_seed(ctx.seed, model, body["prompt"], body.get("style"), body.get("substyle"), i)
        picture = Picture(size[0], size[1], fmt, seed)
        item: dict[str, Any] = ({"b64_json": await picture.b64()} if body.get("response_format") == "b64_json"
                                else {"url": picture.url(ctx)})
        item["image_id"] = uuid_from(seed)
        data.append(item)
    return JsonAnswer({"created": int(time.time()), "data": data})


def uuid_from(seed: str) -> str:
    """A UUID-shaped id from a seed token."""
    h = asset_seed("uuid", seed) + asset_seed("uuid2", seed)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


@dataclass
class Upload:
    """An uploaded image, decoded enough to know its format and size."""

    data: bytes
    fmt: str
    width: int
    height: int


async def read_image(ctx: RequestContext, names: tuple[str, ...], param: str, *, required: bool = True) -> list[Upload]:
    """The image files sent under any of `names`; a missing or undecodable one is a 400 naming `param`."""
    files = [f for name in names for f in ctx.files.get(name, [])]
    if not files:
        if required:
            sent = any(name in (ctx.body or {}) for name in names)
            why = "must be a file upload" if sent else "is required"
            raise MockError(400, f"'{param}' {why} (multipart file part).", param=param,
                            code="invalid_value" if sent else "missing_required_parameter")
        return []
    uploads = []
    for file in files:
        await file.seek(0)
        data = await file.read()
        uploads.append(decode_upload(data, param, file.content_type))
    return uploads


def decode_upload(data: bytes, param: str, content_type: str | None) -> Upload:
    """Check an upload is a PNG, JPEG or WEBP image and read its size."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt, (width, height) = image.format or "", image.size
    except Exception:  # Pillow raises several types on garbage
        fmt, width, height = "", 0, 0
    if fmt not in UPLOAD_FORMATS:
        allowed = ", ".join(f"'{t}'" for t in UPLOAD_FORMATS.values())
        got = UPLOAD_FORMATS.get(fmt) or content_type or "application/octet-stream"
        raise MockError(400, f"Invalid input image - format must be in [{allowed}], got {got}.", param=param,
                        code="invalid_image_format")
    return Upload(data, fmt, width, height)


def image_tokens(uploads: list[Upload]) -> int:
    """Input image tokens: 65 plus 129 per 512-pixel tile once the short side is scaled to 512."""
    total = 0
    for up in uploads:
        scale = 512 / min(up.width, up.height)
        tiles = math.ceil(up.width * scale / 512) * math.ceil(up.height * scale / 512)
        total += 65 + 129 * tiles
    return total


def closest_size(upload: Upload) -> tuple[int, int]:
    """GPT image `size: auto` for an edit: the supported size nearest the source's shape."""
    ratio = upload.width / upload.height
    return (1536, 1024) if ratio > 1.2 else (1024, 1536) if ratio < 1 / 1.2 else (1024, 1024)


async def edit(ctx: RequestContext) -> Answer:
    """POST images/edits (multipart): image (or image[]), optional mask of the same size."""
    body = ctx.body
    model = body.get("model") or "dall-e-2"
    images = await read_image(ctx, ("image", "image[]"), "image")
    masks = await read_image(ctx, ("mask",), "mask", required=False)
    if masks and (masks[0].width, masks[0].height) != (images[0].width, images[0].height):
        raise MockError(400, f"Invalid mask image - the mask ({masks[0].width}x{masks[0].height}) must have the "
                             f"same dimensions as the image ({images[0].width}x{images[0].height}).",
                        param="mask", code="invalid_value")
    if family(model) == "dall-e-2" and len(images) > 1:
        raise MockError(400, "dall-e-2 edits take exactly one image.", param="image", code="invalid_value")
    size = size_of(body.get("size"), model, auto=closest_size(images[0]))
    key = ("edit", *(tokens.stable_id(up.data) for up in images + masks))
    return await openai_images(ctx, body, model, size, key=key,
                               image_tokens=image_tokens(images) if family(model) == "gpt-image" else 0)


RECRAFT_OUTPUT = {
    "recraftVectorize": ("svg", 1),
    "recraftRemoveBackground": ("png", 1),
    "recraftClarityUpscale": ("png", 2),
    "recraftGenerativeUpscale": ("png", 2),
}


async def recraft_process(ctx: RequestContext) -> Answer:
    """Recraft vectorize / remove background / upscale: one uploaded image in, `{"image": {...}}` out."""
    source = (await read_image(ctx, ("file",), "file"))[0]
    fmt, factor = RECRAFT_OUTPUT.get(ctx.operation.operation_id, ("png", 1))
    scale = min(factor, 4096 / max(source.width, source.height))
    width, height = max(1, int(source.width * scale)), max(1, int(source.height * scale))
    picture = Picture(width, height, fmt, asset_seed(ctx.seed, ctx.operation.operation_id,
                                                     tokens.stable_id(source.data)))
    image = ({"b64_json": await picture.b64()} if ctx.body.get("response_format") == "b64_json"
             else {"url": picture.url(ctx)})
    return JsonAnswer({"image": image})


IDEOGRAM_AREA = 1024 * 1024


def ideogram_size(body: dict, default: tuple[int, int] = (1024, 1024)) -> tuple[int, int]:
    """Ideogram's output resolution: `resolution`, else about one megapixel at `aspect_ratio`."""
    if body.get("resolution") and body.get("aspect_ratio"):
        raise MockError(400, "aspect_ratio and resolution cannot be used together", param="aspect_ratio",
                        code="invalid_value")
    if body.get("resolution"):
        try:
            return parse_size(body["resolution"])
        except ValueError:
            raise MockError(400, f"resolution: invalid value '{body['resolution']}'", param="resolution",
                            code="invalid_value") from None
    ratio = body.get("aspect_ratio")
    if not ratio:
        return default
    w, _, h = str(ratio).partition("x")
    value = int(w) / int(h)
    return (round(math.sqrt(IDEOGRAM_AREA * value) / 16) * 16, round(math.sqrt(IDEOGRAM_AREA / value) / 16) * 16)


async def ideogram(ctx: RequestContext) -> Answer:
    """Ideogram 3.0 generate / edit / remix (synchronous): `{created, data: [{prompt, resolution, seed, url, ...}]}`."""
    body = ctx.body
    op = ctx.operation.operation_id
    key: tuple = (op,)
    size = (1024, 1024)
    if op == "ideogramEditV3":
        image = (await read_image(ctx, ("image",), "image"))[0]
        mask = (await read_image(ctx, ("mask",), "mask"))[0]
        if (mask.width, mask.height) != (image.width, image.height):
            raise MockError(400, "mask: the mask must have the same dimensions as the image", param="mask",
                            code="invalid_value")
        size, key = (image.width, image.height), (op, tokens.stable_id(image.data), tokens.stable_id(mask.data))
    elif op == "ideogramRemixV3":
        image = (await read_image(ctx, ("image",), "image"))[0]
        size = ideogram_size(body, (image.width, image.height))
        key = (op, tokens.stable_id(image.data), body.get("image_weight"))
    else:
        size = ideogram_size(body)
    prompt = body["prompt"]
    if body.get("magic_prompt") == "ON":
        prompt = revised(prompt, {"style": (body.get("style_type") or "general").lower()})
    first_seed = body.get("seed")
    if first_seed is None:
        first_seed = int(asset_seed(ctx.seed, prompt, key)[:7], 16)
    data = []
    for i in range(body.get("num_images") or 1):
        seed = first_seed + i
        picture = Picture(size[0], size[1], "png", asset_seed(ctx.seed, op, prompt, key, seed))
        data.append({"prompt": prompt, "resolution": f"{size[0]}x{size[1]}", "is_image_safe": True, "seed": seed,
                     "url": picture.url(ctx), "style_type": body.get("style_type") or "GENERAL"})
    return JsonAnswer({"created": datetime.now(timezone.utc).isoformat(), "data": data})
