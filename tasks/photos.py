"""Photos a mother hands in with her work: checked by content, re-encoded, kept privately.

A photo taken at home must never carry her location to the company, so nothing of the
upload is kept but its pixels: the image is decoded (only real JPEG, PNG or WebP, whatever
the file is called), turned upright from its EXIF orientation, scaled down and written
again as a plain JPEG with no EXIF, GPS, XMP, ICC or comment. The stored files live outside
MEDIA_ROOT and are served only by ``frontend.mother_photos.submission_photo``, which checks
who is asking.
"""

import io
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils import timezone
from PIL import Image

from tasks.errors import InvalidPhoto, PhotoTooLarge, PhotoTooManyPixels, TooManyPhotos

MAX_PHOTOS = 3
MAX_PHOTO_BYTES = 10 * 1024 * 1024
# A 50-megapixel phone camera is the largest honest photo; more pixels than that in a small
# file is a decompression bomb (a few KB that would take gigabytes to decode).
MAX_PHOTO_PIXELS = 50_000_000
# The phone already scales to ~1600 px before upload; a photo sent without JavaScript is
# scaled here, so a supervisor's screen never gets more than this on its longest side.
STORED_MAX_SIDE = 2048
JPEG_QUALITY = 85
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")


def private_root() -> Path:
    """Where the photos are kept: never under MEDIA_ROOT or STATIC_ROOT."""
    configured = getattr(settings, "HOMESLOT_PRIVATE_ROOT", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / "private"


class PrivatePhotoStorage(FileSystemStorage):
    """A file store with no public URL; its root is read from the settings at each use
    (so a test can point it at a temporary folder)."""

    @property
    def base_location(self):
        return str(private_root())

    @property
    def location(self):
        return str(private_root().resolve())

    @property
    def base_url(self):
        return None


def photo_storage() -> PrivatePhotoStorage:
    return PrivatePhotoStorage()


@dataclass(frozen=True)
class PreparedPhoto:
    """A photo after checking and re-encoding, not yet stored."""

    content: bytes
    width: int
    height: int


def photo_prepare(upload) -> PreparedPhoto:
    """Check one uploaded file and re-encode it; raises a domain error, writes nothing."""
    size = getattr(upload, "size", None)
    if size is None or size > MAX_PHOTO_BYTES:
        raise PhotoTooLarge(details={"max_bytes": MAX_PHOTO_BYTES, "name": _name(upload)})
    if size == 0:
        raise InvalidPhoto(details={"name": _name(upload)})
    upload.seek(0)
    raw = upload.read(MAX_PHOTO_BYTES + 1)
    if len(raw) > MAX_PHOTO_BYTES:
        raise PhotoTooLarge(details={"max_bytes": MAX_PHOTO_BYTES, "name": _name(upload)})
    try:
        with warnings.catch_warnings():
            # Pillow warns (then raises) past its own pixel limit; treat its warning as the refusal too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw), formats=ACCEPTED_FORMATS)
            if image.width * image.height > MAX_PHOTO_PIXELS:
                raise PhotoTooManyPixels(details={"name": _name(upload), "pixels": image.width * image.height})
            image.load()
            upright = _upright(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoTooManyPixels(details={"name": _name(upload)}) from None
    except (OSError, SyntaxError, ValueError, EOFError, Image.UnidentifiedImageError):
        raise InvalidPhoto(details={"name": _name(upload)}) from None
    return _reencode(upright)


# EXIF orientation → the turn that makes the picture upright (as ImageOps.exif_transpose does).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _upright(image: Image.Image) -> Image.Image:
    """Turned by its EXIF orientation. Only the orientation is read: ``ImageOps.exif_transpose``
    also writes the rest of the EXIF back, and a corrupt tag anywhere in it (a GPS entry of an
    unknown type) made it raise TypeError or struct.error. The EXIF is thrown away in any case,
    so unreadable EXIF leaves the pixels as decoded."""
    try:
        orientation = image.getexif().get(0x0112)
        turn = _UPRIGHT.get(orientation)
    except Exception:  # Pillow's EXIF parser raises many kinds of error on a corrupt block
        turn = None
    return image.transpose(turn) if turn is not None else image


def _reencode(image: Image.Image) -> PreparedPhoto:
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
    else:
        flat = image.convert("RGB")
    flat.thumbnail((STORED_MAX_SIDE, STORED_MAX_SIDE), Image.Resampling.LANCZOS)
    # A fresh image holds only pixels: no info dict for an encoder to copy EXIF/XMP/ICC from.
    clean = Image.new("RGB", flat.size)
    clean.paste(flat)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return PreparedPhoto(content=out.getvalue(), width=clean.width, height=clean.height)


def photos_prepare(uploads) -> list[PreparedPhoto]:
    """All the photos of one submission, checked before anything is written."""
    uploads = [u for u in (uploads or []) if u is not None]
    if len(uploads) > MAX_PHOTOS:
        raise TooManyPhotos(details={"max": MAX_PHOTOS, "given": len(uploads)})
    return [photo_prepare(upload) for upload in uploads]


def stored_name() -> str:
    today = timezone.localdate()
    return f"submissions/{today:%Y/%m}/{uuid.uuid4().hex}.jpg"


def _name(upload) -> str:
    return str(getattr(upload, "name", "") or "")[:100]
