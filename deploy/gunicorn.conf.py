"""gunicorn settings for Waypoint in production (systemd unit, container and deploy-test).

    gunicorn -c deploy/gunicorn.conf.py config.wsgi

Everything a deployment may change comes from the environment: WAYPOINT_BIND (default
127.0.0.1:8000, behind nginx), WAYPOINT_WEB_WORKERS, WAYPOINT_WEB_THREADS and
WAYPOINT_TRUSTED_PROXIES (the same list Django uses).
"""

import multiprocessing
import os

bind = [item.strip() for item in os.environ.get("WAYPOINT_BIND", "127.0.0.1:8000").split(",")]
workers = int(os.environ.get("WAYPOINT_WEB_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8)))
threads = int(os.environ.get("WAYPOINT_WEB_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"

# Uploads are held in memory and encrypted before they are stored: a large one on a slow
# link must not be cut off. nginx buffers the request body, so gunicorn sees it at once.
timeout = int(os.environ.get("WAYPOINT_WEB_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then: a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200

# No access log: request paths carry case references and invitation tokens. nginx keeps the
# access log, in a format without them (deploy/debian/nginx/waypoint.conf). Errors go to
# stderr (the journal) without request bodies.
accesslog = None
errorlog = "-"
loglevel = "warning"
capture_output = False

# gunicorn believes X-Forwarded-Proto (wsgi.url_scheme) only from these addresses; Django's
# accounts.middleware.TrustedProxyMiddleware applies the same list to every X-Forwarded-*.
forwarded_allow_ips = os.environ.get("WAYPOINT_TRUSTED_PROXIES", "127.0.0.1,::1")
proxy_allow_ips = forwarded_allow_ips

# A request line or header block larger than this is refused before Django sees it.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

# The workers' heartbeat files (empty, created by mkstemp): in memory, not on the disk.
SHM = "/dev/shm"  # noqa: S108 - gunicorn creates private files there, holding no data
worker_tmp_dir = SHM if os.path.isdir(SHM) else None
proc_name = "waypoint-web"
