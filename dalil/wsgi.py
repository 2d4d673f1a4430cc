"""The WSGI application (`dalil serve` runs it with waitress; any WSGI server can)."""

import os

from django.core.wsgi import get_wsgi_application

from dalil.lib.security import private_umask

private_umask()  # before settings are read: files the server makes (database, log, store) are its user's only
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dalil.settings")
application = get_wsgi_application()
