"""`--upstream`: forward what no scenario answers, check the upstream's answers against the spec, record them."""

from __future__ import annotations

from .forward import Proxy

__all__ = ["Proxy"]
