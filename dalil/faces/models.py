"""Faces found in archive photos, and which photos were looked at.

A Face is a box in one photo with its 128-number embedding (dlib's model,
float32, 512 bytes) and a small crop kept as a derivative (re-encoded from
pixels: no metadata). A FaceScan says a photo was looked at, even when no face
was found, so the stage is resumable: the photos still to scan are those with
no FaceScan.
"""

import numpy as np
from django.db import models

EMBEDDING_DIMENSIONS = 128


class FaceScan(models.Model):
    photo = models.OneToOneField("archive.Photo", on_delete=models.CASCADE, related_name="face_scan")
    faces = models.PositiveSmallIntegerField(default=0)
    scanned_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=300, blank=True, help_text="Why a photo could not be scanned, if so.")
    backend = models.CharField(max_length=40, blank=True)

    def __str__(self) -> str:
        return f"scan of photo {self.photo_id}: {self.faces} face(s)"


class Face(models.Model):
    class Detector(models.TextChoices):
        HOG = "hog", "HOG"
        HOG_UPSAMPLED = "hog-upsampled", "HOG, image enlarged"
        ROTATED_90 = "rotated-90", "HOG, photo turned 90°"
        ROTATED_180 = "rotated-180", "HOG, photo turned 180°"
        ROTATED_270 = "rotated-270", "HOG, photo turned 270°"
        CNN = "cnn", "CNN (where HOG found no face)"
        FAKE = "fake", "fake (tests only)"

    photo = models.ForeignKey("archive.Photo", on_delete=models.CASCADE, related_name="faces")
    # The box in the photo as decoded for scanning (EXIF-upright, capped size, then turned by `detector`).
    top = models.PositiveIntegerField()
    right = models.PositiveIntegerField()
    bottom = models.PositiveIntegerField()
    left = models.PositiveIntegerField()
    landmarks = models.JSONField(default=dict, blank=True)
    embedding = models.BinaryField(help_text="128 float32, little-endian (512 bytes).")
    crop_sha256 = models.CharField(max_length=64, blank=True, help_text="The face crop in the derivatives store.")
    detector = models.CharField(max_length=20, choices=Detector.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["photo"])]

    def __str__(self) -> str:
        return f"face {self.pk} in photo {self.photo_id}"

    @property
    def box(self) -> tuple[int, int, int, int]:
        return self.top, self.right, self.bottom, self.left

    @property
    def vector(self) -> np.ndarray:
        return vector_from_bytes(bytes(self.embedding))


def vector_to_bytes(vector) -> bytes:
    return np.asarray(vector, dtype="<f4").reshape(EMBEDDING_DIMENSIONS).tobytes()


def vector_from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<f4").astype(np.float32)
