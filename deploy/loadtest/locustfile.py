"""Caseworkers at work, for `make loadtest` (deploy/loadtest/run.py starts the stack and
locust): the dashboard, the case list and its filters, a case page, a note, an upload.

Every virtual user shares the one signed-in caseworker session the driver hands over in
LOADTEST_SESSION (a JSON file: base URL, CA certificate, cookies, case paths, the upload form's
fields): a sign-in needs a one-time code, and one account gets one code per 30 seconds.
Request names are page names, so the statistics come out per page, not per case reference.
"""

from __future__ import annotations

import json
import os
import random
import re
import secrets
from io import BytesIO

from locust import HttpUser, between, task

SESSION = json.loads(open(os.environ["LOADTEST_SESSION"], encoding="utf-8").read())  # noqa: SIM115
FILTERS = ["?status=crisis", "?risk=high", "?country=KZ", "?mine=on", "?risk=low&page=3"]
PICK = random.Random()  # noqa: S311 - which page next, not a secret
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def png() -> bytes:
    from PIL import Image

    out = BytesIO()
    Image.frombytes("RGB", (64, 64), secrets.token_bytes(64 * 64 * 3)).save(out, format="PNG")
    return out.getvalue()


class Caseworker(HttpUser):
    host = SESSION["base"]
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.client.verify = SESSION["cert"]
        for name, value in SESSION["cookies"].items():
            self.client.cookies.set(name, value)

    def _post_form(self, path: str, name: str, data: dict, files=None) -> None:
        with self.client.get(path, name=f"{name} (form)", catch_response=True) as page:
            found = TOKEN.search(page.text)
            if found is None:
                page.failure("no CSRF token on the form")
                return
        headers = {"Origin": SESSION["base"], "Referer": SESSION["base"] + path}
        data = {**data, "csrfmiddlewaretoken": found.group(1)}
        with self.client.post(
            path, data=data, files=files, headers=headers, name=name, catch_response=True,
            allow_redirects=False,
        ) as sent:  # fmt: skip
            if sent.status_code != 302:
                sent.failure(f"{sent.status_code}: the form was not accepted")

    @task(4)
    def dashboard(self) -> None:
        self.client.get("/", name="dashboard")

    @task(4)
    def case_list(self) -> None:
        self.client.get("/cases/", name="case list")

    @task(3)
    def case_list_filtered(self) -> None:
        self.client.get("/cases/" + PICK.choice(FILTERS), name="case list, filtered")

    @task(4)
    def case_page(self) -> None:
        self.client.get(PICK.choice(SESSION["cases"]), name="case page")

    @task(1)
    def add_note(self) -> None:
        case = PICK.choice(SESSION["cases"])
        self._post_form(case + "notes/new/", "add a note", {"text": "Called back; all well."})

    @task(1)
    def upload(self) -> None:
        case = PICK.choice(SESSION["cases"])
        files = {"file": ("scan.png", png(), "image/png")}
        # The form's other fields as a person leaves them (document type: the first).
        data = {**SESSION["upload_fields"], "description": "scan"}
        self._post_form(case + "documents/new/", "upload", data, files)
