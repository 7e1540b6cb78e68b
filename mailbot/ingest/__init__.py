"""Ingest: a source's messages, exactly once, through mail → forwards → safety → drafts.

The ledger records what each message became; pipeline is the one orchestrator of the flow.
"""
