"""The project's URLs plus the web pages, until ``openbch/urls.py`` adds them itself (then: the same)."""

from django.urls import URLResolver
from django.urls.resolvers import LocalePrefixPattern

from openbch.urls import urlpatterns as project_urlpatterns
from openbch.web_mount import urlpatterns as web_urlpatterns

_mounted = any(isinstance(p, URLResolver) and isinstance(p.pattern, LocalePrefixPattern) for p in project_urlpatterns)
urlpatterns = list(project_urlpatterns) if _mounted else [*project_urlpatterns, *web_urlpatterns]

handler404 = "openbch.web.views.errors.not_found"
handler500 = "openbch.web.views.errors.server_error"
