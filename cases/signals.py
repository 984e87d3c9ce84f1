"""Signals the records send for the engine to act on (cases imports nothing of workflows)."""

from django.dispatch import Signal

# A staff role ended or moved away; `user` may still own cases it no longer reaches.
staff_role_ended = Signal()
