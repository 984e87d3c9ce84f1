"""The records of the case engine. Split by subject; import from `cases.models`."""

from .audit import AccessAction, AccessLog
from .case import Case, CaseEvent, ClosureReason, DropoutReason, RiskFlag, Stage, Step
from .contacts import Contact, ContactKind, GuardianAttitude
from .grants import (
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    UnitGroupObjectPermission,
    UnitUserObjectPermission,
)
from .roster import Disability, Gender, Guardian, PoorHousehold, Relation, Student
from .units import Role, SchoolType, StaffPhone, StaffRole, Unit, UnitKind

__all__ = [
    "AccessAction",
    "AccessLog",
    "Case",
    "CaseEvent",
    "CaseGroupObjectPermission",
    "CaseUserObjectPermission",
    "ClosureReason",
    "Contact",
    "ContactKind",
    "Disability",
    "DropoutReason",
    "Gender",
    "Guardian",
    "GuardianAttitude",
    "PoorHousehold",
    "Relation",
    "RiskFlag",
    "Role",
    "SchoolType",
    "StaffPhone",
    "StaffRole",
    "Stage",
    "Step",
    "Student",
    "Unit",
    "UnitGroupObjectPermission",
    "UnitKind",
    "UnitUserObjectPermission",
]
