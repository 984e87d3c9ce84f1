"""Test doubles named by dotted path in settings: SMS providers and a fake WeCom webhook."""

import json
import threading
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
