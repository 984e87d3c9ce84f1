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
    set up with; a wrong one is answered errcode 310000, as DingTalk does."""

    SECRET = "SECtest-dingtalk-secret"
    TOKEN = "robot-access-token"

    PATH = f"/robot/send?access_token={TOKEN}"

    def __init__(self) -> None:
        super().__init__()
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
    """Alibaba Cloud's SendSms on 127.0.0.1: checks the parameters the real API requires and
    the request's signature, recomputed here from the secret it was set up with; answers as
    the vendor does (Code OK, or SignatureDoesNotMatch / MissingX)."""

    KEY_ID = "LTAItestkey"
    SECRET = "testsecret"
    REQUIRED = (
        "AccessKeyId", "Action", "Format", "PhoneNumbers", "SignName", "SignatureMethod",
        "SignatureNonce", "SignatureVersion", "TemplateCode", "TemplateParam", "Timestamp",
        "Version",
    )  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self.accepted: list[dict] = []
        self.refused: list[str] = []
        self.next_code = "OK"

    def answer(self, request) -> tuple[int, dict]:
        form = urllib.parse.parse_qs(request.body.decode(), keep_blank_values=True)
        params = {key: values[0] for key, values in form.items()}
        code = self.check(params)
        if code == "OK":
            self.accepted.append(params)
            code, self.next_code = self.next_code, "OK"
        else:
            self.refused.append(code)
        return (200 if code == "OK" else 400), {"Code": code, "BizId": "900000000000^0"}

    def check(self, params: dict) -> str:
        for name in self.REQUIRED:
            if not params.get(name):
                return f"Missing{name}"
        if params["AccessKeyId"] != self.KEY_ID:
            return "InvalidAccessKeyId.NotFound"
        if (params["Action"], params["Version"]) != ("SendSms", "2017-05-25"):
            return "InvalidAction"
        if not isinstance(json.loads(params["TemplateParam"]), dict):
            return "isv.INVALID_JSON_PARAM"
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
    """Tencent Cloud's SendSms on 127.0.0.1: checks the headers the real API requires and the
    TC3-HMAC-SHA256 signature, derived here from the secret key it was set up with, then the
    body (E.164 numbers, app id, template id, ordered parameters); answers as Tencent does."""

    SECRET_ID = "AKIDtest"
    SECRET_KEY = "tencent-secret-key"
    APP_ID = "1400000000"

    def __init__(self) -> None:
        super().__init__()
        self.accepted: list[dict] = []
        self.refused: list[str] = []
        self.next_code = "Ok"

    def answer(self, request) -> tuple[int, dict]:
        code = self.check(request.headers, request.body)
        if code != "Ok":
            self.refused.append(code)
            return 200, {"Response": {"Error": {"Code": code, "Message": "x"}}}
        self.accepted.append(json.loads(request.body))
        code, self.next_code = self.next_code, "Ok"
        return 200, {"Response": {"SendStatusSet": [{"Code": code}], "RequestId": "r"}}

    def check(self, headers, body: bytes) -> str:
        if headers.get("X-TC-Action") != "SendSms" or headers.get("X-TC-Version") != "2021-01-11":
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
        if not all(number.startswith("+86") for number in sent.get("PhoneNumberSet", [])):
            return "InvalidParameterValue.IncorrectPhoneNumber"
        if not isinstance(sent.get("TemplateParamSet"), list) or not sent.get("TemplateId"):
            return "MissingParameter"
        return "Ok"
