"""Service: the background scheduler (poll, IDLE, auto-publish) and what it needs to run alone.

scheduler (the Service), runlock (one ingester at a time), status (what `mailbot status` shows).
"""

from mailbot.service.scheduler import Service

__all__ = ["Service"]
