"""gunicorn, the production app server: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

The gthread worker: a few processes, each with a pool of threads (Django's views are synchronous
and wait mostly on PostgreSQL and Redis). Every value comes from the environment; see
docs/operations.md ("App servers") and ADR 0005 for the figures behind the defaults."""

import os

bind = [os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")]
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Longer than the load balancer's idle upstream keep-alive (nginx keepalive_timeout 4s), so the
# balancer is the side that closes idle connections.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "25"))
backlog = int(os.environ.get("GUNICORN_BACKLOG", "2048"))
# Recycle workers now and then (memory growth), staggered so they do not restart together. Not
# too often: each restart costs a Django start-up (about a second of CPU); at 5,000 a busy worker
# restarted every few seconds under load.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "5000"))
# Not preloaded: each worker opens its own database pool and Redis connections after the fork.
preload_app = False
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 (heartbeat file)  # nosec B108  # gunicorn's worker heartbeat files, in memory; not a temporary file of ours
# The load balancer keeps the access log, with the request id it hands on in X-Request-ID (the
# application's JSON logs carry the same id).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
if os.environ.get("LOG_FORMAT", "json") == "json":
    # gunicorn's own lines (workers booting, timeouts) as JSON too, like the application's.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            }
        },
        "handlers": {
            "error_console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "gunicorn.error": {"level": loglevel.upper(), "handlers": ["error_console"]},
        },
        "root": {"level": "INFO", "handlers": []},
    }
proc_name = os.environ.get("GUNICORN_PROC_NAME", "absher")
# gunicorn's control socket (one fixed path per user) is not used, and several app servers may
# share a machine.
control_socket_disable = True
# X-Forwarded-Proto is believed only from these addresses (Django's SECURE_PROXY_SSL_HEADER
# decides what it means).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def child_exit(server, worker):  # type: ignore[no-untyped-def]
    """A worker is gone: Prometheus' multiprocess files stop counting its live values."""
    from absher.core import metrics

    metrics.process_exited(worker.pid)
