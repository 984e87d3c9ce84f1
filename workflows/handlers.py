"""What the engine does when the records change under it."""

from .services import cases_of_departed_owner_reassign
from .sweep import system_user


def reassign_cases_of_departed_owner(sender, *, user, **kwargs) -> None:
    """A role ended: cases its holder owned but no longer reaches get a new owner at once."""
    cases_of_departed_owner_reassign(user=user, by=system_user())
