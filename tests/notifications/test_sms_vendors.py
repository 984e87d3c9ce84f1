"""Alibaba Cloud's SendSms against a fake on 127.0.0.1 that checks the parameters and the
signature the real API requires; flow control retried, a wrong key refused for good, the number
in no error; and at most NOTIFICATIONS_SMS_DAILY_CAP messages a day to one person."""

import json

import pytest

from notifications import delivery
from notifications.models import Message, Status
from notifications.services import notify

pytestmark = pytest.mark.django_db


def send(user, case_context, key="s"):
    [row] = notify(
        recipient=user,
        template_key="case_assigned",
        context=case_context,
        dedup_key=key,
        channels=["sms"],
    )
    return delivery.deliver(row.pk)


def test_a_signed_templated_message_is_accepted(aliyun, user, case_context):
    assert send(user, case_context).status == Status.SENT
    assert aliyun.refused == []
    [request] = aliyun.accepted
    assert request["PhoneNumbers"] == "13812345678"
    assert (request["TemplateCode"], request["SignName"]) == ("SMS_1234567", "正阳关学区")
    named = json.loads(request["TemplateParam"])
    assert set(named) == {"case", "stage"}
    assert "15号案件" in named.values()


def test_a_wrong_secret_is_refused_for_good_without_the_number(
    aliyun, user, case_context, settings
):
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = "not-the-secret"
    assert send(user, case_context).status == Status.DEAD
    assert aliyun.refused == ["SignatureDoesNotMatch"]
    error = Message.objects.get().last_error
    assert "SignatureDoesNotMatch" in error
    assert "13812345678" not in error


def test_flow_control_is_tried_again(aliyun, user, case_context):
    aliyun.next_code = "isv.BUSINESS_LIMIT_CONTROL"
    assert send(user, case_context).status == Status.RETRYING


def test_no_more_than_the_daily_cap_to_one_person(aliyun, user, case_context, settings):
    settings.NOTIFICATIONS_SMS_DAILY_CAP = 2
    outcomes = [send(user, case_context, key=f"s{n}").status for n in range(3)]
    assert outcomes == [Status.SENT, Status.SENT, Status.SKIPPED]
    assert len(aliyun.accepted) == 2


def test_tencent_takes_a_signed_message_with_ordered_parameters(tencent, user, case_context):
    assert send(user, case_context).status == Status.SENT
    assert tencent.refused == []
    [request] = tencent.accepted
    assert request["PhoneNumberSet"] == ["+8613812345678"]
    assert request["TemplateId"] == "1234567"
    assert "15号案件" in request["TemplateParamSet"]


def test_tencent_refuses_a_wrong_key_for_good(tencent, user, case_context, settings):
    settings.TENCENT_SMS_SECRET_KEY = "wrong"
    assert send(user, case_context).status == Status.DEAD
    assert tencent.refused == ["AuthFailure.SignatureFailure"]
    assert "13812345678" not in Message.objects.get().last_error


def test_tencent_frequency_limits_are_tried_again(tencent, user, case_context):
    tencent.next_code = "LimitExceeded.DeliveryFrequencyLimit"
    assert send(user, case_context).status == Status.RETRYING
