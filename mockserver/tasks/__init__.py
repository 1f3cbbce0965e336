"""Async generation jobs: one store, one clock, one module per family."""
