"""Alibaba Cloud SMS (`SendSms`, API version 2017-05-25, RPC style): a pre-approved signature
and template with named parameters, never free text. Each request is signed as Alibaba Cloud's
RPC API requires: the parameters sorted and percent-encoded, "POST&%2F&" + the encoded query,
HMAC-SHA1 with the AccessKey secret + "&". Credentials come from the environment; the number
goes to the vendor and nowhere else (not into an error, not into a log).

Delivery reports: `QuerySendDetails`, signed the same way, asks for one number's messages of a
day (the number, the day as yyyyMMdd, the BizId SendSms gave); each detail's SendStatus is 1
(waiting for the carrier), 2 (failed) or 3 (delivered), with the carrier's ErrCode and the
ReceiveDate in China's time."""

import base64
import datetime
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
import uuid

from django.conf import settings
from django.utils import timezone

from ..models import Receipt
from .base import PermanentFailure, TemporaryFailure
from .sms import Report, Waiting, masked, phone_of

TIMEOUT_SECONDS = 10
VERSION = "2017-05-25"
# Answers worth trying again later: flow control and the vendor's own trouble.
TEMPORARY = {"isv.BUSINESS_LIMIT_CONTROL", "Throttling", "isp.SYSTEM_ERROR", "ServiceUnavailable"}
# SendStatus of a detail: 1 waiting for the carrier's report, 2 failed, 3 delivered.
SEND_STATUS = {1: Receipt.WAITING, 2: Receipt.FAILED, 3: Receipt.DELIVERED}
PAGE_SIZE = 10  # one BizId is asked for: one detail, a page is plenty
CHINA = datetime.timezone(datetime.timedelta(hours=8))  # the vendor's dates are Beijing time
REFUSALS_IN_A_ROW = 3  # then the account's trouble (key, signature), not one message's

logger = logging.getLogger(__name__)


def encode(value: str) -> str:
    """Alibaba Cloud's percent-encoding: RFC 3986, a space as %20, only ~-._ and letters and
    digits left as they are."""
    return urllib.parse.quote(str(value), safe="~")


def signature(params: dict, secret: str) -> str:
    query = "&".join(f"{encode(key)}={encode(params[key])}" for key in sorted(params))
    text = f"POST&{encode('/')}&{encode(query)}"
    digest = hmac.new(f"{secret}&".encode(), text.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def template_of(template_id: str, params: list[str]) -> tuple[str, dict]:
    """`SMS_123456:case,stage` names the template's parameters in order (Alibaba's are named);
    without names they are p1, p2, …"""
    code, _, names = template_id.partition(":")
    keys = names.split(",") if names else [f"p{n}" for n in range(1, len(params) + 1)]
    return code, dict(zip(keys, params, strict=False))


class AliyunSmsProvider:
    vendor = "aliyun"

    def send(self, *, phone: str, template_id: str, params: list[str]) -> str:
        code, named = template_of(template_id, params)
        answer = _call(
            "SendSms",
            {
                "PhoneNumbers": phone,
                "SignName": settings.ALIYUN_SMS_SIGN_NAME,
                "TemplateCode": code,
                "TemplateParam": json.dumps(named, ensure_ascii=False),
            },
        )
        return str(answer.get("BizId") or "")

    def receipts(self, waiting: list[Waiting]) -> list[Report]:
        """One query per message (the API takes one number at a time). A query the vendor
        refuses passes that message over until the next run, without holding up the ones
        behind it; flow control or the vendor's trouble ends the run, and so do a few refusals
        in a row (a wrong key refuses them all). Either way what was read is kept."""
        reports, refusals = [], 0
        for message in waiting:
            phone = phone_of(message.recipient)
            if not phone:  # the number is gone: nothing to ask about
                continue
            try:
                report = self.query(phone=phone, message=message)
            except PermanentFailure as error:
                refusals += 1
                if refusals >= REFUSALS_IN_A_ROW:
                    logger.warning("Aliyun reports: %s refusals in a row, last %s", refusals, error)
                    break
                continue
            except Exception as error:  # flow control, the network: the next run goes on
                logger.warning("Aliyun reports: stopped by %s", type(error).__name__)
                break
            refusals = 0
            if report is not None:
                reports.append(report)
        return reports

    def query(self, *, phone: str, message: Waiting) -> Report | None:
        sent_on = timezone.localtime(message.sent_at, CHINA).strftime("%Y%m%d")
        answer = _call(
            "QuerySendDetails",
            {
                "PhoneNumber": phone,
                "SendDate": sent_on,
                "BizId": message.vendor_id,
                "PageSize": str(PAGE_SIZE),
                "CurrentPage": "1",
            },
        )
        details = (answer.get("SmsSendDetailDTOs") or {}).get("SmsSendDetailDTO") or []
        if not details:
            return None
        detail = details[0]
        return Report(
            vendor_id=message.vendor_id,
            receipt=SEND_STATUS.get(_int(detail.get("SendStatus")), Receipt.WAITING),
            code=str(detail.get("ErrCode") or "")[:64],
            at=_china_time(detail.get("ReceiveDate")),
            phone=masked(str(detail.get("PhoneNum") or phone)),
        )


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _china_time(text) -> datetime.datetime | None:
    try:
        moment = datetime.datetime.strptime(str(text), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return moment.replace(tzinfo=CHINA)


def _call(action: str, params: dict) -> dict:
    """One signed RPC request; the answer when its Code is OK, else the failure it means."""
    request = {
        "AccessKeyId": settings.ALIYUN_SMS_ACCESS_KEY_ID,
        "Action": action,
        "Format": "JSON",
        "RegionId": "cn-hangzhou",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": uuid.uuid4().hex,
        "SignatureVersion": "1.0",
        "Timestamp": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Version": VERSION,
        **params,
    }
    request["Signature"] = signature(request, settings.ALIYUN_SMS_ACCESS_KEY_SECRET)
    answer = _post(settings.ALIYUN_SMS_ENDPOINT, request)
    status = answer.get("Code")
    if status == "OK":
        return answer
    if status in TEMPORARY:
        raise TemporaryFailure(f"Aliyun {status}")
    raise PermanentFailure(f"Aliyun {status}")


def _post(url: str, params: dict) -> dict:
    body = urllib.parse.urlencode(params, quote_via=urllib.parse.quote).encode()
    request = urllib.request.Request(  # noqa: S310 - the configured https endpoint
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        try:
            return json.loads(error.read() or b"{}")  # the vendor's code, in its error body
        except ValueError:
            raise (TemporaryFailure if error.code >= 500 else PermanentFailure)(
                f"HTTP {error.code}"
            ) from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise TemporaryFailure(type(error).__name__) from None
    except ValueError:
        raise TemporaryFailure("the answer is not JSON") from None
