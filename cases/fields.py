"""Model fields that keep sensitive numbers encrypted in the database."""

from django.db import models

from . import crypto


class EncryptedCharField(models.TextField):
    """Plain text in Python, a Fernet token in the database (and in history tables and dumps).

    Lookups other than isnull do not work on it: look rows up through a `DigestField`.
    """

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return crypto.encrypt(value)


class DigestField(models.CharField):
    """The keyed digest of another field of the same row, recomputed on every save, bulk
    inserts included (Django calls pre_save for those too)."""

    def __init__(self, *args, source: str, **kwargs) -> None:
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        plaintext = getattr(model_instance, self.source)
        value = crypto.digest(plaintext) if plaintext else ""
        setattr(model_instance, self.attname, value)
        return value
