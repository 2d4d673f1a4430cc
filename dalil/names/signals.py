"""Keep the name index and the possible duplicates up to date as records arrive from any source."""

from django.db.models.signals import post_save



def _report_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    from dalil.names.duplicates import find_for
    from dalil.names.index import index_report

    record = index_report(instance)
    if record is not None:
        find_for(instance, record)


def _pfif_or_row_saved(sender, instance, raw=False, **kwargs):
    # The report is saved before its PfifRecord / TableReport: index it again so its source is right.
    if not raw and instance.report_id:
        from dalil.names.index import index_report

        index_report(instance.report)


def _victim_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        from dalil.names.index import index_victim

        index_victim(instance)


def connect():
    from dalil.exchange.models import PfifRecord, TableReport, VictimListEntry
    from dalil.identification.models import MissingPersonReport

    post_save.connect(_report_saved, sender=MissingPersonReport, dispatch_uid="names.report_saved")
    post_save.connect(_pfif_or_row_saved, sender=PfifRecord, dispatch_uid="names.pfif_saved")
    post_save.connect(_pfif_or_row_saved, sender=TableReport, dispatch_uid="names.row_saved")
    post_save.connect(_victim_saved, sender=VictimListEntry, dispatch_uid="names.victim_saved")
