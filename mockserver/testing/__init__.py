"""Testing support: a mock server for a test session and each test's handle on it (the pytest plugin's parts)."""

from .handle import MockHandle, ScenarioRejected
from .server import SessionServer, start_in_thread

__all__ = ["MockHandle", "ScenarioRejected", "SessionServer", "start_in_thread"]
