"""`/healthz`: answers without signing in, says "ok" or "unavailable" and nothing else."""

import os

import pytest
import redis
from django.db import connection

pytestmark = pytest.mark.django_db


def test_healthy_without_signing_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_a_database_that_does_not_answer_is_unavailable_and_says_no_more(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise RuntimeError("connection to server at 10.0.0.5 failed: password for user kongchuo")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


def test_a_configured_broker_that_does_not_answer_is_unavailable(client, settings):
    settings.NOTIFICATIONS_DELIVERY = "celery"
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


def test_a_configured_broker_that_answers_is_healthy(client, settings):
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            raise
        pytest.skip("Redis is not running here")
    settings.NOTIFICATIONS_DELIVERY = "celery"
    settings.CELERY_BROKER_URL = url
    response = client.get("/healthz")
    assert response.status_code == 200


def test_only_get(client):
    assert client.post("/healthz").status_code == 405
