"""The API tested like an attacker, from its own schema (Schemathesis): every operation, with
generated inputs, by a signed-in school officer's token; no answer may be a server error, and
every answer must match the schema (status, content type, body)."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cases.models import Role, Stage

from ..builders import case_in_stage
from .conftest import token_for

EXAMPLES = 12  # per operation: the suite's budget; run with more by hand
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# The schema, read from the app in process when the module loads (it is public: no database).
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())


@pytest.fixture(autouse=True)
def _connection_kept(db):
    """Each request keeps the test's database connection, as Django's test client does (a
    request's end would otherwise close it)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def officer_key(world):
    for stage in (Stage.REPORTED, Stage.HOME_VISIT, Stage.TOWNSHIP_PERSUASION):
        case_in_stage(world, stage)
    return token_for(world[Role.SCHOOL_OFFICER])


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_the_api_answers_every_input_as_its_schema_says(case, officer_key):
    case.call_and_validate(headers={"Authorization": f"Token {officer_key}"}, checks=CHECKS)


STATEFUL_SCENARIOS = 25  # scenarios of up to eight linked calls each: the suite's budget


def test_linked_calls_follow_real_cases_without_a_server_error(officer_key):
    """Stateful: from the case list to a case, its contacts and its steps (with the version it
    read), and from one step's answer to the next, as the schema's links say."""
    machine = schema.as_state_machine()
    headers = {"Authorization": f"Token {officer_key}"}
    calls = []

    class Scenario(machine):
        def get_call_kwargs(self, case):
            return {"headers": headers}

        def after_call(self, response, case):
            calls.append((case.operation.label, response.status_code))

        def validate_response(self, response, case, **kwargs):
            case.validate_response(response, checks=CHECKS)

    Scenario.run(
        settings=settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        )
    )
    assert calls  # the scenarios ran; every answer passed the checks above


def test_the_schema_links_a_case_to_its_detail_and_steps():
    raw = schema.raw_schema["paths"]
    listing = raw["/api/cases/"]["get"]["responses"]["200"]["links"]
    assert listing["cases_retrieve"]["parameters"] == {"path.id": "$response.body#/results/0/id"}
    onward = raw["/api/cases/{id}/"]["get"]["responses"]["200"]["links"]
    assert onward["case_step_report"]["parameters"] == {
        "path.id": "$response.body#/id",
        "header.If-Match": "$response.body#/version",
    }
    assert "header.If-Match" not in onward["cases_contacts_create"]["parameters"]
    back = raw["/api/cases/{id}/steps/report/"]["post"]["responses"]["200"]["links"]
    assert list(back) == ["cases_retrieve"]
