"""WSGI entry point (gunicorn ``openbch.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openbch.settings")
application = get_wsgi_application()
