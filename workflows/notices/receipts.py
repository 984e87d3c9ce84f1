"""Photos of signed receipts: checked to be a picture, turned upright, shrunk to a readable size
and saved again without their metadata (a phone's photo carries where it was taken: the
family's home)."""

import io
import uuid

from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import GuardFailed

MAX_BYTES = 15 * 1024 * 1024
MAX_SIDE = 2400  # pixels: a receipt stays legible, the file small
MAX_PIXELS = 50_000_000  # a phone's photo has at most about 50 million; a small file may claim more
NOT_A_PHOTO = _("The receipt must be a photo (JPEG or PNG).")
TOO_LARGE = _(
    "The photo is larger than 15 MB or 50 million pixels; take it again at a lower resolution."
)


def cleaned(upload) -> ContentFile:
    """The upload as a JPEG without metadata, under a random name."""
    if upload.size > MAX_BYTES:
        raise GuardFailed(TOO_LARGE)
    try:
        with Image.open(upload) as image:
            if image.format not in ("JPEG", "PNG"):
                raise GuardFailed(NOT_A_PHOTO)
            if image.width * image.height > MAX_PIXELS:
                raise GuardFailed(TOO_LARGE)
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # a JPEG is decoded at a reduced size
            image = ImageOps.exif_transpose(image).convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=85)  # no exif= given: none is written
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise GuardFailed(NOT_A_PHOTO) from None
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")
