"""Family-facing views, split by what the family is doing."""

from dalil.portal.views.cases import case, face, image, reveal, search, warning
from dalil.portal.views.claims import claim
from dalil.portal.views.faces import faces
from dalil.portal.views.followup import delete, followup, forget, home, open_link, reply, withdraw
from dalil.portal.views.reports import ask, report, report_sent

__all__ = ["ask", "case", "claim", "delete", "face", "faces", "followup", "forget", "home", "image", "open_link",
           "reply", "report", "report_sent", "reveal", "search", "warning", "withdraw"]
