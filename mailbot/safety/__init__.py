"""Safety: who may submit (senders, authentication results) and what must not be published.

Private data found and masked (redact, detectors), attached images rebuilt from an allowlist (images, assets).
"""
