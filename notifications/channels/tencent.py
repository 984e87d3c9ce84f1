"""Tencent Cloud SMS (`SendSms`, API version 2021-01-11): a pre-approved signature and template
with ordered parameters, never free text, to a number in E.164 (+86…). Each request is signed
with TC3-HMAC-SHA256 as Tencent Cloud's API v3 requires: a canonical request over the content
type, the host and the body's SHA-256, a key derived from the secret, the date and the
service. Credentials come from the environment; the number goes nowhere else.

Delivery reports: `PullSmsSendStatus` (signed the same way; the app's SmsSdkAppId and a Limit
of at most 100) hands out the reports that came in since the last pull, each only once, with
ReportStatus SUCCESS or FAIL, the SerialNo SendSms gave, UserReceiveTime (Unix seconds) and
the carrier's Description. The pull has to be switched on by Tencent for the account."""

import datetime
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings

from ..models import Receipt
from .base import PermanentFailure, TemporaryFailure
from .sms import Report, Waiting, masked

TIMEOUT_SECONDS = 10
VERSION = "2021-01-11"
SERVICE = "sms"
CONTENT_TYPE = "application/json; charset=utf-8"
TEMPORARY_PREFIXES = ("InternalError", "RequestLimitExceeded", "LimitExceeded.DeliveryFrequency")
PULL_LIMIT = 100  # the most one pull hands out
MAX_PULLS = 10  # per run: a backlog is read over the next runs, not in one long loop
REPORT_STATUS = {"SUCCESS": Receipt.DELIVERED, "FAIL": Receipt.FAILED}

logger = logging.getLogger(__name__)


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def authorization(
    *, secret_id: str, secret_key: str, host: str, body: bytes, timestamp: int
) -> str:
    date = datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%d")
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{CONTENT_TYPE}\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{date}/{SERVICE}/tc3_request"
    to_sign = "\n".join(
        ["TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), SERVICE), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, "
        f"SignedHeaders=content-type;host, Signature={signature}"
    )


def e164(phone: str) -> str:
    return phone if phone.startswith("+") else f"+86{phone}"


class TencentSmsProvider:
    vendor = "tencent"

    def send(self, *, phone: str, template_id: str, params: list[str]) -> str:
        answer = _call(
            "SendSms",
            {
                "PhoneNumberSet": [e164(phone)],
                "SmsSdkAppId": settings.TENCENT_SMS_APP_ID,
                "SignName": settings.TENCENT_SMS_SIGN_NAME,
                "TemplateId": template_id,
                "TemplateParamSet": [str(param) for param in params],
            },
        )
        statuses = answer.get("SendStatusSet") or [{}]
        code = statuses[0].get("Code")
        if code != "Ok":
            raise _failure(code)
        return str(statuses[0].get("SerialNo") or "")

    def receipts(self, waiting: list[Waiting]) -> list[Report]:
        """Every report the vendor hands out now (for these messages and any other of ours)."""
        reports = []
        for _pull in range(MAX_PULLS):
            try:
                answer = _call(
                    "PullSmsSendStatus",
                    {"Limit": PULL_LIMIT, "SmsSdkAppId": settings.TENCENT_SMS_APP_ID},
                )
            except Exception as error:
                if not reports:
                    raise
                # A pull hands each report out once: those already read are returned to be
                # recorded, or they would be lost for good; the rest wait for the next run.
                logger.warning("Tencent reports: a later pull failed (%s)", type(error).__name__)
                break
            batch = answer.get("PullSmsSendStatusSet") or []
            reports += [_report(status) for status in batch if status.get("SerialNo")]
            if len(batch) < PULL_LIMIT:
                break
        return reports


def _report(status: dict) -> Report:
    received = status.get("UserReceiveTime")
    return Report(
        vendor_id=str(status["SerialNo"]),
        receipt=REPORT_STATUS.get(status.get("ReportStatus"), Receipt.WAITING),
        code=str(status.get("Description") or status.get("ReportStatus") or "")[:64],
        at=datetime.datetime.fromtimestamp(received, datetime.UTC) if received else None,
        phone=masked(str(status.get("PhoneNumber") or "")),
    )


def _failure(code) -> Exception:
    if str(code).startswith(TEMPORARY_PREFIXES):
        return TemporaryFailure(f"Tencent {code}")
    return PermanentFailure(f"Tencent {code}")


def _call(action: str, payload: dict) -> dict:
    """One signed request; its Response, or the failure its Error means."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    endpoint = settings.TENCENT_SMS_ENDPOINT
    host = urllib.parse.urlsplit(endpoint).netloc
    timestamp = int(time.time())
    headers = {
        "Authorization": authorization(
            secret_id=settings.TENCENT_SMS_SECRET_ID,
            secret_key=settings.TENCENT_SMS_SECRET_KEY,
            host=host,
            body=body,
            timestamp=timestamp,
        ),
        "Content-Type": CONTENT_TYPE,
        "Host": host,
        "X-TC-Action": action,
        "X-TC-Version": VERSION,
        "X-TC-Timestamp": str(timestamp),
        "X-TC-Region": settings.TENCENT_SMS_REGION,
    }
    answer = _post(endpoint, body, headers).get("Response", {})
    error = answer.get("Error")
    if error:
        raise _failure(error.get("Code"))
    return answer


def _post(url: str, body: bytes, headers: dict) -> dict:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        raise (TemporaryFailure if error.code >= 500 else PermanentFailure)(
            f"HTTP {error.code}"
        ) from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise TemporaryFailure(type(error).__name__) from None
    except ValueError:
        raise TemporaryFailure("the answer is not JSON") from None
