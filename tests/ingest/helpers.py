"""Small builders of test input: JPEGs with EXIF, broken files, zips."""

import io
from pathlib import Path

from PIL import Image, ImageDraw

from dalil.ingest.pipeline import Options, ingest


def jpeg_bytes(seed: int = 0, size=(320, 240), serial: str = "SN-4711", make="NIKON CORPORATION") -> bytes:
    """A distinct little scene, with camera EXIF including a body serial number."""
    import random

    rng = random.Random(seed)
    image = Image.new("RGB", size, tuple(rng.randrange(60, 200) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        r = rng.randrange(10, 80)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256) for _ in range(3)))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = make, "NIKON D90"
    exif.get_ifd(0x8769).update({0x9003: "2012:07:14 10:20:30", 0xA431: serial})
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def run(source, collection="test", **options):
    options.setdefault("workers", 1)
    options.setdefault("actor", "tester")
    return ingest(source, Options(collection=collection, **options))
