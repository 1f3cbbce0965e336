"""Schema -> instance: a deterministic, plausible value that validates against a JSON Schema."""

from .schema_values import instance_for

__all__ = ["instance_for"]
