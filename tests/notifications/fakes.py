"""Test doubles named by dotted path in settings: SMS providers, and fake WeCom and DingTalk
robots and SMS vendors on 127.0.0.1."""

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from notifications.channels import TemporaryFailure


class RecordingSmsProvider:
    """Succeeds and remembers what it was given (class-level: the channel builds a new one)."""

    sent: list[dict] = []

    def send(self, *, phone: str, template_id: str, params: list[str]) -> None:
        RecordingSmsProvider.sent.append(
            {"phone": phone, "template_id": template_id, "params": params}
        )


class FlakySmsProvider(RecordingSmsProvider):
    """Fails while `failures_left` is above zero, quoting the phone number in its error as a
    careless vendor SDK would; then succeeds."""

    failures_left = 0

    def send(self, *, phone: str, template_id: str, params: list[str]) -> None:
        if FlakySmsProvider.failures_left > 0:
            FlakySmsProvider.failures_left -= 1
            raise TemporaryFailure(f"gateway timeout sending to {phone}")
        super().send(phone=phone, template_id=template_id, params=params)


class LocalServer:
    """A vendor's HTTP endpoint on 127.0.0.1, served by a thread while the `with` block runs:
    each POST is answered with the JSON that `answer(request)` gives as (status, body)."""

    PATH = "/"

    def __init__(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, answer = fake.answer(self)
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:  # keep the test output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def answer(self, request) -> tuple[int, dict]:
        raise NotImplementedError

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{self.PATH}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


class FakeWeCom(LocalServer):
    """A WeCom robot: records each POST and answers with the next of `answers` (status, JSON
    body), or errcode 0 when none is queued."""

    PATH = "/cgi-bin/webhook/send?key=secret-robot-key"

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[dict] = []
        self.answers: deque[tuple[int, dict]] = deque()

    def answer(self, request) -> tuple[int, dict]:
        self.requests.append({"path": request.path, "body": json.loads(request.body)})
        return self.answers.popleft() if self.answers else (200, {"errcode": 0})


def phone_of(user) -> str:
    """The NOTIFICATIONS_PHONE_LOOKUP of the tests: one number for everybody."""
    return "13812345678"


class FakeDingTalk(FakeWeCom):
    """A DingTalk custom robot on 127.0.0.1 that checks what the real one checks: the access
    token, a timestamp within the hour, and the signature, computed here from the secret it was
    set up with; a wrong one is answered errcode 310000, as DingTalk does. Each fake is one
    robot: give another token and secret for another group's."""

    SECRET = "SECtest-dingtalk-secret"
    TOKEN = "robot-access-token"

    def __init__(self, token: str = TOKEN, secret: str = SECRET) -> None:
        super().__init__()
        self.TOKEN, self.SECRET = token, secret
        self.PATH = f"/robot/send?access_token={token}"
        self.refused: list[str] = []

    def answer(self, request) -> tuple[int, dict]:
        problem = self.problem(urllib.parse.parse_qs(urllib.parse.urlsplit(request.path).query))
        if problem:
            self.refused.append(problem)
            self.answers.appendleft((200, {"errcode": 310000, "errmsg": problem}))
        return super().answer(request)

    def problem(self, query: dict) -> str:
        if query.get("access_token") != [self.TOKEN]:
            return "access_token"
        try:
            timestamp = int(query["timestamp"][0])
            signature = query["sign"][0]
        except (KeyError, ValueError):
            return "timestamp or sign missing"
        if abs(time.time() * 1000 - timestamp) > 3600 * 1000:
            return "timestamp too old"
        mac = hmac.new(self.SECRET.encode(), f"{timestamp}\n{self.SECRET}".encode(), "sha256")
        if signature != base64.b64encode(mac.digest()).decode():
            return "sign not match"
        return ""


class FakeAliyunSms(LocalServer):
    """Alibaba Cloud's SendSms and QuerySendDetails on 127.0.0.1: checks the parameters the
    real API requires and the request's signature, recomputed here from the secret it was set
    up with; answers as the vendor does (Code OK, or SignatureDoesNotMatch / MissingX). A sent
    message gets a BizId and waits (SendStatus 1) until `report()` gives its carrier's answer;
    a query finds it by the number, the day it was sent and, when given, its BizId.
    `query_codes` answers the next queries with these codes, one each ("OK": as usual; else
    refused so, as for a number the vendor refuses or its flow control)."""

    KEY_ID = "LTAItestkey"
    SECRET = "testsecret"
    COMMON = (
        "AccessKeyId", "Action", "Format", "SignatureMethod", "SignatureNonce",
        "SignatureVersion", "Timestamp", "Version",
    )  # fmt: skip
    REQUIRED = {
        "SendSms": (*COMMON, "PhoneNumbers", "SignName", "TemplateCode", "TemplateParam"),
        "QuerySendDetails": (*COMMON, "PhoneNumber", "SendDate", "PageSize", "CurrentPage"),
    }

    def __init__(self) -> None:
        super().__init__()
        self.accepted: list[dict] = []  # SendSms requests
        self.queries: list[dict] = []  # QuerySendDetails requests
        self.refused: list[str] = []
        self.next_code = "OK"
        self.query_codes: deque[str] = deque()
        self.sent: dict[str, dict] = {}  # BizId -> what the carrier said

    def report(self, biz_id: str, *, status: int, err_code: str) -> None:
        """The carrier's answer: SendStatus 2 (failed) or 3 (delivered), with its ErrCode."""
        self.sent[biz_id].update(
            SendStatus=status, ErrCode=err_code, ReceiveDate="2025-03-10 08:31:05"
        )

    def answer(self, request) -> tuple[int, dict]:
        form = urllib.parse.parse_qs(request.body.decode(), keep_blank_values=True)
        params = {key: values[0] for key, values in form.items()}
        code = self.check(params)
        if code != "OK":
            self.refused.append(code)
            return 400, {"Code": code, "Message": code, "RequestId": "r"}
        if params["Action"] == "QuerySendDetails":
            self.queries.append(params)
            if self.query_codes and (code := self.query_codes.popleft()) != "OK":
                return 400, {"Code": code, "Message": code, "RequestId": "r"}
            return 200, self.details(params)
        self.accepted.append(params)
        code, self.next_code = self.next_code, "OK"
        if code != "OK":
            return 400, {"Code": code, "Message": code, "RequestId": "r"}
        biz_id = f"{len(self.sent) + 900000}^0"
        self.sent[biz_id] = {
            "PhoneNum": params["PhoneNumbers"],
            "SendDate": time.strftime("%Y%m%d", time.gmtime(time.time() + 8 * 3600)),
            "SendStatus": 1,
            "ErrCode": "",
            "ReceiveDate": "",
            "TemplateCode": params["TemplateCode"],
        }
        return 200, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": "r"}

    def details(self, params: dict) -> dict:
        found = [
            {**detail, "SendDate": "2025-03-10 08:31:00"}
            for biz_id, detail in self.sent.items()
            if detail["PhoneNum"] == params["PhoneNumber"]
            and detail["SendDate"] == params["SendDate"]
            and params.get("BizId", biz_id) == biz_id
        ]
        return {
            "Code": "OK",
            "Message": "OK",
            "RequestId": "r",
            "TotalCount": len(found),
            "SmsSendDetailDTOs": {"SmsSendDetailDTO": found},
        }

    def check(self, params: dict) -> str:
        required = self.REQUIRED.get(params.get("Action", ""))
        if required is None:
            return "InvalidAction"
        for name in required:
            if not params.get(name):
                return f"Missing{name}"
        if params["AccessKeyId"] != self.KEY_ID:
            return "InvalidAccessKeyId.NotFound"
        if params["Version"] != "2017-05-25":
            return "InvalidVersion"
        if params["Action"] == "SendSms":
            if not isinstance(json.loads(params["TemplateParam"]), dict):
                return "isv.INVALID_JSON_PARAM"
        else:
            if not (len(params["SendDate"]) == 8 and params["SendDate"].isdigit()):
                return "isv.SendDate.Invalid"
            if not 1 <= int(params["PageSize"]) <= 50 or int(params["CurrentPage"]) < 1:
                return "isv.PageSize.Invalid"
        given = params.pop("Signature", "")
        pairs = sorted(params.items())

        def pct(text: str) -> str:
            return urllib.parse.quote(text, safe="").replace("%7E", "~")

        canonical = "&".join(f"{pct(k)}={pct(v)}" for k, v in pairs)
        string_to_sign = "POST&%2F&" + pct(canonical)
        mac = hmac.new(f"{self.SECRET}&".encode(), string_to_sign.encode(), "sha1")
        if given != base64.b64encode(mac.digest()).decode():
            return "SignatureDoesNotMatch"
        return "OK"


class FakeTencentSms(LocalServer):
    """Tencent Cloud's SendSms and PullSmsSendStatus on 127.0.0.1: checks the headers the real
    API requires and the TC3-HMAC-SHA256 signature, derived here from the secret key it was set
    up with, then the body (SendSms: E.164 numbers, app id, template id, ordered parameters;
    the pull: the app id and a Limit of 1 to 100); answers as Tencent does. A sent message gets
    a SerialNo; `report()` queues its delivery report, which one pull hands out, once.
    `pull_codes` answers the next pulls with these codes, one each ("Ok": as usual; else that
    error, as for its flow control, handing nothing out)."""

    SECRET_ID = "AKIDtest"
    SECRET_KEY = "tencent-secret-key"
    APP_ID = "1400000000"
    ACTIONS = ("SendSms", "PullSmsSendStatus")

    def __init__(self) -> None:
        super().__init__()
        self.accepted: list[dict] = []  # SendSms bodies
        self.pulls: list[dict] = []  # PullSmsSendStatus bodies
        self.refused: list[str] = []
        self.next_code = "Ok"
        self.sent: dict[str, str] = {}  # SerialNo -> number
        self.reports: deque[dict] = deque()
        self.pull_codes: deque[str] = deque()

    def report(self, serial_no: str, *, status: str, description: str) -> None:
        """The carrier's answer, handed out by the next pull: SUCCESS or FAIL."""
        number = self.sent.get(serial_no, "+8613800000000")
        self.reports.append(
            {
                "UserReceiveTime": 1741566665,
                "CountryCode": "86",
                "SubscriberNumber": number.removeprefix("+86"),
                "PhoneNumber": number,
                "SerialNo": serial_no,
                "ReportStatus": status,
                "Description": description,
                "SessionContext": "",
            }
        )

    def answer(self, request) -> tuple[int, dict]:
        code = self.check(request.headers, request.body)
        if code != "Ok":
            self.refused.append(code)
            return 200, {"Response": {"Error": {"Code": code, "Message": "x"}, "RequestId": "r"}}
        body = json.loads(request.body)
        if request.headers["X-TC-Action"] == "PullSmsSendStatus":
            self.pulls.append(body)
            if self.pull_codes and (code := self.pull_codes.popleft()) != "Ok":
                error = {"Code": code, "Message": "x"}
                return 200, {"Response": {"Error": error, "RequestId": "r"}}
            handed = [self.reports.popleft() for _ in range(min(body["Limit"], len(self.reports)))]
            return 200, {"Response": {"PullSmsSendStatusSet": handed, "RequestId": "r"}}
        self.accepted.append(body)
        code, self.next_code = self.next_code, "Ok"
        statuses = []
        for number in body["PhoneNumberSet"]:
            serial = f"2433:{len(self.sent) + 1}"
            self.sent[serial] = number
            statuses.append(
                {"SerialNo": serial, "PhoneNumber": number, "Fee": 1, "SessionContext": "",
                 "Code": code, "Message": "send success", "IsoCode": "CN"}
            )  # fmt: skip
        return 200, {"Response": {"SendStatusSet": statuses, "RequestId": "r"}}

    def check(self, headers, body: bytes) -> str:
        action = headers.get("X-TC-Action")
        if action not in self.ACTIONS or headers.get("X-TC-Version") != "2021-01-11":
            return "InvalidAction"
        timestamp = int(headers.get("X-TC-Timestamp", "0"))
        if abs(time.time() - timestamp) > 300:
            return "AuthFailure.SignatureExpire"
        day = time.strftime("%Y-%m-%d", time.gmtime(timestamp))
        content_type, host = headers.get("Content-Type", ""), headers.get("Host", "")
        request = (
            f"POST\n/\n\ncontent-type:{content_type}\nhost:{host}\n\ncontent-type;host\n"
            + hashlib.sha256(body).hexdigest()
        )
        scope = f"{day}/sms/tc3_request"
        to_sign = (
            f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n"
            + hashlib.sha256(request.encode()).hexdigest()
        )
        key = f"TC3{self.SECRET_KEY}".encode()
        for part in (day, "sms", "tc3_request"):
            key = hmac.new(key, part.encode(), "sha256").digest()
        expected = (
            f"TC3-HMAC-SHA256 Credential={self.SECRET_ID}/{scope}, "
            f"SignedHeaders=content-type;host, "
            f"Signature={hmac.new(key, to_sign.encode(), 'sha256').hexdigest()}"
        )
        if headers.get("Authorization") != expected:
            return "AuthFailure.SignatureFailure"
        sent = json.loads(body)
        if sent.get("SmsSdkAppId") != self.APP_ID:
            return "InvalidParameterValue.SdkAppIdNotExist"
        if action == "PullSmsSendStatus":
            limit = sent.get("Limit")
            if not isinstance(limit, int) or not 1 <= limit <= 100:
                return "InvalidParameterValue.LimitError"
            return "Ok"
        if not all(number.startswith("+86") for number in sent.get("PhoneNumberSet", [])):
            return "InvalidParameterValue.IncorrectPhoneNumber"
        if not isinstance(sent.get("TemplateParamSet"), list) or not sent.get("TemplateId"):
            return "MissingParameter"
        return "Ok"
