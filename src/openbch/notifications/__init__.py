"""Subscriptions and e-mail notifications: a durable outbox, its delivery worker, what people follow,
unsubscribe links, daily digests and Atom feeds.

Posting never sends mail: a service enqueues (:func:`openbch.notifications.outbox.enqueue_email`) in its
own transaction and the worker (``openbch notify work``) delivers later, retrying failures.
"""
