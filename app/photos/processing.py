"""Turning an uploaded file into a photo planmap can publish: or refusing it with the reason.

- The type is read from the content (Pillow's own identification), never from the name or the
  Content-Type a phone claims: a text file named .jpg is refused.
- Width x height is checked from the header *before* any pixel is decoded, so a small file that
  would decode to gigabytes (a decompression bomb) costs nothing; Pillow's own bomb guard is
  turned into an error as a second line.
- The picture is turned upright (phones record rotation in EXIF), scaled to at most
  MAX_EDGE pixels on its long side and re-encoded as a new JPEG built from the pixels alone: no
  EXIF (GPS, device, owner), XMP, ICC profile or comment of the original survives.
"""

import hashlib
import warnings
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
MAX_EDGE = 2560
THUMB_EDGE = 480
QUALITY = 85


class PhotoRefused(ValueError):
    """Why an upload is not a photo planmap stores; the message is shown to the person uploading."""


@dataclass(frozen=True)
class CleanPhoto:
    jpeg: bytes
    thumbnail: bytes
    width: int
    height: int
    sha256: str


def _encode(image: Image.Image) -> bytes:
    out = BytesIO()
    image.save(out, "JPEG", quality=QUALITY, optimize=True)
    return out.getvalue()


def clean_photo(data: bytes, max_pixels: int) -> CleanPhoto:
    """The re-encoded photo and its thumbnail, or PhotoRefused naming the problem."""
    if not data:
        raise PhotoRefused("the file is empty")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(BytesIO(data)) as original:
                if original.format not in ACCEPTED:
                    kinds = ", ".join(ACCEPTED.values())
                    raise PhotoRefused(f"a {original.format} image is not accepted: send {kinds}")
                width, height = original.size
                if width * height > max_pixels:
                    raise PhotoRefused(
                        f"the image is {width} x {height} pixels ({width * height:,}); at most {max_pixels:,} "
                        "are accepted"
                    )
                upright = ImageOps.exif_transpose(original)
                rgb = upright.convert("RGB")
        except UnidentifiedImageError:
            raise PhotoRefused("the file is not a photo planmap can read (JPEG, PNG or WebP)") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoRefused(f"the image has more pixels than accepted (at most {max_pixels:,})") from None
        except (OSError, SyntaxError, ValueError) as exc:
            if isinstance(exc, PhotoRefused):
                raise
            raise PhotoRefused("the image is damaged or truncated and cannot be read") from None
    rgb.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS)
    # A new image from the pixels alone: nothing of the original's metadata comes along.
    clean = Image.frombytes("RGB", rgb.size, rgb.tobytes())
    jpeg = _encode(clean)
    thumb = clean.copy()
    thumb.thumbnail((THUMB_EDGE, THUMB_EDGE), Image.Resampling.LANCZOS)
    return CleanPhoto(jpeg, _encode(thumb), clean.width, clean.height, hashlib.sha256(jpeg).hexdigest())
