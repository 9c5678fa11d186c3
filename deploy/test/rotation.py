"""Key rotation under load: the phases of `manage.py rotate_keys` while a caseworker keeps
creating cases and signing in. Runs only when the command has those phases (`--add`)."""

from __future__ import annotations

import json
import threading
import time

from phases import Person, check, create_case, sign_in, sign_out
from stack import Stack, say
from web import Client, current_step

PHASES_ABSENT = (
    "SKIPPED: rotation under load — `manage.py rotate_keys --add` does not exist in this "
    "checkout (the phased rotation: --add, --activate, --rewrap, --retire)"
)


def key_ids(stack: Stack) -> list[str]:
    ring = json.loads((stack.work / "keyring" / "keyring.json").read_text(encoding="utf-8"))
    return [kek["id"] for kek in ring["keks"]]


class Load(threading.Thread):
    """Creates cases without pause; signs in again whenever a fresh code step comes up."""

    def __init__(self, stack: Stack, person: Person) -> None:
        super().__init__(daemon=True)
        self.stack, self.person = stack, person
        self.client = Client(stack.base, str(stack.cert))
        self.stop = threading.Event()
        self.cases: list[str] = []
        self.sign_ins = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            sign_in(self.client, self.person)
            while not self.stop.is_set():
                self.cases.append(create_case(self.client))
                # A code of a step not used yet is accepted (one step of skew): sign in again
                # as soon as one is, without waiting.
                if current_step() >= self.person.last_step:
                    sign_out(self.client)
                    sign_in(self.client, self.person)
                    self.sign_ins += 1
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            self.error = exc


def wait_for_sign_in(load: Load, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while load.sign_ins == 0 and load.error is None and time.monotonic() < deadline:
        time.sleep(0.5)


def rotation_under_load(stack: Stack, person: Person, case: str) -> None:
    help_text = stack.run_manage("rotate_keys", "--help").stdout
    if "--add" not in help_text:
        say(PHASES_ABSENT)
        return
    old = key_ids(stack)
    load = Load(stack, person)
    load.start()
    time.sleep(3)
    try:
        stack.run_manage("rotate_keys", "--add")
        new = [kid for kid in key_ids(stack) if kid not in old]
        check(len(new) == 1, f"--add adds one key: {old} → {key_ids(stack)}")
        time.sleep(3)  # every process learns the key before anything is sealed with it
        stack.run_manage("rotate_keys", "--activate", new[0])
        # A sign-in (a TOTP secret opened under the rotating keyring) before the re-wrap: the
        # client signs in again once a new 30-second code step comes up.
        wait_for_sign_in(load, timeout=70)
        stack.run_manage("rotate_keys", "--rewrap")
        for kid in old:
            stack.run_manage("rotate_keys", "--retire", kid)
        time.sleep(2)
    finally:
        load.stop.set()
        load.join(timeout=120)
    check(load.error is None, f"the client under load met an error: {load.error!r}")
    check(bool(load.cases), "cases were created during the rotation")
    check(load.sign_ins >= 1, "the client signed in again during the rotation")
    # --retire succeeded (run_manage fails otherwise), and it refuses while any row is still
    # wrapped under the key: nothing is stranded under a retired key.
    status = stack.run_manage("rotate_keys", "--status").stdout
    reader = Client(stack.base, str(stack.cert))
    sign_in(reader, person)
    for path in [case, *load.cases]:
        check(reader.get(path).status_code == 200, f"{path} opens after the rotation")
    fivexx = [code for code in load.client.statuses + reader.statuses if code >= 500]
    check(not fivexx, f"no 5xx during the rotation: {fivexx}")
    say(
        f"ok: rotation under load: {len(load.cases)} cases, {load.sign_ins} sign-ins, "
        f"{len(load.client.statuses)} requests, no 5xx; retired {old}\n{status.strip()}"
    )
