"""Static file finders that answer "not found" to a path leaving the static folders.

`dalil serve` answers /static/ with Django's StaticFilesHandler, which asks the
finders for the file and turns "not found" into a 404, but lets Django's
SuspiciousFileOperation (raised for /static/%2e%2e/… and other paths climbing out
of a static folder) escape as a 500 with a traceback in the log. Refusing here,
in the finders, gives a plain 404 under any handler that serves static files
(waitress through `dalil serve`, runserver, a security-headers wrapper), and tells
a prober nothing about the folders around.
"""

from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation


class _Contained:
    def find(self, path, find_all=False, **kwargs):
        try:
            return super().find(path, find_all=find_all, **kwargs)
        except (SuspiciousFileOperation, ValueError):  # ValueError: a NUL byte, on some platforms
            return []  # what Django's finders return for a file they do not have


class FileSystemFinder(_Contained, finders.FileSystemFinder):
    pass


class AppDirectoriesFinder(_Contained, finders.AppDirectoriesFinder):
    pass
