"""Accounts: users (Django auth, Argon2id), roles per country, API tokens, and the request's Actor.

Services elsewhere never see users, sessions or tokens: they see an :class:`openbch.core.actors.Actor`
built here for each request (:func:`openbch.accounts.actors.actor_for_request`).
"""
