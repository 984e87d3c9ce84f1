"""Fixtures of the notification tests: users, a case context as the engine sends it, the fake
SMS providers and vendors and the fake WeCom robot."""

import datetime

import pytest
from django.utils import timezone

from .. import factories
from . import fakes


@pytest.fixture
def user(db):
    return factories.UserFactory(email="owner@example.org")


@pytest.fixture
def other_user(db):
    return factories.UserFactory()


@pytest.fixture
def case_context() -> dict:
    return {
        "case_label": "15号案件",
        "stage": "家访劝返",
        "deadline": timezone.make_aware(datetime.datetime(2025, 3, 7, 17, 0)),
        "url": "/work/cases/15/",
    }


@pytest.fixture
def sms(settings):
    settings.NOTIFICATIONS_SMS_PROVIDER = "tests.notifications.fakes.FlakySmsProvider"
    settings.NOTIFICATIONS_SMS_TEMPLATES = {"case_assigned": "SMS_0001"}
    fakes.RecordingSmsProvider.sent = []
    fakes.FlakySmsProvider.failures_left = 0
    yield fakes.FlakySmsProvider
    fakes.FlakySmsProvider.failures_left = 0


@pytest.fixture
def wecom(settings):
    with fakes.FakeWeCom() as robot:
        settings.WECOM_WEBHOOK_URL = robot.url
        yield robot


@pytest.fixture
def aliyun(settings):
    with fakes.FakeAliyunSms() as fake:
        settings.NOTIFICATIONS_SMS_PROVIDER = "notifications.channels.aliyun.AliyunSmsProvider"
        settings.NOTIFICATIONS_SMS_TEMPLATES = {"case_assigned": "SMS_1234567:case,stage"}
        settings.ALIYUN_SMS_ENDPOINT = fake.url
        settings.ALIYUN_SMS_ACCESS_KEY_ID = fake.KEY_ID
        settings.ALIYUN_SMS_ACCESS_KEY_SECRET = fake.SECRET
        settings.ALIYUN_SMS_SIGN_NAME = "正阳关学区"
        yield fake


@pytest.fixture
def tencent(settings):
    with fakes.FakeTencentSms() as fake:
        settings.NOTIFICATIONS_SMS_PROVIDER = "notifications.channels.tencent.TencentSmsProvider"
        settings.NOTIFICATIONS_SMS_TEMPLATES = {"case_assigned": "1234567"}
        settings.TENCENT_SMS_ENDPOINT = fake.url
        settings.TENCENT_SMS_SECRET_ID = fake.SECRET_ID
        settings.TENCENT_SMS_SECRET_KEY = fake.SECRET_KEY
        settings.TENCENT_SMS_APP_ID = fake.APP_ID
        settings.TENCENT_SMS_SIGN_NAME = "正阳关学区"
        yield fake


@pytest.fixture(autouse=True)
def _phone_lookup(settings):
    """Every test user's mobile number, as the project's lookup would give it."""
    settings.NOTIFICATIONS_PHONE_LOOKUP = "tests.notifications.fakes.phone_of"
