"""Mail going out: what to say (compose), how to send it (smtp), exactly once (outbox)."""
