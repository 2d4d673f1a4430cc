"""Staff casework pages: the queue, reports and their candidates, identifications, figures."""

from dalil.casework.views.documents import claim_document
from dalil.casework.views.family import deletion_request, deletion_requests, family_told
from dalil.casework.views.figures import figures
from dalil.casework.views.identifications import case_reports, identification, identification_step
from dalil.casework.views.queue import queue
from dalil.casework.views.reports import (message, propose, reissue_link, report, report_contact, report_photo,
                                          revoke_link)
from dalil.casework.views.reports_list import assign, reports
from dalil.casework.views.retention import renew_contact
from dalil.casework.views.searches import search_request_done
from dalil.casework.views.side_by_side import identification_face

__all__ = ["assign", "case_reports", "claim_document", "figures", "identification", "identification_face", "identification_step", "message",
           "propose", "queue", "reissue_link", "renew_contact", "report", "report_contact", "report_photo", "reports",
           "revoke_link", "search_request_done"]
__all__ += ["deletion_request", "deletion_requests", "family_told"]
