"""Encryption at rest for identity, registry and phone numbers, and keyed digests for lookup.

Keys come from settings (the environment in production):
- FIELD_ENCRYPTION_KEYS: Fernet keys, newest first. Encryption uses the first; decryption tries
  each, so a new key can be put in front and `rotate_field_keys` re-encrypts the rows at leisure.
- FIELD_DIGEST_KEY: the HMAC key of the digests that make exact lookup and uniqueness possible
  without storing the number. Changing it means recomputing every digest (the same command).
"""

import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@functools.cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must hold at least one Fernet key.")
    return MultiFernet([Fernet(key) for key in keys])


def _keys() -> tuple[str, ...]:
    return tuple(settings.FIELD_ENCRYPTION_KEYS)


def encrypt(plaintext: str) -> str:
    return _fernet(_keys()).encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(_keys()).decrypt(token.encode()).decode()
    except InvalidToken:
        # Never echo the token or guess: a value we cannot read is a configuration error.
        raise ImproperlyConfigured(
            "An encrypted field could not be decrypted with any key in FIELD_ENCRYPTION_KEYS."
        ) from None


def rotate(token: str) -> str:
    """The same plaintext under the newest key."""
    return _fernet(_keys()).rotate(token.encode()).decode()


def digest(plaintext: str) -> str:
    """A keyed SHA-256 of a normalised number: equal numbers, equal digests; no way back."""
    key = settings.FIELD_DIGEST_KEY.encode()
    return hmac.new(key, plaintext.encode(), hashlib.sha256).hexdigest()
