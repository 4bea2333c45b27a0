"""What public participation keeps: forums, debates, their threads and posts, and every post's history.

A debate is a forum-like container with a question, a time box and a synthesis; its discussion is
one :class:`Thread` (``Thread.debate``), so posting, replies, moderation and rendering are the same
code for both. A post's text lives in :class:`PostRevision` rows, append-only (database triggers,
as for records): an edit adds a revision; the post row keeps the current revision's rendered HTML
so that a thread page of a thousand posts is one query. Write only through
:mod:`openbch.participation.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

__all__ = [
    "Attachment",
    "CommentPeriod",
    "Debate",
    "Forum",
    "Moderator",
    "ParticipationEvent",
    "Post",
    "PostReport",
    "PostRevision",
    "PostStatus",
    "PostingBan",
    "Thread",
]


class Forum(models.Model):
    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=300)
    #: Markdown, rendered (and sanitised) into ``description_html`` when saved
    description = models.TextField(blank=True, default="")
    description_html = models.TextField(blank=True, default="")
    #: seeded by ``openbch demo``: shown as demonstration content
    demo = models.BooleanField(default=False)
    created_at = models.DateTimeField()


class Debate(models.Model):
    """A time-boxed online debate: posting only between ``opens_at`` and ``closes_at``."""

    slug = models.SlugField(max_length=100, unique=True)
    question = models.CharField(max_length=300)
    description = models.TextField(blank=True, default="")
    description_html = models.TextField(blank=True, default="")
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    #: whether each post takes a position (for / against / other)
    positions = models.BooleanField(default=False)
    synthesis = models.TextField(blank=True, default="")
    synthesis_html = models.TextField(blank=True, default="")
    synthesis_by = models.CharField(max_length=150, blank=True, default="")
    synthesis_at = models.DateTimeField(null=True, blank=True)
    demo = models.BooleanField(default=False)
    created_at = models.DateTimeField()


class CommentPeriod(models.Model):
    """Public comment on a pending decision (Cartagena Protocol Article 23): a country's publishing
    authority opens it on a record (a draft or a notified application) for a time; the public
    comments; after it closes the authority publishes a summary of the comments and how they were
    considered. Moderated by the country's publishing authorities."""

    record = models.ForeignKey("records.Record", on_delete=models.PROTECT, related_name="comment_periods")
    #: the record's owner: whose publishing authorities run and moderate it
    country = models.CharField(max_length=4)
    title = models.CharField(max_length=300)
    summary = models.TextField()
    summary_html = models.TextField()
    #: ``[{"title": ..., "url": ...}]``: the documents put up for comment
    documents = models.JSONField(default=list)
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    #: whether a commenter may choose to be shown as anonymous (moderators still know who wrote)
    anonymous_allowed = models.BooleanField(default=True)
    outcome = models.TextField(blank=True, default="")
    outcome_html = models.TextField(blank=True, default="")
    outcome_by = models.CharField(max_length=150, blank=True, default="")
    outcome_at = models.DateTimeField(null=True, blank=True)
    opened_by = models.CharField(max_length=150)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["country", "closes_at"], name="participation_period_country")]


class Moderator(models.Model):
    """An account appointed to moderate one forum or one debate (it must hold the forum-moderator role)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderating")
    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, null=True, blank=True, related_name="moderators")
    debate = models.ForeignKey(Debate, on_delete=models.CASCADE, null=True, blank=True, related_name="moderators")
    appointed_by = models.CharField(max_length=150)
    appointed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(forum__isnull=False, debate__isnull=True)
                | models.Q(forum__isnull=True, debate__isnull=False),
                name="participation_moderator_one_place",
            ),
            models.UniqueConstraint(fields=["user", "forum"], name="participation_one_forum_moderator"),
            models.UniqueConstraint(fields=["user", "debate"], name="participation_one_debate_moderator"),
        ]


class Thread(models.Model):
    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, null=True, blank=True, related_name="threads")
    debate = models.OneToOneField(Debate, on_delete=models.CASCADE, null=True, blank=True, related_name="thread")
    comment_period = models.OneToOneField(
        CommentPeriod, on_delete=models.CASCADE, null=True, blank=True, related_name="thread"
    )
    title = models.CharField(max_length=300)
    #: the language the title is written in (BCP 47)
    language = models.CharField(max_length=20, default="en")
    #: who started it (None for a debate's thread, which the debate itself opens)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="threads"
    )
    created_at = models.DateTimeField()
    #: the latest published post, for ordering a forum's threads
    last_post_at = models.DateTimeField()
    #: published posts (pending and rejected ones are not counted)
    post_count = models.PositiveIntegerField(default=0)
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.CharField(max_length=150, blank=True, default="")
    locked_reason = models.TextField(blank=True, default="")
    #: grows with every change of the thread or its posts: the key of its rendered page in the cache
    version = models.PositiveIntegerField(default=0)
    demo = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(forum__isnull=False, debate__isnull=True, comment_period__isnull=True)
                | models.Q(forum__isnull=True, debate__isnull=False, comment_period__isnull=True)
                | models.Q(forum__isnull=True, debate__isnull=True, comment_period__isnull=False),
                name="participation_thread_one_place",
            ),
        ]
        indexes = [models.Index(fields=["forum", "last_post_at"], name="participation_thread_recent")]


class PostStatus(models.TextChoices):
    #: waiting in the moderation queue (a new account's first posts)
    PENDING = "pending"
    PUBLISHED = "published"
    #: refused from the queue; kept (with the reason) for the audit, never shown
    REJECTED = "rejected"


class Post(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts")
    #: the author's name as shown, fixed when posting (the account's full name, else its user name)
    display_name = models.CharField(max_length=300)
    status = models.CharField(max_length=12, choices=PostStatus.choices)
    #: shown to readers as anonymous (comment periods that allow it); moderators see ``display_name``
    anonymous = models.BooleanField(default=False)
    #: in a debate with positions: ``for``, ``against`` or ``other``; else ""
    position = models.CharField(max_length=8, blank=True, default="")
    created_at = models.DateTimeField()
    #: the current revision, copied from the latest PostRevision (read with the post in one query)
    revision = models.PositiveIntegerField(default=1)
    language = models.CharField(max_length=20, default="en")
    html = models.TextField()
    edited_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.CharField(max_length=150, blank=True, default="")
    moderated_at = models.DateTimeField(null=True, blank=True)
    #: why a moderator rejected it from the queue
    rejected_reason = models.TextField(blank=True, default="")
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.CharField(max_length=150, blank=True, default="")
    hidden_reason = models.TextField(blank=True, default="")
    demo = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["thread", "created_at"], name="participation_post_thread"),
            models.Index(fields=["author", "status"], name="participation_post_author"),
            models.Index(fields=["status", "created_at"], name="participation_post_queue"),
        ]


class PostRevision(models.Model):
    """One version of a post's text, as written and as rendered; never changed or removed."""

    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    body = models.TextField()
    language = models.CharField(max_length=20)
    html = models.TextField()
    written_by = models.CharField(max_length=150)
    written_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "number"], name="participation_revision_number")]


class PostReport(models.Model):
    """A reader's report of a post to its moderators (abuse, spam, off topic), until one resolves it."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="post_reports")
    reason = models.TextField()
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=150, blank=True, default="")
    #: ``hidden`` (the post was hidden) or ``dismissed`` (kept, with the moderator's reason)
    resolution = models.CharField(max_length=12, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "reporter"], name="participation_one_report_each")]
        indexes = [models.Index(fields=["resolved_at", "created_at"], name="participation_report_open")]


class Attachment(models.Model):
    """A file attached to a post. The bytes live in the data folder under their SHA-256
    (:mod:`openbch.participation.attachments`), so the same file attached twice is stored once
    and no name a user gave ever becomes a path."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="attachments")
    #: the name as uploaded, made safe for display and for Content-Disposition
    filename = models.CharField(max_length=200)
    #: found from the file's first bytes (never the name or the browser's word for it)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["post"], name="participation_attachment_post")]


class PostingBan(models.Model):
    """An account may not post: everywhere (``forum`` empty: a participation administrator's ban)
    or in one forum (its moderators' ban), until ``until`` or until lifted. Kept after lifting."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posting_bans")
    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, null=True, blank=True, related_name="bans")
    reason = models.TextField()
    until = models.DateTimeField(null=True, blank=True)
    banned_by = models.CharField(max_length=150)
    banned_at = models.DateTimeField()
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["user", "lifted_at"], name="participation_ban_user")]


class ParticipationEvent(models.Model):
    """Append-only log of what participation made public (a post published, a debate opened …),
    written in the change's transaction under the write lock (so ``seq`` becomes visible in order),
    for consumers such as notifications and the public change feed. See :mod:`openbch.participation.events`."""

    seq = models.BigAutoField(primary_key=True)
    at = models.DateTimeField()
    #: ``thread.started``, ``post.published``, ``debate.opened``, ``debate.closed``, ``debate.synthesis``,
    #: ``comment_period.opened``, ``comment_period.outcome``
    kind = models.CharField(max_length=40)
    forum_id = models.BigIntegerField(null=True, blank=True)
    thread_id = models.BigIntegerField(null=True, blank=True)
    debate_id = models.BigIntegerField(null=True, blank=True)
    comment_period_id = models.BigIntegerField(null=True, blank=True)
    post_id = models.BigIntegerField(null=True, blank=True)
    #: the country of a comment period (its record's owner), else ""
    country = models.CharField(max_length=4, blank=True, default="")
    #: the account that caused it (its author, for a post), so it is not notified of its own post
    actor_id = models.BigIntegerField(null=True, blank=True)
