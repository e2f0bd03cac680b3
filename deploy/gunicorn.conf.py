"""gunicorn's configuration for the console (docs/operations/production.md).

`gunicorn --config deploy/gunicorn.conf.py saikoku.wsgi` from the systemd unit or the
Procfile; every value can be changed in the environment file.
"""

import multiprocessing
import os

# The metrics' multiprocess mode: stale files removed at start, a stopped worker's live
# gauges dropped (docs/operations/observability.md).
from saikoku.gunicorn_conf import child_exit, on_starting  # noqa: F401

# The loopback port nginx proxies to (deploy/nginx/saikoku.conf, upstream saikoku_web);
# one ward's instance per port when several wards share a machine.
bind = os.environ.get("SAIKOKU_WEB_BIND", "127.0.0.1:8000")
# Threaded workers: most requests are a short database transaction, but an inbound
# operator's screen pop waits on the server for the phone system's next event (up to
# SAIKOKU_POP_WAIT_SECONDS, docs/inbound.md) and holds a thread meanwhile. Workers ×
# threads must cover the inbound screens open at once plus the other work; each thread
# keeps its own PostgreSQL connection (mind max_connections).
worker_class = "gthread"
workers = int(os.environ.get("SAIKOKU_WEB_WORKERS") or multiprocessing.cpu_count() + 1)
threads = int(os.environ.get("SAIKOKU_WEB_THREADS") or 16)
# A request running longer is killed with a traceback in the log; the longest pages
# (the audit analysis, an xlsx list) take a few seconds. Long work runs in the workers.
timeout = int(os.environ.get("SAIKOKU_WEB_TIMEOUT") or 60)
# On SIGTERM (systemctl stop, a restart for an upgrade) requests in flight may finish.
graceful_timeout = 30
# nginx keeps connections to gunicorn open (upstream keepalive).
keepalive = 5
# A worker is replaced after this many requests, so a slow leak never grows unbounded.
max_requests = 2000
max_requests_jitter = 200
# The access log goes to stdout, i.e. the journal under systemd; nginx's request id and
# the client address it saw are in each line.
accesslog = os.environ.get("SAIKOKU_WEB_ACCESS_LOG") or "-"
access_log_format = (
    '%({x-forwarded-for}i)s "%(r)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}i)s'
)
errorlog = "-"
# The proxy headers are the application's business (SAIKOKU_TRUSTED_PROXIES and
# SAIKOKU_PROXY_SSL_HEADER); gunicorn passes them on untouched.
forwarded_allow_ips = "127.0.0.1,::1"
proc_name = os.environ.get("SAIKOKU_WEB_NAME") or "saikoku-web"
