"""Deterministic media bytes (images, audio, video) that real decoders accept."""

from .audio import audio_duration, content_type, is_audio, render_audio
from .images import aspect_ratio_size, checked_aspect_ratio, image_content_type, parse_size, render_image
from .video import render_video, video_codec

__all__ = [
    "aspect_ratio_size",
    "audio_duration",
    "checked_aspect_ratio",
    "content_type",
    "image_content_type",
    "is_audio",
    "parse_size",
    "render_audio",
    "render_image",
    "render_video",
    "video_codec",
]
