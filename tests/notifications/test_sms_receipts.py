"""SMS delivery reports (回执) against the vendors' fakes, which check the signature and the
required parameters of QuerySendDetails and PullSmsSendStatus as they do for SendSms: the
vendor's id is kept when a message is sent, the pull job records delivered or failed with the
carrier's code and time, the admin shows it with the number masked and finds the failed ones."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications import delivery, receipts, tasks
from notifications.channels import aliyun as aliyun_provider
from notifications.channels import tencent as tencent_provider
from notifications.models import Message, Receipt, Status
from notifications.services import notify

pytestmark = pytest.mark.django_db

NUMBER = "13812345678"  # fakes.phone_of: every test user's number


def send(user, case_context, key="s") -> Message:
    [row] = notify(
        recipient=user,
        template_key="case_assigned",
        context=case_context,
        dedup_key=key,
        channels=["sms"],
    )
    assert delivery.deliver(row.pk).status == Status.SENT
    row.refresh_from_db()
    return row


# Alibaba Cloud -------------------------------------------------------------------------------


def test_aliyun_keeps_the_bizid_and_records_the_delivered_report(aliyun, user, case_context):
    row = send(user, case_context)
    [biz_id] = aliyun.sent
    assert (row.sms_vendor, row.vendor_message_id, row.receipt) == (
        "aliyun",
        biz_id,
        Receipt.WAITING,
    )
    assert receipts.pull_receipts() == {}  # the carrier has not answered: still waiting
    aliyun.report(biz_id, status=3, err_code="DELIVERED")
    assert receipts.pull_receipts() == {Receipt.DELIVERED: 1}
    row.refresh_from_db()
    assert (row.receipt, row.receipt_code, row.receipt_phone) == (
        Receipt.DELIVERED,
        "DELIVERED",
        "138****5678",
    )
    assert row.receipt_at == datetime.datetime(2025, 3, 10, 0, 31, 5, tzinfo=datetime.UTC)
    assert aliyun.refused == []
    query = aliyun.queries[-1]  # signed, with what the API requires
    assert query["PhoneNumber"] == NUMBER
    assert query["BizId"] == biz_id
    assert query["SendDate"] == timezone.localtime(row.sent_at).strftime("%Y%m%d")
    assert (query["PageSize"], query["CurrentPage"]) == ("10", "1")
    assert receipts.pull_receipts() == {}  # a final report is not asked about again
    assert len(aliyun.queries) == 2


def test_aliyun_records_a_failure_with_the_carriers_code(aliyun, user, case_context):
    row = send(user, case_context)
    aliyun.report(row.vendor_message_id, status=2, err_code="MK:0001")
    assert receipts.pull_receipts() == {Receipt.FAILED: 1}
    row.refresh_from_db()
    assert (row.receipt, row.receipt_code) == (Receipt.FAILED, "MK:0001")


def test_a_query_with_a_wrong_secret_is_refused_and_asked_again_later(
    aliyun, user, case_context, settings, caplog
):
    row = send(user, case_context)
    aliyun.report(row.vendor_message_id, status=3, err_code="DELIVERED")
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = "not-the-secret"
    assert receipts.pull_receipts() == {}
    assert aliyun.refused == ["SignatureDoesNotMatch"]
    row.refresh_from_db()
    assert row.receipt == Receipt.WAITING
    assert NUMBER not in caplog.text
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = aliyun.SECRET
    assert tasks.pull_sms_receipts() == {Receipt.DELIVERED: 1}


def test_rows_older_than_the_window_are_no_longer_asked_about(aliyun, user, case_context):
    row = send(user, case_context)
    long_ago = timezone.now() - datetime.timedelta(days=receipts.RECEIPT_DAYS + 1)
    Message.objects.filter(pk=row.pk).update(sent_at=long_ago)  # test data
    assert receipts.pull_receipts() == {}
    assert aliyun.queries == []


def test_a_number_the_vendor_refuses_does_not_hold_up_the_messages_behind_it(
    aliyun, user, case_context
):
    first, second = send(user, case_context, "a"), send(user, case_context, "b")
    aliyun.report(first.vendor_message_id, status=3, err_code="DELIVERED")
    aliyun.report(second.vendor_message_id, status=3, err_code="DELIVERED")
    aliyun.query_codes.append("isv.MOBILE_NUMBER_ILLEGAL")  # the oldest row's query, refused
    assert receipts.pull_receipts() == {Receipt.DELIVERED: 1}
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.receipt, second.receipt) == (Receipt.WAITING, Receipt.DELIVERED)
    assert receipts.pull_receipts() == {Receipt.DELIVERED: 1}  # asked again on the next run
    first.refresh_from_db()
    assert first.receipt == Receipt.DELIVERED


def test_flow_control_ends_the_run_keeping_the_reports_read_before_it(aliyun, user, case_context):
    rows = [send(user, case_context, key) for key in "abc"]
    for row in rows:
        aliyun.report(row.vendor_message_id, status=2, err_code="MK:0001")
    aliyun.query_codes.extend(["OK", "Throttling"])
    assert receipts.pull_receipts() == {Receipt.FAILED: 1}
    assert len(aliyun.queries) == 2  # the third is not asked while the vendor says slow down
    assert [Message.objects.get(pk=row.pk).receipt for row in rows] == [
        Receipt.FAILED,
        Receipt.WAITING,
        Receipt.WAITING,
    ]


def test_a_wrong_key_stops_the_queries_after_a_few_refusals(aliyun, user, case_context, settings):
    for key in "abcd":
        send(user, case_context, key)
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = "not-the-secret"
    assert receipts.pull_receipts() == {}
    assert len(aliyun.refused) == aliyun_provider.REFUSALS_IN_A_ROW  # not one per waiting row


# Tencent Cloud -------------------------------------------------------------------------------


def test_tencent_keeps_the_serial_and_pulls_reports(tencent, user, case_context):
    delivered = send(user, case_context, "a")
    failed = send(user, case_context, "b")
    assert (delivered.sms_vendor, delivered.receipt) == ("tencent", Receipt.WAITING)
    assert delivered.vendor_message_id in tencent.sent
    tencent.report(delivered.vendor_message_id, status="SUCCESS", description="DELIVRD")
    tencent.report(failed.vendor_message_id, status="FAIL", description="MK:0005")
    tencent.report("2433:999", status="SUCCESS", description="DELIVRD")  # not one of ours
    assert receipts.pull_receipts() == {Receipt.DELIVERED: 1, Receipt.FAILED: 1}
    assert tencent.refused == []
    assert tencent.pulls[-1] == {"Limit": 100, "SmsSdkAppId": tencent.APP_ID}
    delivered.refresh_from_db()
    failed.refresh_from_db()
    assert (delivered.receipt, delivered.receipt_code) == (Receipt.DELIVERED, "DELIVRD")
    assert delivered.receipt_phone == "138****5678"
    assert delivered.receipt_at == datetime.datetime.fromtimestamp(1741566665, datetime.UTC)
    assert (failed.receipt, failed.receipt_code) == (Receipt.FAILED, "MK:0005")


def test_tencent_pull_with_a_wrong_key_is_refused(tencent, user, case_context, settings):
    row = send(user, case_context)
    tencent.report(row.vendor_message_id, status="SUCCESS", description="DELIVRD")
    settings.TENCENT_SMS_SECRET_KEY = "wrong"
    assert receipts.pull_receipts() == {}
    assert tencent.refused == ["AuthFailure.SignatureFailure"]
    assert len(tencent.reports) == 1  # not handed out: the next run gets it
    settings.TENCENT_SMS_SECRET_KEY = tencent.SECRET_KEY
    assert receipts.pull_receipts() == {Receipt.DELIVERED: 1}


def test_reports_already_pulled_are_kept_when_a_later_pull_fails(tencent, user, case_context):
    """A pull hands each report out once: those read before a failing pull must be recorded,
    or they are lost for good."""
    row = send(user, case_context)
    tencent.report(row.vendor_message_id, status="SUCCESS", description="DELIVRD")
    for n in range(tencent_provider.PULL_LIMIT):  # other messages of the app: a second pull
        tencent.report(f"2433:{9000 + n}", status="SUCCESS", description="DELIVRD")
    tencent.pull_codes.extend(["Ok", "RequestLimitExceeded"])
    assert receipts.pull_receipts() == {Receipt.DELIVERED: 1}
    assert len(tencent.pulls) == 2
    row.refresh_from_db()
    assert (row.receipt, row.receipt_code) == (Receipt.DELIVERED, "DELIVRD")


# The admin ------------------------------------------------------------------------------------


def test_the_admin_finds_the_failed_reports_with_the_number_masked(
    admin_client, aliyun, user, case_context
):
    ok, bad = send(user, case_context, "ok"), send(user, case_context, "bad")
    aliyun.report(ok.vendor_message_id, status=3, err_code="DELIVERED")
    aliyun.report(bad.vendor_message_id, status=2, err_code="MK:0001")
    receipts.pull_receipts()
    changelist = reverse("admin:notifications_message_changelist")
    failed = admin_client.get(changelist, {"receipt": Receipt.FAILED})
    assert [row.pk for row in failed.context["cl"].result_list] == [bad.pk]
    page = admin_client.get(reverse("admin:notifications_message_change", args=[bad.pk]))
    text = page.content.decode()
    assert "MK:0001" in text
    assert "138****5678" in text
    assert NUMBER not in text
