"""The web pages, under a language prefix (see ``openbch.web_mount``)."""

from django.urls import path

from openbch.web.views import country, home, lmo, manage, manage_users, record, screening, search

app_name = "web"

urlpatterns = [
    path("", home.home, name="home"),
    path("search/", search.search_page, name="search"),
    path("search/export/", search.export, name="export"),
    path("screening/", screening.screening_page, name="screening"),
    path("lmo/<str:text>/", lmo.lmo_page, name="lmo"),
    path("lmo/<str:text>/qr.svg", lmo.lmo_qr, name="lmo_qr"),
    path("records/<str:uid>/", record.record_page, name="record"),
    path("records/<str:uid>/print/", record.record_print, name="record_print"),
    path("records/<str:uid>/history/", record.history_page, name="history"),
    path("records/<str:uid>/diff/", record.diff_page, name="diff"),
    path("countries/", country.countries_page, name="countries"),
    path("countries/<str:code>/", country.country_page, name="country"),
    # the management centre (log-in required; never cached)
    path("manage/", manage.dashboard, name="manage"),
    path("manage/new/", manage.choose_type, name="manage_new"),
    path("manage/new/<str:slug>/", manage.new_draft, name="manage_new_type"),
    path("manage/drafts/<str:identifier>/", manage.edit_draft, name="manage_draft"),
    path("manage/drafts/<str:identifier>/submit/", manage.submit_draft, name="manage_submit"),
    path("manage/drafts/<str:identifier>/publish/", manage.publish_draft, name="manage_publish"),
    path("manage/inbox/", manage.inbox, name="manage_inbox"),
    path("manage/requests/<str:identifier>/", manage.request_page, name="manage_request"),
    path("manage/requests/<str:identifier>/approve/", manage.approve_request, name="manage_approve"),
    path("manage/requests/<str:identifier>/reject/", manage.reject_request, name="manage_reject"),
    path("manage/records/<str:identifier>/", manage.manage_record, name="manage_record"),
    path("manage/records/<str:identifier>/amend/", manage.amend_record, name="manage_amend"),
    path("manage/records/<str:identifier>/withdraw/", manage.withdraw_record, name="manage_withdraw"),
    path("manage/pick/", manage.pick_reference, name="manage_pick"),
    path("manage/users/", manage_users.users_page, name="manage_users"),
    path("manage/users/create/", manage_users.create_user, name="manage_user_create"),
    path("manage/users/grant/", manage_users.grant_role, name="manage_user_grant"),
    path("manage/users/revoke/", manage_users.revoke_role, name="manage_user_revoke"),
    path("manage/users/disable/", manage_users.disable_user, name="manage_user_disable"),
]
