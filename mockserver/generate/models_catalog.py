"""The models the gateway's docs name, across families, with what each dialect reports of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone


@dataclass(frozen=True)
class Model:
    """One model id and its facts."""

    id: str
    owned_by: str
    kind: str
    created: int
    context_window: int = 128_000
    max_output: int = 16_384
    display_name: str = ""
    dimensions: int | None = None

    @property
    def created_rfc3339(self) -> str:
        """`created` as Anthropic's RFC 3339 string."""
        return datetime.fromtimestamp(self.created, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _m(id: str, owner: str, kind: str, created: int, ctx: int = 128_000, out: int = 16_384,
       name: str = "", dims: int | None = None) -> Model:
    return Model(id, owner, kind, created, ctx, out, name or id, dims)


MODELS: tuple[Model, ...] = (
    _m("gpt-4o", "openai", "chat", 1715367049, name="GPT-4o"),
    _m("gpt-4o-mini", "openai", "chat", 1721172741, name="GPT-4o mini"),
    _m("gpt-4o-2024-08-06", "openai", "chat", 1722814719),
    _m("gpt-4.1", "openai", "chat", 1744316542, 1_047_576, 32_768, "GPT-4.1"),
    _m("gpt-4.1-mini", "openai", "chat", 1744318173, 1_047_576, 32_768, "GPT-4.1 mini"),
    _m("gpt-4-turbo", "openai", "chat", 1712361441, out=4_096),
    _m("gpt-4", "openai", "chat", 1687882411, 8_192, 8_192),
    _m("gpt-3.5-turbo", "openai", "chat", 1677610602, 16_385, 4_096),
    _m("gpt-3.5-turbo-instruct", "openai", "completion", 1692901427, 4_096, 4_096),
    _m("gpt-4o-audio-preview", "openai", "chat", 1727460443),
    _m("gpt-4o-mini-audio-preview", "openai", "chat", 1734387424),
    _m("o1", "openai", "chat", 1734375816, 200_000, 100_000),
    _m("o1-mini", "openai", "chat", 1725649008, 128_000, 65_536),
    _m("o3", "openai", "chat", 1744225308, 200_000, 100_000),
    _m("o3-mini", "openai", "chat", 1737146383, 200_000, 100_000),
    _m("o4-mini", "openai", "chat", 1744225351, 200_000, 100_000),
    _m("gpt-5", "openai", "chat", 1754425777, 400_000, 128_000, "GPT-5"),
    _m("gpt-5-mini", "openai", "chat", 1754425867, 400_000, 128_000, "GPT-5 mini"),
    _m("text-embedding-ada-002", "openai-internal", "embedding", 1671217299, 8_191, 0, dims=1536),
    _m("text-embedding-3-small", "system", "embedding", 1705948997, 8_191, 0, dims=1536),
    _m("text-embedding-3-large", "system", "embedding", 1705953180, 8_191, 0, dims=3072),
    _m("tts-1", "openai-internal", "audio", 1681940951),
    _m("tts-1-hd", "system", "audio", 1699046015),
    _m("gpt-4o-mini-tts", "system", "audio", 1742403959),
    _m("whisper-1", "openai-internal", "audio", 1677532384),
    _m("gpt-4o-transcribe", "system", "audio", 1742068463),
    _m("gpt-4o-mini-transcribe", "system", "audio", 1742068596),
    _m("dall-e-2", "system", "image", 1698798177),
    _m("dall-e-3", "system", "image", 1698785189),
    _m("gpt-image-1", "system", "image", 1745517030),
    _m("flux-pro", "black-forest-labs", "image", 1722470400),
    _m("flux-dev", "black-forest-labs", "image", 1722470400),
    _m("flux-schnell", "black-forest-labs", "image", 1722470400),
    _m("flux-kontext-pro", "black-forest-labs", "image", 1748908800),
    _m("recraftv3", "recraft", "image", 1730419200),
    _m("ideogram-v3", "ideogram", "image", 1742860800),
    _m("midjourney", "midjourney", "image", 1700000000),
    _m("claude-3-5-sonnet-20240620", "anthropic", "chat", 1718841600, 200_000, 8_192, "Claude 3.5 Sonnet (Old)"),
    _m("claude-3-5-sonnet-20241022", "anthropic", "chat", 1729555200, 200_000, 8_192, "Claude 3.5 Sonnet (New)"),
    _m("claude-3-5-haiku-20241022", "anthropic", "chat", 1729555200, 200_000, 8_192, "Claude 3.5 Haiku"),
    _m("claude-3-7-sonnet-20250219", "anthropic", "chat", 1739923200, 200_000, 64_000, "Claude Sonnet 3.7"),
    _m("claude-sonnet-4-20250514", "anthropic", "chat", 1747180800, 200_000, 64_000, "Claude Sonnet 4"),
    _m("claude-opus-4-20250514", "anthropic", "chat", 1747180800, 200_000, 32_000, "Claude Opus 4"),
    _m("claude-sonnet-4-5-20250929", "anthropic", "chat", 1759104000, 200_000, 64_000, "Claude Sonnet 4.5"),
    _m("gemini-1.5-pro", "google", "chat", 1715644800, 2_097_152, 8_192, "Gemini 1.5 Pro"),
    _m("gemini-1.5-flash", "google", "chat", 1715644800, 1_048_576, 8_192, "Gemini 1.5 Flash"),
    _m("gemini-2.0-flash", "google", "chat", 1738713600, 1_048_576, 8_192, "Gemini 2.0 Flash"),
    _m("gemini-2.0-flash-exp-image-generation", "google", "chat", 1741651200, 1_048_576, 8_192,
       "Gemini 2.0 Flash (Image Generation) Experimental"),
    _m("gemini-2.5-flash", "google", "chat", 1750204800, 1_048_576, 65_536, "Gemini 2.5 Flash"),
    _m("gemini-2.5-pro", "google", "chat", 1750204800, 1_048_576, 65_536, "Gemini 2.5 Pro"),
    _m("text-embedding-004", "google", "embedding", 1715644800, 2_048, 1, "Text Embedding 004", 768),
    _m("gemini-embedding-001", "google", "embedding", 1752624000, 2_048, 1, "Gemini Embedding 001", 3072),
    _m("kling-v1", "kuaishou", "video", 1717200000),
    _m("kling-v1-6", "kuaishou", "video", 1734652800),
    _m("kling-v2-master", "kuaishou", "video", 1744675200),
    _m("kling-v2-1-master", "kuaishou", "video", 1748390400),
    _m("ray-v2", "luma", "video", 1736899200),
    _m("gen3a_turbo", "runway", "video", 1722384000),
    _m("gen4_turbo", "runway", "video", 1743724800),
    _m("pika-1.5", "pika", "video", 1727740800),
    _m("veo2", "google", "video", 1733702400),
    _m("veo3", "google", "video", 1747785600),
    _m("MiniMax-Hailuo-02", "minimax", "video", 1750118400),
    _m("chirp-v3-5", "suno", "music", 1716163200),
    _m("chirp-v4", "suno", "music", 1732147200),
    _m("chirp-v5", "suno", "music", 1758672000),
)
BY_ID: dict[str, Model] = {m.id: m for m in MODELS}
DEFAULT_CONTEXT_WINDOW = 128_000


def find(model_id: str) -> Model | None:
    """The catalog entry for an id (a `models/` prefix is ignored)."""
    return BY_ID.get(model_id.removeprefix("models/"))


def context_window(model_id: str) -> int:
    """The model's context window in tokens (by id, then by family prefix)."""
    found = find(model_id)
    if found:
        return found.context_window
    for prefix, window in (("gpt-4.1", 1_047_576), ("gpt-5", 400_000), ("o1", 200_000), ("o3", 200_000),
                           ("o4", 200_000), ("claude", 200_000), ("gemini", 1_048_576)):
        if model_id.startswith(prefix):
            return window
    return DEFAULT_CONTEXT_WINDOW


def by_owner(*owners: str) -> list[Model]:
    """Models of the given owners, in catalog order."""
    return [m for m in MODELS if m.owned_by in owners]


def openai_model(model: Model) -> dict:
    """OpenAI's model object."""
    return {"id": model.id, "object": "model", "created": model.created, "owned_by": model.owned_by}


def anthropic_model(model: Model) -> dict:
    """Anthropic's model object."""
    return {"type": "model", "id": model.id, "display_name": model.display_name, "created_at": model.created_rfc3339}


def gemini_model(model: Model) -> dict:
    """Gemini's model resource."""
    methods = (["embedContent", "batchEmbedContents"] if model.kind == "embedding"
               else ["generateContent", "streamGenerateContent", "countTokens"])
    return {"name": f"models/{model.id}", "version": "001", "displayName": model.display_name,
            "description": f"{model.display_name} (served by mockserver)",
            "inputTokenLimit": model.context_window, "outputTokenLimit": model.max_output,
            "supportedGenerationMethods": methods}
