"""Shared fixtures: one small county (the `world`) with a persona for every role, and an
outsider county whose staff must not reach the world's cases."""

import dataclasses
import logging
import re

import pytest

from cases.models import Role

from . import factories


@dataclasses.dataclass
class World:
    county: object
    district: object
    school: object
    klass: object
    township: object
    village: object
    people: dict  # role -> user

    def __getitem__(self, role: str):
        return self.people[role]

    def student(self, **kwargs):
        kwargs.setdefault("klass", self.klass)
        kwargs.setdefault("residence_township", self.township)
        kwargs.setdefault("residence_village", self.village)
        return factories.StudentFactory(**kwargs)


def build_world(prefix: str) -> World:
    county = factories.CountyFactory(name=f"{prefix}县")
    district = factories.DistrictFactory(parent=county, name=f"{prefix}学区")
    school = factories.SchoolFactory(parent=district, name=f"{prefix}小学")
    grade = factories.GradeFactory(parent=school)
    klass = factories.ClassFactory(parent=grade, name="五年级(1)班")
    township = factories.TownshipFactory(parent=county, name=f"{prefix}镇")
    village = factories.VillageFactory(parent=township, name=f"{prefix}村")
    units = {
        Role.HOMEROOM_TEACHER: klass,
        Role.SUBJECT_TEACHER: school,
        Role.SCHOOL_OFFICER: school,
        Role.TOWNSHIP_OFFICIAL: township,
        Role.VILLAGE_CADRE: village,
        Role.DISTRICT_SUPERVISOR: district,
        Role.COUNTY_SUPERVISOR: county,
    }
    people = {}
    for role, unit in units.items():
        user = factories.UserFactory(username=f"{prefix}_{role}")
        factories.StaffRoleFactory(user=user, role=role, unit=unit)
        people[role] = user
    return World(county, district, school, klass, township, village, people)


@pytest.fixture
def world(db) -> World:
    return build_world("w")


@pytest.fixture
def elsewhere(db) -> World:
    """Another county: its staff reach none of `world`'s cases."""
    return build_world("x")


@pytest.fixture
def student(world):
    student = world.student()
    factories.GuardianFactory(student=student)
    return student


@pytest.fixture
def teacher(world):
    return world[Role.HOMEROOM_TEACHER]


@pytest.fixture
def subject_teacher(world):
    return world[Role.SUBJECT_TEACHER]


@pytest.fixture
def school_officer(world):
    return world[Role.SCHOOL_OFFICER]


@pytest.fixture
def township_official(world):
    return world[Role.TOWNSHIP_OFFICIAL]


@pytest.fixture
def supervisor(world):
    return world[Role.DISTRICT_SUPERVISOR]


# Every log record of the whole run is kept and scanned at the end: no identity or phone number
# may reach a log, whatever the test did.
class _LogKeeper(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:  # a record that cannot format is still scanned, raw
            self.lines.append(str(record.msg))


_LOG_KEEPER = _LogKeeper()
_LEAKS = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|1[3-9]\d{9})(?![0-9A-Za-z])")


def pytest_sessionstart(session) -> None:
    logging.getLogger().addHandler(_LOG_KEEPER)


def pytest_sessionfinish(session, exitstatus) -> None:
    leaks = [line for line in _LOG_KEEPER.lines if _LEAKS.search(line)]
    if leaks:
        print("\nIdentity or phone numbers reached the logs:")
        for line in leaks[:20]:
            print("  ", _LEAKS.sub("<number>", line))
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _process_caches_forgotten():
    """Each test starts with the process's copies of policies and calendar empty: its database
    rows are new, and some tests change them with a bare UPDATE."""
    from workflows import cache

    cache.clear()
    yield
    cache.clear()
