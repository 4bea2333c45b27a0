"""The web pages, under a language prefix (see ``openbch.web_mount``)."""

from django.urls import path

from openbch.web.views import country, home, lmo, record, search

app_name = "web"

urlpatterns = [
    path("", home.home, name="home"),
    path("search/", search.search_page, name="search"),
    path("search/export/", search.export, name="export"),
    path("lmo/<str:text>/", lmo.lmo_page, name="lmo"),
    path("lmo/<str:text>/qr.svg", lmo.lmo_qr, name="lmo_qr"),
    path("records/<str:uid>/", record.record_page, name="record"),
    path("records/<str:uid>/print/", record.record_print, name="record_print"),
    path("records/<str:uid>/history/", record.history_page, name="history"),
    path("records/<str:uid>/diff/", record.diff_page, name="diff"),
    path("countries/", country.countries_page, name="countries"),
    path("countries/<str:code>/", country.country_page, name="country"),
]
