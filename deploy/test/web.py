"""An HTTPS client for the deploy test: forms as a browser fills them, TOTP codes, nodes.

The session and CSRF cookies are host-only and port-blind, so one client can send its
requests to either web node (each behind its own nginx port) with the same session.
"""

from __future__ import annotations

import base64
import re
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import requests
from django_otp.oath import hotp


def totp(secret: str, *, step: int) -> str:
    """The RFC 6238 code of the 30-second ``step`` for a base32 ``secret`` (django-otp's HOTP
    of the step number, as the server computes it)."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{hotp(key, step):06d}"


def current_step() -> int:
    return int(time.time()) // 30


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
        elif not self.forms:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind == "file":
                self.forms[-1].files.append(a["name"])
            elif kind not in {"checkbox", "radio", "submit"} or "checked" in a:
                self.forms[-1].fields.setdefault(a["name"], a.get("value", ""))
        elif tag in {"textarea", "select"} and a.get("name"):
            self.forms[-1].fields.setdefault(a["name"], "")
            self.select = a["name"] if tag == "select" else None
        elif tag == "option" and self.select and a.get("value"):
            # The selected choice, else the first real one (as a person would leave it).
            if "selected" in a or not self.forms[-1].fields[self.select]:
                self.forms[-1].fields[self.select] = a["value"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = None


def forms(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


class Client:
    """A browser stand-in: cookies, Origin on POSTs, fails on any 5xx."""

    def __init__(self, base: str, cert: str) -> None:
        self.base = base
        self.cert = cert
        self.http = requests.Session()
        self.statuses: list[int] = []

    def url(self, path: str, base: str | None = None) -> str:
        return urljoin(base or self.base, path)

    def get(self, path: str, *, base: str | None = None, **kw) -> requests.Response:
        # verify per request: a session's own is overridden by REQUESTS_CA_BUNDLE.
        response = self.http.get(self.url(path, base), timeout=60, verify=self.cert, **kw)
        return self._seen(response)

    def post(self, url: str, data: dict, files=None) -> requests.Response:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        response = self.http.post(
            url, data=data, files=files, headers={"Origin": origin}, timeout=120, verify=self.cert
        )
        return self._seen(response)

    def _seen(self, response: requests.Response) -> requests.Response:
        for hop in [*response.history, response]:
            self.statuses.append(hop.status_code)
            if hop.status_code >= 500:
                raise AssertionError(f"{hop.status_code} from {urlsplit(hop.url).path}")
        return response

    def submit(
        self, page: requests.Response, *, need: str, data: dict | None = None, files=None
    ) -> requests.Response:
        """Fills in the first form of ``page`` that has a field ``need`` and posts it."""
        candidates = [f for f in forms(page.text) if need in f.fields or need in f.files]
        if not candidates:
            raise AssertionError(f"no form with {need!r} on {urlsplit(page.url).path}")
        form = candidates[0]
        payload = {**form.fields, **(data or {})}
        return self.post(urljoin(page.url, form.action or page.url), payload, files)


def link(html: str, pattern: str) -> str:
    match = re.search(rf'href="({pattern})"', html)
    if match is None:
        raise AssertionError(f"no link matching {pattern}")
    return match.group(1)
