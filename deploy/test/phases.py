"""The checks of `make deploy-test`, in the order a new installation meets them."""

from __future__ import annotations

import mailbox
import re
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from io import BytesIO

import requests
from stack import Stack, render_units, say
from web import Client, current_step, link, totp

HSTS = "max-age=63072000; includeSubDomains; preload"
PASSWORD = "deploy test: a long walk along the quiet river"
CASE_PATH = r"/cases/[A-Z]{2,6}-\d{4}-\d{4,}/"


def run(argv: list[str], **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False, **kw)


def check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def wait_until_up(stack: Stack) -> None:
    deadline = time.monotonic() + 240
    for port in (stack.ports["na"], stack.ports["nb"], stack.ports["https"]):
        scheme = "https" if port == stack.ports["https"] else "http"
        while True:
            for name in stack.procs:
                check(stack.alive(name), f"{name} exited:\n{stack.log(name)[-3000:]}")
            try:
                response = requests.get(
                    f"{scheme}://127.0.0.1:{port}/healthz",
                    headers={"Host": "127.0.0.1"},
                    verify=str(stack.cert),
                    timeout=20,
                )
                if response.status_code == 200:
                    break
            except requests.RequestException:
                pass  # still starting
            check(time.monotonic() < deadline, f"nothing answers on port {port}")
            time.sleep(0.5)
    say("both web nodes, nginx, the worker, beat and the SMTP sink are up")


# --- people ------------------------------------------------------------------------------
@dataclass
class Person:
    email: str
    secret: str = ""
    last_step: int = 0

    def code(self) -> str:
        """A code of a step not used yet that the server accepts (one step of skew)."""
        step = max(self.last_step + 1, current_step())
        while step > current_step() + 1:
            time.sleep(1)
        self.last_step = step
        return totp(self.secret, step=step)


def accept_and_enrol(client: Client, invitation: str, person: Person) -> None:
    page = client.get(invitation)
    check(page.url.endswith("/invite/accept/"), "the invitation link leads to its form")
    data = {"display_name": "Deploy", "password1": PASSWORD, "password2": PASSWORD}
    enrol = client.submit(page, need="password1", data=data)
    check(enrol.url.endswith("/accounts/security/enrol/"), "a password alone leads to enrolment")
    page = client.get("/accounts/security/totp/")
    found = re.search(r'id="totp-secret"[^>]*>([^<]+)<', page.text)
    check(found is not None, "the authenticator page shows the secret")
    person.secret = re.sub(r"\s", "", found.group(1))
    codes = client.submit(page, need="code", data={"code": person.code()})
    check(codes.url.endswith("/accounts/security/backup-codes/"), "backup codes follow enrolment")
    check(client.get("/").status_code == 200, "the dashboard opens after enrolment")


def sign_out(client: Client) -> None:
    page = client.get("/")
    form = client.post(client.url("/accounts/logout/", page.url), _csrf(page.text))
    check(form.url.endswith("/accounts/login/"), "signing out leads to the sign-in page")


def sign_in(client: Client, person: Person, *, base: str | None = None) -> requests.Response:
    page = client.get("/accounts/login/", base=base)
    verify = client.submit(
        page, need="username", data={"username": person.email, "password": PASSWORD}
    )
    check("/accounts/verify/" in verify.url, f"the password leads to the code step ({verify.url})")
    return client.submit(verify, need="code", data={"code": person.code()})


def _csrf(html: str) -> dict[str, str]:
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    check(token is not None, "the page carries a CSRF token")
    return {"csrfmiddlewaretoken": token.group(1)}


def mails_to(stack: Stack, address: str, *, at_least: int, wait: float = 90) -> list[Message]:
    deadline = time.monotonic() + wait
    while True:
        box = mailbox.Maildir(stack.work / "mail", create=False)
        found = [m for m in box if address in (m["To"] or "")]
        if len(found) >= at_least:
            return found
        check(time.monotonic() < deadline, f"no e-mail #{at_least} to {address} reached the sink")
        time.sleep(1)


def body(message: Message) -> str:
    part = message.get_payload(decode=True) if not message.is_multipart() else None
    if part is None:
        part = message.get_payload(0).get_payload(decode=True)
    return part.decode("utf-8", errors="replace")


# --- phase 1: one HTTPS address ---------------------------------------------------------------
def transport(stack: Stack, client: Client) -> None:
    plain = requests.get(
        f"http://127.0.0.1:{stack.ports['http']}/accounts/login/?next=/x",
        allow_redirects=False,
        timeout=30,
    )
    check(plain.status_code == 301, "plain HTTP is redirected")
    expected = f"{stack.base}/accounts/login/?next=/x"
    check(plain.headers["Location"] == expected, f"to HTTPS: {plain.headers['Location']}")
    page = client.get("/accounts/login/")
    headers = page.headers
    check(headers.get("Strict-Transport-Security") == HSTS, "one HSTS header, with preload")
    check("frame-ancestors 'none'" in headers.get("Content-Security-Policy", ""), "CSP")
    check(headers.get("X-Content-Type-Options") == "nosniff", "nosniff")
    check(headers.get("Referrer-Policy") == "no-referrer", "no referrer")
    check(headers.get("X-Frame-Options") == "DENY", "no framing")
    check("no-store" in headers.get("Cache-Control", ""), "pages are not stored")
    check(headers.get("Server") == "nginx", "nginx hides its version")
    check("__Host-csrftoken" in client.http.cookies, "the CSRF cookie is a __Host- cookie")
    css = client.get(link(page.text, r"/static/[^\"]+\.css"))
    check(css.status_code == 200 and ".card" in css.text, "static files are served")
    check(css.headers.get("Strict-Transport-Security") == HSTS, "static files carry HSTS")
    check("immutable" in css.headers.get("Cache-Control", ""), "static files are cached")
    health = client.get("/healthz")
    check(health.status_code == 200 and health.text.strip() == "ok", "/healthz answers ok")
    say("ok: HTTP→HTTPS redirect, HSTS and security headers, static files, /healthz")


def first_start(stack: Stack, admin: Person, client: Client) -> None:
    output = stack.run_manage(
        "first_start", "--organisation", "Deploy Test", "--slug", "deploy-test",
        "--admin-email", admin.email,
    ).stdout  # fmt: skip
    found = re.search(r"^(https://\S+/invite/\S+/)$", output, re.MULTILINE)
    check(found is not None, "first_start prints the invitation link")
    check(found.group(1).startswith(stack.base + "/invite/"), "the link is on the public address")
    again = stack.run_manage(
        "first_start", "--organisation", "X", "--slug", "x", "--admin-email", "x@example.org",
        check=False,
    )  # fmt: skip
    check(again.returncode != 0, "first_start refuses to run twice")
    accept_and_enrol(client, found.group(1), admin)
    sign_out(client)
    home = sign_in(client, admin)
    check(home.url == stack.base + "/", "the admin signs in with password and code")
    say("ok: first_start link → admin enrols TOTP → signs in")


def invite(stack: Stack, admin: Client, caseworker: Person, client: Client) -> None:
    page = admin.get("/org/members/invite/")
    admin.submit(page, need="email", data={"email": caseworker.email, "role": "caseworker"})
    message = mails_to(stack, caseworker.email, at_least=1)[0]
    found = re.search(r"(https://\S+/invite/\S+/)", body(message))
    check(found is not None, "the invitation e-mail carries the link")
    accept_and_enrol(client, found.group(1), caseworker)
    say("ok: invitation e-mail through SMTP; the caseworker enrols")


def create_case(client: Client, *, base: str | None = None) -> str:
    page = client.get("/cases/new/", base=base)
    data = {"pseudonym": f"Deploy {secrets.token_hex(3)}", "legal_name": "Test Person"}
    data["date_of_birth"] = "1990-01-01"
    case = client.submit(page, need="pseudonym", data=data)
    found = re.search(CASE_PATH + "$", case.url)
    check(found is not None, f"creating a case leads to its page ({case.url})")
    return found.group(0)


def png() -> tuple[bytes, bytes]:
    from PIL import Image

    image = Image.frombytes("RGB", (32, 32), secrets.token_bytes(32 * 32 * 3))
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue(), image.tobytes()


def document_links(client: Client, case: str, base: str) -> set[str]:
    page = client.get(case, base=base)
    return set(re.findall(rf'href="({re.escape(case)}documents/[0-9a-f-]{{36}}/)"', page.text))


def upload_and_download(client: Client, case: str, *, up: str, down: str) -> None:
    from PIL import Image

    data, pixels = png()
    before = document_links(client, case, down)
    page = client.get(case + "documents/new/", base=up)
    files = {"file": ("scan.png", data, "image/png")}
    done = client.submit(page, need="file", data={"description": "scan"}, files=files)
    check(done.url.endswith(case), "the upload returns to the case page")
    new = document_links(client, case, down) - before
    check(len(new) == 1, f"the case page links the new document ({len(new)})")
    got = client.get(new.pop(), base=down)
    check(got.headers["Content-Type"] == "image/png", "the document comes back as PNG")
    check(Image.open(BytesIO(got.content)).tobytes() == pixels, "with the uploaded pixels")


def reminder(stack: Stack, client: Client, case: str, caseworker: Person) -> None:
    page = client.get(case + "deadlines/new/")
    today = datetime.now(UTC).date().isoformat()
    client.submit(page, need="due_date", data={"due_date": today, "note": "deploy test"})
    before = len(mails_to(stack, caseworker.email, at_least=1))
    # What beat runs every five minutes, run once now; the worker sends the e-mail.
    stack.run_manage("send_reminders")
    mails_to(stack, caseworker.email, at_least=before + 1)
    say("ok: a reminder e-mail went out through the worker to the SMTP sink")


# --- phase 2: two web nodes --------------------------------------------------------------------
def two_nodes(stack: Stack, client: Client, caseworker: Person, case: str) -> None:
    a, b = (f"https://127.0.0.1:{stack.ports[n]}" for n in ("a", "b"))
    upload_and_download(client, case, up=a, down=b)
    upload_and_download(client, case, up=b, down=a)
    say("ok: uploaded on one node, downloaded on the other (both ways)")
    sign_out(client)
    sign_in(client, caseworker, base=a)
    used = totp(caseworker.secret, step=caseworker.last_step)
    other = Client(b, str(stack.cert))
    page = other.get("/accounts/login/")
    verify = other.submit(
        page, need="username", data={"username": caseworker.email, "password": PASSWORD}
    )
    replay = other.submit(verify, need="code", data={"code": used})
    check("/accounts/verify/" in replay.url, "a code used on node A is refused on node B")
    check(other.get("/").url.split("?")[0].endswith("/accounts/verify/"), "not signed in on B")
    say("ok: a one-time code used on one node is refused on the other")


def lockout(stack: Stack) -> None:
    a, b = (f"https://127.0.0.1:{stack.ports[n]}" for n in ("a", "b"))
    client = Client(a, str(stack.cert))
    target = f"nobody-{secrets.token_hex(3)}@example.org"
    statuses = []
    for attempt in range(5):  # WAYPOINT_LOGIN_FAILURE_LIMIT=4, alternating nodes
        base = (a, b)[attempt % 2]
        page = client.get("/accounts/login/", base=base)
        response = client.submit(page, need="username", data={"username": target, "password": "x"})
        statuses.append(response.status_code)
    # A counter per process would stand at two on each node and never reach four.
    check(
        429 not in statuses[:3] and statuses[3] == 429,
        f"the fourth failure (the second on node B) locks out: {statuses}",
    )
    say(f"ok: lockout counts across both nodes ({statuses})")


def access_log_is_clean(stack: Stack, case: str) -> None:
    log = (stack.work / "nginx" / "waypoint.access.log").read_text(encoding="utf-8")
    reference = case.strip("/").split("/")[-1]
    check(" /cases " in log, "the access log is written, with first path segments")
    check(reference not in log and "?" not in log and "/invite/" not in log, "no refs or queries")
    check("127.0.0.1" not in log, "no client addresses in the access log")
    say("ok: the access log holds no case references, tokens, queries or addresses")


def systemd_units(stack: Stack) -> None:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        say("SKIPPED: systemd-analyze verify (systemd-analyze is not installed)")
        return
    units = render_units(stack.work / "units")
    result = run([tool, "verify", *map(str, units)])
    check(result.returncode == 0 and not result.stderr.strip(), result.stderr)
    say("ok: systemd-analyze verify on " + ", ".join(unit.name for unit in units))


def run_all(stack: Stack) -> None:
    from checkpoints import audit_phase
    from rotation import rotation_under_load

    admin = Person(f"admin-{stack.suffix}@example.org")
    caseworker = Person(f"caseworker-{stack.suffix}@example.org")
    admin_client = Client(stack.base, str(stack.cert))
    transport(stack, admin_client)
    first_start(stack, admin, admin_client)
    client = Client(stack.base, str(stack.cert))
    invite(stack, admin_client, caseworker, client)
    case = create_case(client)
    upload_and_download(client, case, up=stack.base, down=stack.base)
    say("ok: a case created, a document uploaded and downloaded")
    reminder(stack, client, case, caseworker)
    check(stack.alive("beat") and "beat: Starting" in stack.log("beat"), "beat is running")
    two_nodes(stack, client, caseworker, case)
    rotation_under_load(stack, caseworker, case)
    lockout(stack)
    audit_phase(stack)
    access_log_is_clean(stack, case)
    systemd_units(stack)
