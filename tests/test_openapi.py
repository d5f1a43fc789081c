"""The OpenAPI document is a contract: it must equal the committed snapshot.

After an intended API change, regenerate with ``UPDATE_SNAPSHOTS=1 make pytest
PYTEST_ARGS=tests/test_openapi.py`` and record the change in docs/api/changelog.md.
"""

import json
import os
from pathlib import Path

SNAPSHOT = Path(__file__).resolve().parents[1] / "docs" / "api" / "openapi.json"


def test_openapi_matches_the_committed_snapshot(db):
    from yiwang.api import api

    current = json.dumps(api.get_openapi_schema(), indent=2, ensure_ascii=False, sort_keys=True)
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" or not SNAPSHOT.exists():
        SNAPSHOT.write_text(current + "\n", encoding="utf-8")
    assert SNAPSHOT.read_text(encoding="utf-8") == current + "\n", (
        "The API changed: review, regenerate docs/api/openapi.json with UPDATE_SNAPSHOTS=1 and "
        "note the change in docs/api/changelog.md"
    )


def test_every_operation_has_id_summary_and_tag(db):
    from yiwang.api import api

    for path, methods in api.get_openapi_schema()["paths"].items():
        for method, op in methods.items():
            assert op.get("operationId"), (method, path)
            assert op.get("summary"), (method, path)
            assert op.get("tags"), (method, path)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_schema_class_names_are_unique(db):
    # django-ninja keys the OpenAPI components by class name: a second schema with the same
    # name silently replaces the first one in the document (another app's contract changes)
    from ninja import Schema

    from yiwang.api import api

    api.get_openapi_schema()  # every router imported
    seen: dict[str, str] = {}
    for cls in _subclasses(Schema):
        if not cls.__module__.startswith("yiwang."):
            continue
        where = f"{cls.__module__}.{cls.__qualname__}"
        assert cls.__name__ not in seen or seen[cls.__name__] == where, (
            f"schema {cls.__name__} is defined twice: {seen.get(cls.__name__)} and {where}"
        )
        seen[cls.__name__] = where
    assert len(seen) > 50
