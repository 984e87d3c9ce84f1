"""Stage policies: who owns a case in each stage, and how long they have.

DOMAIN.md's defaults, counted in calendar days for now. Per-county, versioned policies and
working-day deadlines come with the deadlines work; until then this table is the one policy.
"""

import dataclasses
import datetime

from cases import clock
from cases.models import Role, Stage

TUTOR = "tutor"  # the case's 一帮一 tutor, chosen when the follow-up starts


@dataclasses.dataclass(frozen=True)
class StagePolicy:
    owner_role: str | None
    days: int | None  # calendar days from the day the stage starts; None: no deadline


STAGE_POLICIES: dict[str, StagePolicy] = {
    Stage.IDENTIFIED: StagePolicy(Role.HOMEROOM_TEACHER, 0),  # report the same day
    Stage.REPORTED: StagePolicy(Role.SCHOOL_OFFICER, 1),
    Stage.HOME_VISIT: StagePolicy(Role.HOMEROOM_TEACHER, 7),
    Stage.TOWNSHIP_PERSUASION: StagePolicy(Role.TOWNSHIP_OFFICIAL, 15),
    # The order's own time limit replaces this default when the order is served.
    Stage.LEGAL_ENFORCEMENT: StagePolicy(Role.TOWNSHIP_OFFICIAL, 10),
    Stage.RETURNED: StagePolicy(Role.HOMEROOM_TEACHER, 3),
    Stage.TUTORING_FOLLOWUP: StagePolicy(TUTOR, 56),
    Stage.CLOSED: StagePolicy(None, None),
}

ORDER_DAYS_MIN = 1
ORDER_DAYS_MAX = 60


def deadline_for(stage: str, *, days: int | None = None) -> datetime.datetime | None:
    """The end of the last day allowed for a stage that starts now."""
    days = STAGE_POLICIES[stage].days if days is None else days
    if days is None:
        return None
    return clock.end_of_day(clock.today() + datetime.timedelta(days=days))
