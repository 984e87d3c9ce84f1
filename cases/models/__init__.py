"""The records of the case engine. Split by subject; import from `cases.models`."""

# In the order of the subjects: the organisation, the roster, then the case, which reads the
# ladder (cases.ladder); each module imports only those before it.
# isort: off
from .units import Role, SchoolType, StaffPhone, StaffRole, Unit, UnitKind
from .grants import (
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    UnitGroupObjectPermission,
    UnitUserObjectPermission,
)
from .roster import Disability, Gender, Guardian, PoorHousehold, Relation, RiskFlag, Student
from .imports import (
    HouseholdChild,
    ImportKind,
    ImportMode,
    ImportStatus,
    RosterDeparture,
    RosterImport,
    Settlement,
)
from .contacts import Contact, ContactKind, GuardianAttitude
from .case import Case, CaseEvent, DropoutReason
from .audit import AccessAction, AccessLog
from .tokens import ApiToken, TokenScope
from .documents import (
    SERVED_KINDS,
    Document,
    DocumentCounter,
    DocumentKind,
    Service,
    ServiceMethod,
    Wording,
)
from .figures import CountSource, Enrolment, MonthlyReport, Movement, MovementKind, Targets
from .attendance import (
    EXCUSED,
    Absence,
    AbsenceKind,
    AttendanceRule,
    AttendanceSource,
    Proposal,
    ProposalRule,
    ProposalStatus,
    RollCall,
    SchoolDayOff,
    Subsidy,
    SupportPlan,
    Term,
)
from ..ladder import ClosureReason, DismissalReason, Stage, Step
# isort: on

__all__ = [
    "EXCUSED",
    "SERVED_KINDS",
    "Absence",
    "AbsenceKind",
    "AccessAction",
    "AccessLog",
    "ApiToken",
    "AttendanceRule",
    "AttendanceSource",
    "Case",
    "CaseEvent",
    "CaseGroupObjectPermission",
    "CaseUserObjectPermission",
    "ClosureReason",
    "Contact",
    "ContactKind",
    "CountSource",
    "Disability",
    "DismissalReason",
    "Document",
    "DocumentCounter",
    "DocumentKind",
    "DropoutReason",
    "Enrolment",
    "Gender",
    "Guardian",
    "GuardianAttitude",
    "HouseholdChild",
    "ImportKind",
    "ImportMode",
    "ImportStatus",
    "MonthlyReport",
    "Movement",
    "MovementKind",
    "PoorHousehold",
    "Proposal",
    "ProposalRule",
    "ProposalStatus",
    "Relation",
    "RiskFlag",
    "Role",
    "RollCall",
    "RosterDeparture",
    "RosterImport",
    "SchoolDayOff",
    "SchoolType",
    "Service",
    "ServiceMethod",
    "Settlement",
    "StaffPhone",
    "StaffRole",
    "Stage",
    "Step",
    "Student",
    "Subsidy",
    "SupportPlan",
    "Targets",
    "Term",
    "TokenScope",
    "Unit",
    "UnitGroupObjectPermission",
    "UnitKind",
    "UnitUserObjectPermission",
    "Wording",
]
