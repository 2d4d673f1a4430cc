from django.apps import AppConfig


class IdentificationConfig(AppConfig):
    name = "dalil.identification"
    verbose_name = "Identification: missing-person reports, claims, matching and review"

    def ready(self):
        from dalil.faces.stage import faces_indexed
        from dalil.identification.faces import refresh_all

        faces_indexed.connect(refresh_all, dispatch_uid="identification.refresh_face_candidates")

        # a merge or split of a body case consults what identification hangs on it (the archive cannot import
        # identification: data flows archive -> identification, so identification tells the archive)
        from dalil.archive.commitments import register
        from dalil.identification.commitments import IdentificationCommitments

        register(IdentificationCommitments())
