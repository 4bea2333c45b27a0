"""Public participation: forums (discussion groups), time-boxed online debates, moderation.

Posts are Markdown, rendered by markdown-it-py with raw HTML off and then cleaned by nh3 against an
allow-list (``markdown.py``); record UIDs and OECD unique identifiers in a post become links to the
records, resolved when the post is saved. Every change goes through ``services.py`` (permission,
validation, one transaction, an audit entry for moderation); edits keep every revision.
"""
