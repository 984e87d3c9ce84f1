"""Who calls the API: a system with a token (`Authorization: Token kc_…`), or a signed-in
person's page script (the session, with its CSRF token). A read-only token may not write; each
token (or person) has its own rate limit."""

import hmac
import ipaddress
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.throttling import SimpleRateThrottle

from cases import clock
from cases.models import ApiToken, TokenScope
from cases.models.tokens import digest_of
from project.throttle import client_address

INVALID = _("The token is not valid, or it was revoked.")
READ_ONLY = _("This token may only read.")
TOO_MANY_BAD_TOKENS = _("Too many invalid tokens from this address: wait, then try again.")
LAST_USED_EVERY = 60  # seconds: how often a token's last use is written down
WORKED_REMEMBERED = 24 * 3600  # seconds: how long a key accepted from an address is known there


class TokenAuthentication(BaseAuthentication):
    keyword = b"token"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword:
            return None
        address = client_address(request._request)
        key = header[1].decode(errors="replace") if len(header) == 2 else ""
        wait = bad_tokens_wait(address)
        if wait and not _worked_from(address, key):
            raise exceptions.Throttled(wait=wait, detail=str(TOO_MANY_BAD_TOKENS))
        try:
            found = self._check(header)
        except exceptions.AuthenticationFailed:
            bad_token_seen(address)
            raise
        _works_from(address, key)
        return found

    def _check(self, header):
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(INVALID)
        key = header[1].decode(errors="replace")
        parts = key.split("_", 2)
        if len(parts) != 3 or parts[0] != "kc":
            raise exceptions.AuthenticationFailed(INVALID)
        token = ApiToken.objects.select_related("user").filter(prefix=parts[1]).first()
        valid = (
            token is not None
            and token.revoked_at is None
            and token.user.is_active
            and hmac.compare_digest(token.digest, digest_of(key))
        )
        if not valid:
            raise exceptions.AuthenticationFailed(INVALID)
        now = clock.now()
        if (
            token.last_used_at is None
            or (now - token.last_used_at).total_seconds() > LAST_USED_EVERY
        ):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return "Token"  # a missing or bad token answers 401, not 403


def _sender(address: str | None) -> str:
    """Who is counted: an IPv4 address, or an IPv6 address's /64 network (one client is
    given a whole /64 and could take a fresh address for every guess)."""
    if address and ":" in address:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return address or "-"


def _bad_tokens_key(address: str | None) -> str:
    return f"api-bad-tokens:{_sender(address)}"


def bad_tokens_wait(address: str | None) -> int:
    """Seconds an address must wait after too many bad tokens (0: it may try). Counted before
    any token is looked up, so guessing costs the guesser, not the database."""
    key = _bad_tokens_key(address)
    found = cache.get_many([key, f"{key}:since"])
    if found.get(key, 0) < settings.API_BAD_TOKEN_LIMIT:
        return 0
    since = found.get(f"{key}:since", time.time())
    return max(1, int(since + settings.API_BAD_TOKEN_WINDOW - time.time()))


def bad_token_seen(address: str | None) -> None:
    """One more bad token from `address`, in a window that starts at its first failure. Added
    and incremented in the cache itself (atomic in Redis), never read and written back: bad
    tokens sent at the same moment are each counted."""
    key, window = _bad_tokens_key(address), settings.API_BAD_TOKEN_WINDOW
    if cache.add(key, 0, timeout=window):  # the first failure opens the window
        cache.set(f"{key}:since", time.time(), timeout=window)
    try:
        cache.incr(key)
    except ValueError:  # the window closed between the two calls: a new one
        cache.add(key, 1, timeout=window)


def _worked_key(address: str | None, key: str) -> str:
    # a keyed digest of the key, never the key (nor the digest stored in the database)
    return f"api-worked:{_sender(address)}:{salted_hmac('api-worked', key).hexdigest()}"


def _worked_from(address: str | None, key: str) -> bool:
    """Whether `key` was accepted from this address lately. Such a key is still checked while
    the address waits: behind one router a school's or a county's systems share an address,
    and one of them sending a revoked key must not shut the others out. A guesser holds no
    such key, so guessing stays as costly as before."""
    return bool(key) and cache.get(_worked_key(address, key)) is not None


def _works_from(address: str | None, key: str) -> None:
    cache.set(_worked_key(address, key), True, timeout=WORKED_REMEMBERED)  # kept while in use


class ScopeAllows(BasePermission):
    """Signed in, and a read-only token only reads."""

    message = READ_ONLY

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            raise exceptions.NotAuthenticated()
        token = request.auth if isinstance(request.auth, ApiToken) else None
        reading = request.method in SAFE_METHODS or getattr(view, "reads_only", False)
        return not (token and token.scope == TokenScope.READ and not reading)


class PerTokenThrottle(SimpleRateThrottle):
    scope = "token"

    def get_rate(self):
        # read when asked (the class attribute is read once at import): a changed setting holds
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].get(self.scope)

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.prefix}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class TokenScheme(OpenApiAuthenticationExtension):
    """The token as the schema describes it."""

    target_class = TokenAuthentication
    name = "token"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Token kc_…: a service account's token, shown once when made.",
        }
