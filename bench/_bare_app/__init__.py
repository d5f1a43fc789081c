"""The peer of ``bench/hotline_intake.py``: a bare Django project with one JSON view.

It parses the same request body, checks that the required fields are present and answers
201 with a small JSON document. It writes nothing (no database is configured): the lower
bound of what any Django intake endpoint costs behind the same server.
"""
