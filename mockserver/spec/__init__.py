"""The OpenAPI document, loaded once: operations, compiled validators, examples; `check` for the CLI."""

from .model import Example, Operation, Parameter, Spec

__all__ = ["Example", "Operation", "Parameter", "Spec"]
