"""Wire dialects: request body -> Conversation, Reply -> JSON body or SSE frames."""
