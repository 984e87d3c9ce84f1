"""gunicorn's settings for production (`gunicorn --config python:project.gunicorn project.wsgi`).

Synchronous workers: a step is a short transaction, and the pages hold no long connections.
"""

import multiprocessing
import os

bind = os.environ.get("SERVE_ADDRESS", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# A worker that has not answered in 60 s is restarted; an import or a report may take a while.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Recycle workers now and then so that a slow leak in any library never grows unbounded.
max_requests = 2000
max_requests_jitter = 200
# The proxy in front sets X-Forwarded-Proto; trust it only from the addresses named here.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
# The access log never holds query strings (they could carry a search term); the path and
# status are enough to see what was served.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
# No control socket in the home directory: systemd (or bin/serve) manages the process, and two
# servers on one machine must not share a socket path.
control_socket_disable = True
