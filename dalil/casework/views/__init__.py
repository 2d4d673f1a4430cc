"""Staff casework pages: the queue, reports and their candidates, identifications, figures."""

from dalil.casework.views.figures import figures
from dalil.casework.views.identifications import case_reports, identification, identification_step
from dalil.casework.views.queue import queue
from dalil.casework.views.reports import (message, propose, reissue_link, report, report_contact, report_photo,
                                          revoke_link)
from dalil.casework.views.searches import search_request_done

__all__ = ["case_reports", "figures", "identification", "identification_step", "message", "propose", "queue",
           "reissue_link", "report", "report_contact", "report_photo", "revoke_link", "search_request_done"]
