"""Tokens for the API's tests: a key made as the admin makes one, for a persona of the world."""

import pytest
from django.test import Client

from cases import clock
from cases.models import ApiToken, Role, TokenScope


def token_for(user, scope=TokenScope.WRITE) -> str:
    key, prefix, digest = ApiToken.new_key()
    ApiToken.objects.create(
        user=user, name="测试", prefix=prefix, digest=digest, scope=scope, created_at=clock.now()
    )
    return key


class Api:
    """A system calling the API with a token."""

    def __init__(self, key: str) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Token {key}"}

    def get(self, path: str, **params):
        return self.client.get(path, params, headers=self.headers)

    def post(self, path: str, data=None, headers=None):
        return self.client.post(
            path,
            data or {},
            content_type="application/json",
            headers={**self.headers, **(headers or {})},
        )


@pytest.fixture
def api_as(world):
    def make(role=Role.SCHOOL_OFFICER, scope=TokenScope.WRITE):
        return Api(token_for(world[role], scope))

    return make


@pytest.fixture(autouse=True)
def _no_requests_counted():
    """Each test starts with no request counted against a token or an address."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
