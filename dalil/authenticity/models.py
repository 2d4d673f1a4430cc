"""What the authenticity checks found for each photo: the findings, the checks' versions, the flags.

One row per photo, written once by the stage (dalil.authenticity.stage) when
the per-photo checks ran, then its `collection_findings` rewritten by each
collection pass (comparisons with the other photos of the same camera model,
folder and sequence). `flags` is the list of checks that raised a flag, the
two kinds together: empty when none did.
"""

from django.db import models

from dalil.archive.models import Photo


class PhotoCheck(models.Model):
    photo = models.OneToOneField(Photo, on_delete=models.CASCADE, related_name="authenticity")
    findings = models.JSONField(default=list, help_text="Per-photo checks: check, version, result, reasons, evidence.")
    collection_findings = models.JSONField(default=list, blank=True,
                                           help_text="Comparisons with the rest of the collection, same form.")
    flags = models.JSONField(default=list, blank=True, help_text="Names of the checks that raised a flag.")
    versions = models.JSONField(default=dict, help_text="Each check's version when it ran.")
    note = models.TextField(blank=True, help_text="Why the photo could not be checked, if so.")
    ela_sha256 = models.CharField(max_length=64, blank=True,
                                  help_text="The error-level-analysis picture in the derivatives store (staff only).")
    checked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["checked_at"])]

    def __str__(self) -> str:
        return f"authenticity of photo {self.photo_id}: {', '.join(self.flags) or 'clean'}"

    @property
    def all_findings(self) -> list:
        return list(self.findings) + list(self.collection_findings)

    def refresh_flags(self) -> None:
        self.flags = sorted({f["check"] for f in self.all_findings if f["result"] == "flag"})
