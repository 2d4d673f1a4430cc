"""Photos as the archive describes them: what was read from each original.

An Item (evidence) that decodes as an image gets one Photo. Its EXIF/XMP and
camera serial number are private: they can identify the photographer, so they
never reach a public page or a derivative.
"""

from django.db import models

from dalil.evidence.models import Item


class Photo(models.Model):
    item = models.OneToOneField(Item, on_delete=models.PROTECT, related_name="photo")
    format = models.CharField(max_length=20)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    captured_at = models.DateTimeField(null=True, blank=True, help_text="EXIF DateTimeOriginal, camera clock, as UTC.")
    camera_make = models.CharField(max_length=200, blank=True)
    camera_model = models.CharField(max_length=200, blank=True)
    camera_serial = models.CharField(max_length=200, blank=True, help_text="Private: identifies the camera.")
    exif = models.JSONField(default=dict, blank=True, help_text="Private: every EXIF tag read.")
    xmp = models.TextField(blank=True, help_text="Private: the XMP packet, if any.")
    pdq = models.CharField(max_length=64, blank=True, help_text="PDQ perceptual hash, 256 bits as hex.")
    pdq_quality = models.PositiveSmallIntegerField(null=True)
    thumbnail_sha256 = models.CharField(max_length=64, blank=True)
    preview_sha256 = models.CharField(max_length=64, blank=True, help_text="The blurred preview.")
    # The three numbers of the body, as read from paths and sidecars.
    branch = models.CharField(max_length=20, blank=True, db_index=True)
    detainee_no = models.CharField(max_length=40, blank=True, db_index=True)
    exam_no = models.CharField(max_length=40, blank=True, db_index=True)
    photo_date = models.DateField(null=True, blank=True)
    sequence = models.PositiveIntegerField(null=True, blank=True)
    numbers_source = models.JSONField(default=dict, blank=True, help_text="Which source gave each number, and conflicts.")
    near_duplicates_checked = models.BooleanField(default=False)
    case = models.ForeignKey("archive.BodyCase", null=True, blank=True, on_delete=models.SET_NULL, related_name="photos")

    class Meta:
        indexes = [models.Index(fields=["near_duplicates_checked"])]

    def __str__(self) -> str:
        return f"photo {self.item.sha256[:12]}"


class NearDuplicate(models.Model):
    """Two different originals that look alike (PDQ distance small), for a person to review."""

    class Status(models.TextChoices):
        PENDING = "pending", "awaiting review"
        SAME = "same", "same scene"
        DIFFERENT = "different", "different"

    # a is the photo whose original has the smaller SHA-256, so each pair is stored once.
    a = models.ForeignKey(Photo, on_delete=models.PROTECT, related_name="+")
    b = models.ForeignKey(Photo, on_delete=models.PROTECT, related_name="+")
    distance = models.PositiveSmallIntegerField(help_text="Hamming distance between PDQ hashes (of 256 bits).")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    found_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["a", "b"], name="one_near_duplicate_per_pair")]
