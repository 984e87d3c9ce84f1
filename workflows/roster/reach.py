"""Who brings in which list, and the units each list may name for them."""

from cases.access import grants_of
from cases.models import ImportKind, Role
from cases.selectors import roles_of

from . import importing, staff

# Schools their roll, their staff and attendance; townships their 户籍 list and their village
# cadres; the county everything.
KINDS_OF_ROLE = {
    Role.SCHOOL_OFFICER: {ImportKind.ROSTER, ImportKind.STAFF, ImportKind.ATTENDANCE},
    Role.TOWNSHIP_OFFICIAL: {ImportKind.HOUSEHOLD, ImportKind.STAFF},
    Role.COUNTY_SUPERVISOR: set(ImportKind),
}
ROSTER_ROLES = frozenset(KINDS_OF_ROLE)


def units_of(user, kind: str) -> list:
    """The units of the user's posts that import `kind`: a school, a township, a county."""
    roles = {role for role, kinds in KINDS_OF_ROLE.items() if kind in kinds}
    return [grant.unit for grant in grants_of(user) if grant.role in roles]


def places_of(user, kind: str = ImportKind.ROSTER):
    """The units a list may name for the user: for a roll, the schools of their school or
    county; for a 户籍 list, the townships of their township or county; for a staff list,
    every unit under their posts."""
    units = units_of(user, kind)
    if kind == ImportKind.STAFF:
        grantable = set()
        for grant in grants_of(user):
            grantable |= staff.GRANTABLE.get(grant.role, set())
        return staff.StaffPlaces(units, frozenset(grantable))
    return importing.places_under(units, own_townships=kind == ImportKind.HOUSEHOLD)


def kinds_of(user) -> list[str]:
    roles = roles_of(user)
    return [
        kind for kind in ImportKind.values if any(kind in KINDS_OF_ROLE.get(r, ()) for r in roles)
    ]
