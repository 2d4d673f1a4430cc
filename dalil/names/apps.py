from django.apps import AppConfig


class NamesConfig(AppConfig):
    name = "dalil.names"
    label = "names"
    verbose_name = "Names across scripts and sources: name search and possible duplicates"

    def ready(self):
        # Lower apps (identification, exchange) never import names: names listens to their saves.
        from dalil.names import signals

        signals.connect()
        # The body's name on a victim list as one more likelihood ratio in the candidate ranking. The ranking
        # prefetches each scored case's victim-list entries, so this adds one query per ranking, not per case.
        from dalil.identification import matching
        from dalil.names import evidence

        if evidence.finding not in matching.EXTRA_FINDINGS:
            matching.EXTRA_FINDINGS.append(evidence.finding)
        # Caseworkers' "same person" links travel in PFIF exports as notes with linked_person_record_id.
        from dalil.exchange.pfif import exporter
        from dalil.names import pfif

        if pfif.link_notes not in exporter.NOTE_SOURCES:
            exporter.NOTE_SOURCES.append(pfif.link_notes)
