"""降尘 — monthly dust fall per county and point, the bulletin, and the task-14 trigger."""
