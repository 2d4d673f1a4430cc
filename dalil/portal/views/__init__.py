"""Family-facing views, split by what the family is doing."""

from dalil.portal.views.cases import case, face, image, reveal, search, warning
from dalil.portal.views.claims import claim
from dalil.portal.views.faces import faces
from dalil.portal.views.followup import followup, forget, home
from dalil.portal.views.reports import ask, report

__all__ = ["ask", "case", "claim", "face", "faces", "followup", "forget", "home", "image", "report", "reveal",
           "search", "warning"]
