"""`make deploy-test`: the production stack from deploy/, on this machine, without containers.

PostgreSQL database and role, Redis database, self-signed certificate and secret files of its
own; gunicorn (two nodes, WAYPOINT_ENV=production, deploy/gunicorn.conf.py), nginx with a
configuration derived from deploy/debian/nginx/waypoint.conf, a Celery worker and beat, an
SMTP sink (aiosmtpd). Then, over HTTPS: redirect, headers, static files, /healthz, first
start to a signed-in admin, a caseworker's case with a document and a reminder by e-mail;
both nodes sharing uploads, one-time codes and lockouts; key rotation under load (when
`rotate_keys --add` exists); the runtime role's limits on the audit log and a checkpoint
stored in WAYPOINT_CHECKPOINT_DIR and verified; `systemd-analyze verify` on the units. Every
process is stopped by pid at the end.

Run it with deploy/test/deploy-test.sh (or `make deploy-test`). DEPLOY_TEST_DB_PREFIX and
DEPLOY_TEST_REDIS_URL choose the throwaway database's name prefix and the Redis database
(which is emptied); DEPLOY_TEST_KEEP=1 keeps the folder with the logs.
"""

from __future__ import annotations

import mailbox
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import phases  # noqa: E402
from stack import NGINX, Stack, say  # noqa: E402


def prepare(stack: Stack) -> None:
    for folder in ("logs", "nginx", "var-a", "var-b", "var", "media"):
        (stack.work / folder).mkdir(mode=0o700)
    mailbox.Maildir(stack.work / "mail", create=True)  # the SMTP sink's
    stack.flush_redis()
    stack.create_database()
    stack.write_secrets()
    stack.self_signed_certificate()
    say("migrate and collectstatic (production settings, secrets from files)")
    stack.run_manage("migrate", "--noinput")
    stack.run_manage("collectstatic", "--noinput")
    if stack.use_runtime_role():
        say("the services connect as the runtime role (grant_runtime_role)")
    else:
        say("SKIPPED: runtime database role — `manage.py grant_runtime_role` does not exist here")
    # nginx's workers run unprivileged: they may traverse the run folder and read static files.
    stack.work.chmod(0o711)
    for path in [stack.work / "static", *(stack.work / "static").rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def start_services(stack: Stack) -> None:
    py, bin_ = sys.executable, Path(sys.executable).parent
    stack.start(
        "smtp",
        [py, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{stack.ports['smtp']}",
         "-c", "aiosmtpd.handlers.Mailbox", str(stack.work / "mail")],
    )  # fmt: skip
    for node in ("a", "b"):
        env = stack.env(
            WAYPOINT_BIND=f"127.0.0.1:{stack.ports['n' + node]}",
            WAYPOINT_WEB_WORKERS="2",
            # Each node has its own var folder; documents are on one disk here (one machine).
            WAYPOINT_VAR_DIR=str(stack.work / f"var-{node}"),
            WAYPOINT_MEDIA_ROOT=str(stack.work / "media"),
        )
        gunicorn = [str(bin_ / "gunicorn"), "--config", "deploy/gunicorn.conf.py", "config.wsgi"]
        stack.start(f"web-{node}", gunicorn, env)
    app = stack.env(WAYPOINT_MEDIA_ROOT=str(stack.work / "media"))
    celery = [str(bin_ / "celery"), "--app", "config"]
    stack.start(
        "worker",
        [*celery, "worker", "--loglevel", "INFO", "--concurrency", "1",
         "--hostname", f"deploytest-{stack.suffix}@%h"],
        app,
    )  # fmt: skip
    beat_schedule = str(stack.work / "var" / "beat-schedule")
    stack.start("beat", [*celery, "beat", "--loglevel", "INFO", "--schedule", beat_schedule], app)
    conf = stack.work / "nginx" / "nginx.conf"
    conf.write_text(stack.nginx_config(), encoding="utf-8")
    nginx = [NGINX, "-p", f"{stack.work}/nginx/", "-e", f"{stack.work}/nginx/error.log"]
    test = phases.run([*nginx, "-t", "-c", str(conf)])
    if test.returncode:
        raise RuntimeError(f"nginx -t refused the generated configuration:\n{test.stderr}")
    stack.start("nginx", [*nginx, "-c", str(conf)])
    phases.wait_until_up(stack)


def main() -> int:
    if not Path(NGINX).exists():
        say(f"{NGINX} is missing: apt-get install nginx")
        return 1
    work = Path(tempfile.mkdtemp(prefix="waypoint-deploy-test-"))
    stack = Stack(
        work,
        db_prefix=os.environ.get("DEPLOY_TEST_DB_PREFIX", "wp_deploytest"),
        redis_url=os.environ.get("DEPLOY_TEST_REDIS_URL", "redis://127.0.0.1:6379/14"),
    )
    started = time.monotonic()
    passed = False
    try:
        prepare(stack)
        start_services(stack)
        phases.run_all(stack)
        passed = True
    finally:
        if not passed:
            for name in stack.procs:
                tail = "\n".join(stack.log(name).splitlines()[-15:])
                say(f"--- last lines of {name}'s log:\n{tail}")
        stack.stop_all()
        stack.drop_database()
        stack.flush_redis()
        if passed and not os.environ.get("DEPLOY_TEST_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
        else:
            say(f"logs kept in {work}/logs")
    say(f"passed in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
