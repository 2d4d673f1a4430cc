"""Body cases for staff: browse and filter (archivists, analysts, caseworkers, reviewers);
correct, describe, code, split, merge and undo (analysts and admins). See access.py."""

from dalil.archive.views.cases.actions import case_code, case_merge, case_split, case_undo, case_update
from dalil.archive.views.cases.pages import case, cases

__all__ = ["case", "case_code", "case_merge", "case_split", "case_undo", "case_update", "cases"]
