"""What every stage shares: the request context, services, errors, the neutral conversation and reply, answers."""
