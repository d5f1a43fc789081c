"""The peers of ``bench/hotline_intake.py``: a bare Django project with one JSON view.

It parses the same request body, checks that the required fields are present and answers
201 with a small JSON document. Two modes (``BARE_PEER``): ``echo`` writes nothing (no
database configured) — the lower bound of what any Django endpoint costs behind the same
server; ``store`` also inserts the request as one row with the ORM — the lower bound of an
intake that keeps what it accepted.
"""
