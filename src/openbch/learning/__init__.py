"""E-learning for customs officers and national focal points: courses, quizzes, certificates.

The content is data in this package (``catalogue.py``: Markdown lessons and question banks per
module); what each trainee did is kept in the database (``models.py``) and changed only through
``services.py``. Quizzes are drawn and scored on the server (``quiz.py``); exercises on real data
ask for the border check's verdict on a generated shipping document (``exercises.py``); a course
passed gives a certificate (``certificates.py``) anyone can verify at ``/<lang>/verify/<code>/``.
Any module exports as a SCORM 1.2 package or an offline HTML bundle (``export.py``).
"""
