"""What a step does that cannot be taken back, said on its form next to the button that sends it:
the form is where the person confirms."""

from django.utils.translation import gettext_lazy as _

from cases.ladder import CLOSING_STEPS, Step

CLOSES = _(
    "Sending this closes the case. A closed case is not reopened: if the child stops coming "
    "again, a new case is opened and linked to this one."
)

CONSEQUENCES = {
    **dict.fromkeys(CLOSING_STEPS, CLOSES),
    Step.ORDER_ENFORCEMENT: _(
        "Sending this records the order to return (责令限期复学通知书) as served today, and its "
        "limit starts tomorrow. The case moves to legal enforcement; this cannot be undone."
    ),
    Step.OVERRIDE: _(
        "Sending this moves the case up one rung without the usual checks. Your reason is kept in "
        "the case's history and the new owner is told."
    ),
}


def consequence_of(step: str) -> str | None:
    return CONSEQUENCES.get(step)
