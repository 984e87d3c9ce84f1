"""Test doubles named by dotted path in settings: SMS providers and a fake WeCom webhook."""

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


class FakeWeCom:
    """A WeCom robot on 127.0.0.1 in a thread: records each POST and answers with the next of
    `answers` (status, JSON body), or errcode 0 when none is queued."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.answers: deque[tuple[int, dict]] = deque()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                fake.requests.append(
                    {"path": self.path, "body": json.loads(self.rfile.read(length))}
                )
                status, answer = fake.answers.popleft() if fake.answers else (200, {"errcode": 0})
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

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/cgi-bin/webhook/send?key=secret-robot-key"

    def __enter__(self) -> "FakeWeCom":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def phone_of(user) -> str:
    """The NOTIFICATIONS_PHONE_LOOKUP of the tests: one number for everybody."""
    return "13812345678"


class FakeDingTalk(FakeWeCom):
    """A DingTalk custom robot on 127.0.0.1 that checks what the real one checks: the access
    token, a timestamp within the hour, and the signature, computed here from the secret it was
    set up with; a wrong one is answered errcode 310000, as DingTalk does."""

    SECRET = "SECtest-dingtalk-secret"
    TOKEN = "robot-access-token"

    def __init__(self) -> None:
        super().__init__()
        self.refused: list[str] = []
        checked = self.server.RequestHandlerClass
        fake = self

        class Handler(checked):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
                problem = fake.problem(query)
                if problem:
                    fake.refused.append(problem)
                    fake.answers.appendleft((200, {"errcode": 310000, "errmsg": problem}))
                super().do_POST()

        self.server.RequestHandlerClass = Handler

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

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/robot/send?access_token={self.TOKEN}"


class FakeAliyunSms:
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
        self.accepted: list[dict] = []
        self.refused: list[str] = []
        self.next_code = "OK"
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = urllib.parse.parse_qs(
                    self.rfile.read(length).decode(), keep_blank_values=True
                )
                params = {key: values[0] for key, values in form.items()}
                code = fake.check(params)
                if code == "OK":
                    fake.accepted.append(params)
                    code, fake.next_code = fake.next_code, "OK"
                else:
                    fake.refused.append(code)
                payload = json.dumps({"Code": code, "BizId": "900000000000^0"}).encode()
                self.send_response(200 if code == "OK" else 400)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

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

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/"

    def __enter__(self) -> "FakeAliyunSms":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


class FakeTencentSms:
    """Tencent Cloud's SendSms on 127.0.0.1: checks the headers the real API requires and the
    TC3-HMAC-SHA256 signature, derived here from the secret key it was set up with, then the
    body (E.164 numbers, app id, template id, ordered parameters); answers as Tencent does."""

    SECRET_ID = "AKIDtest"
    SECRET_KEY = "tencent-secret-key"
    APP_ID = "1400000000"

    def __init__(self) -> None:
        self.accepted: list[dict] = []
        self.refused: list[str] = []
        self.next_code = "Ok"
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                code = fake.check(self.headers, body)
                if code == "Ok":
                    fake.accepted.append(json.loads(body))
                    code, fake.next_code = fake.next_code, "Ok"
                    answer = {"Response": {"SendStatusSet": [{"Code": code}], "RequestId": "r"}}
                else:
                    fake.refused.append(code)
                    answer = {"Response": {"Error": {"Code": code, "Message": "x"}}}
                payload = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

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

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/"

    def __enter__(self) -> "FakeTencentSms":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
