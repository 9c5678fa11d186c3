"""A local HTTP server playing the Telegram Bot API for the tests: it records every call and
serves files by path. Started and stopped by the test that uses it (no outside network)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "123456:TESTtokenTESTtokenTESTtoken_ab"


class BotApi:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.files: dict[str, bytes] = {}
        self.fail_methods: set[str] = set()
        self.lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep the test output quiet
                return None

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length) or b"{}")
                prefix = f"/bot{TOKEN}/"
                if not self.path.startswith(prefix):
                    return self._answer(401, {"ok": False, "error_code": 401})
                method = self.path[len(prefix) :]
                with api.lock:
                    api.calls.append((method, payload))
                if method in api.fail_methods:
                    return self._answer(502, {"ok": False, "error_code": 502})
                if method == "getFile":
                    result: Any = {"file_id": payload["file_id"], "file_path": "photos/f1.jpg"}
                elif method == "sendMessage":
                    result = {"message_id": len(api.calls), "chat": {"id": payload["chat_id"]}}
                else:
                    result = True
                return self._answer(200, {"ok": True, "result": result})

            def do_GET(self) -> None:  # noqa: N802
                prefix = f"/file/bot{TOKEN}/"
                data = (
                    api.files.get(self.path[len(prefix) :])
                    if self.path.startswith(prefix)
                    else None
                )
                if data is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _answer(self, status: int, body: dict) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> BotApi:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        with self.lock:
            return [payload for name, payload in self.calls if name == method]

    def wait_for(self, check, timeout: float = 60) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if check():
                return True
            time.sleep(0.1)
        return bool(check())


def update(update_id: int, *, sender: int, text: str = "", message_id: int = 1, **extra) -> dict:
    """A recorded-shape Update of a private chat (as Telegram posts it)."""
    message = {
        "message_id": message_id,
        "from": {"id": sender, "is_bot": False, "first_name": "Ivan", "language_code": "ru"},
        "chat": {"id": sender, "first_name": "Ivan", "type": "private"},
        "date": 1764770000,
        **({"text": text} if text else {}),
        **extra,
    }
    return {"update_id": update_id, "message": message}


def edited(update_id: int, *, sender: int, text: str, message_id: int) -> dict:
    body = update(update_id, sender=sender, text=text, message_id=message_id)
    body["edited_message"] = body.pop("message")
    body["edited_message"]["edit_date"] = 1764770100
    return body


def photo(update_id: int, *, sender: int, caption: str = "", message_id: int = 1) -> dict:
    sizes = [
        {
            "file_id": "AgACAgSMALL",
            "file_unique_id": "s",
            "file_size": 900,
            "width": 90,
            "height": 90,
        },
        {
            "file_id": "AgACAgLARGE",
            "file_unique_id": "l",
            "file_size": 9000,
            "width": 800,
            "height": 600,
        },
    ]
    extra: dict = {"photo": sizes}
    if caption:
        extra["caption"] = caption
    return update(update_id, sender=sender, message_id=message_id, **extra)
