"""The management centre's building blocks: the definition-driven form builder and shared view helpers.

The views themselves are in :mod:`openbch.web.views.manage` and :mod:`openbch.web.views.manage_users`.
"""
