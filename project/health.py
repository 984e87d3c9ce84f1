"""`/healthz` for load balancers and monitors: the database answers and, when a broker is
configured, the broker (Redis) does. The answer says "ok" or "unavailable" and nothing else:
no versions, hosts or error text, since anyone may call it."""

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

logger = logging.getLogger(__name__)


def database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any failure is "unavailable"; the log keeps the kind, not the details
        logger.warning("health check: the database did not answer", exc_info=False)
        return False


def broker_answers() -> bool:
    """True when no broker is configured (in-process delivery) or the broker takes a connection."""
    if settings.NOTIFICATIONS_DELIVERY != "celery":
        return True
    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:  # as above: unavailable, without the reason in the answer
        logger.warning("health check: the broker did not answer", exc_info=False)
        return False


@never_cache
@require_GET
def healthz(request):
    healthy = database_answers() and broker_answers()
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable"}, status=200 if healthy else 503
    )
