"""Sign-in throttling behind reverse proxies (django-axes).

The client's address: behind N trusted proxies, each proxy appends the address it received the
request from to X-Forwarded-For, so the client is the N-th entry from the right; anything to the
left of it was written by the client and is ignored (the same rule as Werkzeug's ProxyFix).
The header counts only on a request that came from a proxy (REMOTE_ADDR within
TRUSTED_PROXY_NETWORKS): a client that reaches the server directly cannot name another address.
With no proxy (N = 0), REMOTE_ADDR is the client.

The limits: five failures for one username from one address lock that pair (axes); and any
address with AXES_ADDRESS_FAILURE_LIMIT failures over all usernames within the cool-off is
locked too, so that spraying one password over many usernames is throttled. The second limit
is higher: a school's staff share one address behind its router.
"""

import ipaddress

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone


def _address(value: str) -> str | None:
    value = value.strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def from_trusted_proxy(remote: str | None) -> bool:
    if remote is None:
        return False
    address = ipaddress.ip_address(remote)
    return any(
        address in ipaddress.ip_network(network, strict=False)
        for network in settings.TRUSTED_PROXY_NETWORKS
    )


def client_address(request) -> str | None:
    """The AXES_CLIENT_IP_CALLABLE: the client's address as the trusted proxies saw it."""
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0 or not from_trusted_proxy(remote):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    chain = [entry for entry in forwarded.split(",") if entry.strip()]
    if len(chain) < proxies:  # not through the configured proxies: trust no header
        return remote
    return _address(chain[-proxies]) or remote


def address_failures(ip_address: str | None) -> int:
    """Failed sign-ins from one address, over every username, within the cool-off."""
    if not ip_address:
        return 0
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    attempts = AccessAttempt.objects.filter(ip_address=ip_address, attempt_time__gte=since)
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class ThrottlingHandler(AxesDatabaseHandler):
    """Axes' database handler, plus the limit per address over all usernames."""

    def is_locked(self, request, credentials=None) -> bool:
        """Refuse to even check the password (axes' backend asks this first)."""
        return super().is_locked(request, credentials) or self._address_locked(request)

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        """Record the failure; answer with the lockout page when the address is locked too."""
        super().user_login_failed(sender, credentials, request, **kwargs)
        already = request is None or getattr(request, "axes_locked_out", False)
        if not already and self._address_locked(request):
            request.axes_locked_out = True
            request.axes_credentials = credentials

    @staticmethod
    def _address_locked(request) -> bool:
        address = getattr(request, "axes_ip_address", None) or client_address(request)
        return address_failures(address) >= settings.AXES_ADDRESS_FAILURE_LIMIT
