"""Alibaba Cloud SMS (`SendSms`, API version 2017-05-25, RPC style): a pre-approved signature
and template with named parameters, never free text. Each request is signed as Alibaba Cloud's
RPC API requires: the parameters sorted and percent-encoded, "POST&%2F&" + the encoded query,
HMAC-SHA1 with the AccessKey secret + "&". Credentials come from the environment; the number
goes to the vendor and nowhere else (not into an error, not into a log)."""

import base64
import datetime
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid

from django.conf import settings

from .base import PermanentFailure, TemporaryFailure

TIMEOUT_SECONDS = 10
VERSION = "2017-05-25"
# Answers worth trying again later: flow control and the vendor's own trouble.
TEMPORARY = {"isv.BUSINESS_LIMIT_CONTROL", "Throttling", "isp.SYSTEM_ERROR", "ServiceUnavailable"}


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
    def send(self, *, phone: str, template_id: str, params: list[str]) -> None:
        code, named = template_of(template_id, params)
        request = {
            "AccessKeyId": settings.ALIYUN_SMS_ACCESS_KEY_ID,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": phone,
            "RegionId": "cn-hangzhou",
            "SignName": settings.ALIYUN_SMS_SIGN_NAME,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": code,
            "TemplateParam": json.dumps(named, ensure_ascii=False),
            "Timestamp": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": VERSION,
        }
        request["Signature"] = signature(request, settings.ALIYUN_SMS_ACCESS_KEY_SECRET)
        answer = _post(settings.ALIYUN_SMS_ENDPOINT, request)
        status = answer.get("Code")
        if status == "OK":
            return
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
