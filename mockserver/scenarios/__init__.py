"""YAML scenarios: match a request, then script its reply, faults and timing."""
