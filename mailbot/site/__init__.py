"""Site: approved drafts rendered into the static blog (plan → render → write), and retract/preview.

The theme (templates/, locale/) lives here; publishing is the one orchestrator of the flow.
"""
