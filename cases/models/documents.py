"""The documents a case issues (辍学报告单, 辍学生返校通知书, 责令限期复学通知书), their wording and
numbers, and their proof of service (送达回证).

Nothing here is edited after it is written: a correction is a new document that voids the one it
replaces, with the reason; wording is changed by adding a version. Numbers follow GB/T 9704
(`机关代字〔2026〕3号`): one series per issuing body and year, without gaps, assigned in the
issuing transaction (`DocumentCounter`).
"""

import string

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..validators import LINE_MAX_LENGTH, NOTE_MAX_LENGTH, free_text


class DocumentKind(models.TextChoices):
    DROPOUT_REPORT = "dropout_report", _("Dropout report")  # 辍学报告单: school → township, county
    RETURN_NOTICE = "return_notice", _("Notice to return to school")  # 辍学生返校通知书
    ORDER = "order", _("Order to return to school by a date")  # 责令限期复学通知书


# Addressed to the guardian: not a step taken until it is served, with proof.
SERVED_KINDS = (DocumentKind.RETURN_NOTICE, DocumentKind.ORDER)

# What a wording may name; each document fills in its own (workflows.notices.facts).
PLACEHOLDERS = {
    DocumentKind.DROPOUT_REPORT: (
        "学生",
        "学校",
        "班级",
        "离校日期",
        "缺勤天数",
        "原因",
        "去向",
        "家访次数",
    ),
    DocumentKind.RETURN_NOTICE: (
        "监护人",
        "学生",
        "学校",
        "班级",
        "离校日期",
        "缺勤天数",
        "返校日期",
    ),
    DocumentKind.ORDER: ("监护人", "学生", "学校", "离校日期", "劝返次数", "期限天数"),
}


BRACES = _(
    "Write placeholders as {学生}: a name in braces, nothing else inside, and braces only "
    "around placeholders."
)


def placeholders_in(text: str) -> list[str]:
    """The names in {braces} of a wording. A stray brace, a conversion ({学生!r}) or a format
    ({学生:>9}) is refused as the admin types it: filling it in could fail every document."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError:
        raise ValidationError(BRACES) from None
    names = []
    for _text, name, spec, conversion in parts:
        if name is None:
            continue
        if spec or conversion:
            raise ValidationError(BRACES)
        names.append(name)
    return names


class Wording(models.Model):
    """One version of a kind's text, with {placeholders}. Saving a change adds a version; the
    documents issued under the old one keep it."""

    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    version = models.PositiveIntegerField(_("version"), editable=False)
    title = models.CharField(_("title"), max_length=40)
    body = models.TextField(_("body"), max_length=4000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    created_at = models.DateTimeField(_("written at"), editable=False)

    class Meta:
        verbose_name = _("document wording")
        verbose_name_plural = _("document wordings")
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="wording_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"

    def clean(self) -> None:
        allowed = PLACEHOLDERS.get(self.kind, ())
        unknown = [name for name in placeholders_in(self.body) if name not in allowed]
        if unknown:
            raise ValidationError(
                {
                    "body": _("Unknown placeholder {%(name)s}. This kind may use: %(allowed)s.")
                    % {
                        "name": unknown[0],
                        "allowed": "、".join(f"{{{name}}}" for name in allowed),
                    }
                }
            )


class DocumentCounter(models.Model):
    """The last number an issuing body gave in a year."""

    issuer = models.ForeignKey(
        "cases.Unit", verbose_name=_("issuing body"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("document counter")
        verbose_name_plural = _("document counters")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "year"], name="document_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.issuer_id} {self.year}: {self.last}"


class Document(models.Model):
    """One issued document: its number, addressee, signer, the facts and the wording as they
    stood at issue. Its status follows from what came after: served (a `Service`), voided (a
    correction that replaces it)."""

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    issuer = models.ForeignKey(
        "cases.Unit",
        verbose_name=_("issuing body"),
        on_delete=models.PROTECT,
        related_name="issued_documents",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    serial = models.PositiveIntegerField(_("serial number"))
    number = models.CharField(_("document number"), max_length=120)
    guardian = models.ForeignKey(
        "cases.Guardian",
        verbose_name=_("guardian addressed"),
        on_delete=models.PROTECT,
        related_name="documents",
        null=True,
        blank=True,
    )
    addressee = models.CharField(_("addressee"), max_length=100)
    signer = models.CharField(_("signed by"), max_length=100)
    issued_on = models.DateField(_("date of issue"))
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="issued_documents",
    )
    # The order's limit: calendar days from the day after it is served.
    limit_days = models.PositiveSmallIntegerField(_("limit (days)"), null=True, blank=True)
    # The notice's date to bring the child back by.
    return_by = models.DateField(_("back to school by"), null=True, blank=True)
    # The facts the document states, as they were at issue (workflows.notices.facts).
    facts = models.JSONField(_("facts"), default=dict)
    wording = models.ForeignKey(
        Wording, verbose_name=_("wording"), on_delete=models.PROTECT, related_name="documents"
    )
    body = models.TextField(_("text"))
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("corrects and voids"),
        on_delete=models.PROTECT,
        related_name="replaced_by",
        null=True,
        blank=True,
    )
    correction_reason = models.CharField(
        _("reason for the correction"),
        max_length=LINE_MAX_LENGTH,
        blank=True,
        validators=free_text(LINE_MAX_LENGTH),
    )
    # An HMAC of the fields above (cases/chain.py): an edit in the database shows.
    hash = models.CharField(_("hash"), max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["issued_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "year", "serial"], name="document_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    @property
    def is_voided(self) -> bool:
        return hasattr(self, "replaced_by")

    @property
    def is_served(self) -> bool:
        return hasattr(self, "service")

    @property
    def needs_service(self) -> bool:
        return self.kind in SERVED_KINDS


class ServiceMethod(models.TextChoices):
    DIRECT = "direct", _("In person")  # 直接送达
    LEFT = "left", _("Left at the home after a refusal")  # 留置送达: with a witness
    POST = "post", _("By post")  # 邮寄送达: with the tracking number
    ENTRUSTED = "entrusted", _("Through another body")  # 委托送达
    PUBLIC = "public", _("By public announcement")  # 公告送达


def receipt_storage():
    """Private storage: the receipts are served only through a view that checks the case."""
    return storages["receipts"]


class Service(models.Model):
    """Proof of service of one document (送达回证)."""

    document = models.OneToOneField(
        Document, verbose_name=_("document"), on_delete=models.PROTECT, related_name="service"
    )
    method = models.CharField(_("method of service"), max_length=12, choices=ServiceMethod.choices)
    served_on = models.DateField(_("date of service"))
    place = models.CharField(
        _("place"), max_length=LINE_MAX_LENGTH, blank=True, validators=free_text(LINE_MAX_LENGTH)
    )
    served_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("served by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_by = models.CharField(
        _("signed for by"), max_length=50, blank=True, validators=free_text(50)
    )
    # When someone other than the person served signed: their relation to them.
    relation = models.CharField(
        _("relation of who signed"), max_length=24, blank=True, validators=free_text(24)
    )
    refusal = models.CharField(
        _("why the document was refused"),
        max_length=LINE_MAX_LENGTH,
        blank=True,
        validators=free_text(LINE_MAX_LENGTH),
    )
    witness = models.CharField(_("witness"), max_length=50, blank=True, validators=free_text(50))
    tracking_number = models.CharField(
        _("postal tracking number"),
        max_length=40,
        blank=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9]{8,30}$",
                _("A tracking number has 8 to 30 letters and digits, as printed on the slip."),
            )
        ],
    )
    note = models.TextField(
        _("note"), blank=True, max_length=NOTE_MAX_LENGTH, validators=free_text(NOTE_MAX_LENGTH)
    )
    receipt = models.FileField(
        _("photo of the signed receipt"),
        storage=receipt_storage,
        upload_to="receipts/%Y/%m/",
        max_length=200,
        blank=True,
    )
    # For an order: the last day of its limit, counted from the day after service.
    ends_on = models.DateField(_("limit ends on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"))
    hash = models.CharField(_("hash"), max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("proof of service")
        verbose_name_plural = _("proofs of service")
        ordering = ["served_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.served_on:%Y-%m-%d}"

    def clean(self) -> None:
        """What each method must show (送达回证, FORMATS.md)."""
        required = {
            ServiceMethod.DIRECT: ("received_by",),
            ServiceMethod.LEFT: ("refusal", "witness"),
            ServiceMethod.POST: ("tracking_number",),
            ServiceMethod.ENTRUSTED: ("received_by",),
            ServiceMethod.PUBLIC: ("place",),
        }.get(self.method, ())
        missing = {
            name: _("Required when the document is served %(method)s.")
            % {"method": self.get_method_display()}
            for name in required
            if not str(getattr(self, name)).strip()
        }
        if missing:
            raise ValidationError(missing)
