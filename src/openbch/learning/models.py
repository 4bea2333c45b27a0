"""What the e-learning keeps per trainee: enrolments, lessons read, quiz attempts, certificates.

The content itself (courses, modules, questions) is data in the package (``catalogue.py``); rows
refer to it by slug, so a module renamed in the content leaves its old rows readable. Write only
through :mod:`openbch.learning.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

__all__ = ["Certificate", "Enrolment", "ExtraAttempt", "LessonProgress", "QuizAttempt"]


class Enrolment(models.Model):
    """A trainee in a course: by themselves (first lesson or quiz) or by a training coordinator."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments")
    course = models.CharField(max_length=100)
    enrolled_at = models.DateTimeField()
    #: the actor's name (``system`` for the CLI), as in the audit log
    enrolled_by = models.CharField(max_length=150)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="learning_one_enrolment")]


class LessonProgress(models.Model):
    """A lesson the trainee marked as read."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lessons_read")
    module = models.CharField(max_length=100)
    lesson = models.CharField(max_length=100)
    completed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "module", "lesson"], name="learning_lesson_once"),
        ]


class QuizAttempt(models.Model):
    """One attempt at a module's quiz.

    ``paper`` is the attempt as drawn: the questions (by id), the order of their choices, and for
    exercises the generated document with the answer the border check gave at drawing time. It is
    made once, from ``seed``, and never sent to the browser as is (see ``quiz.present``), so a reload
    shows the same questions and the answers stay on the server.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts")
    module = models.CharField(max_length=100)
    number = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    paper = models.JSONField()
    started_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True)
    responses = models.JSONField(default=dict)
    #: per question id: the fraction of it answered right
    marks = models.JSONField(default=dict)
    score = models.FloatField(null=True)
    passed = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "module", "number"], name="learning_attempt_number"),
        ]
        indexes = [models.Index(fields=["module", "user"], name="learning_attempt_module_user")]


class ExtraAttempt(models.Model):
    """One more attempt at a module's quiz, allowed by a training coordinator to a trainee who used all."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="extra_attempts")
    module = models.CharField(max_length=100)
    granted_at = models.DateTimeField()
    granted_by = models.CharField(max_length=150)

    class Meta:
        indexes = [models.Index(fields=["user", "module"], name="learning_extra_user_module")]


class Certificate(models.Model):
    """A course completed. ``code`` is public (printed, in the QR code) and cannot be guessed.

    The PDF is drawn again from this row whenever it is downloaded: the row is the certificate,
    the file only shows it.
    """

    code = models.CharField(max_length=32, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates")
    course = models.CharField(max_length=100)
    #: the name as printed, fixed at issue (a later change of the account's name changes nothing)
    name_printed = models.CharField(max_length=200)
    issued_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True)
    revoked_by = models.CharField(max_length=150, blank=True, default="")
    revoked_reason = models.TextField(blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="learning_one_certificate")]
