"""Full-text index of the knowledge base over ``KnowledgeArticle.search_tokens`` (hand-written).

``search_tokens`` is ``"<title+keyword tokens>\\n<body tokens>"`` (jieba, space-joined).

* SQLite: an FTS5 table ``hotline_knowledge_fts(title, body)`` with the ``unicode61``
  tokenizer (each space-separated jieba token is one index term), rowid = article id, kept in
  step by triggers on insert, delete and change of ``search_tokens`` — so every writer (service,
  admin, raw SQL) keeps the index right.
* PostgreSQL: a stored generated column ``search_vector`` (title tokens weight A, body tokens
  weight B, ``simple`` configuration) with a GIN index; Django's model does not declare it.
* Other vendors: nothing (search is implemented for these two only).
"""

from django.db import migrations

# ruff: noqa: S608 - the SQL below is built from constant identifiers only

TABLE = "hotline_knowledgearticle"
FTS = "hotline_knowledge_fts"

_NL = "instr(new.search_tokens, char(10))"
_TITLE = f"CASE WHEN {_NL} > 0 THEN substr(new.search_tokens, 1, {_NL} - 1) ELSE '' END"
_BODY = f"CASE WHEN {_NL} > 0 THEN substr(new.search_tokens, {_NL} + 1) ELSE new.search_tokens END"

SQLITE_FORWARD = [
    f"CREATE VIRTUAL TABLE {FTS} USING fts5(title, body, "
    "tokenize = 'unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER {FTS}_ai AFTER INSERT ON {TABLE} BEGIN "
    f"INSERT INTO {FTS}(rowid, title, body) VALUES (new.id, {_TITLE}, {_BODY}); END",
    f"CREATE TRIGGER {FTS}_ad AFTER DELETE ON {TABLE} BEGIN "
    f"DELETE FROM {FTS} WHERE rowid = old.id; END",
    f"CREATE TRIGGER {FTS}_au AFTER UPDATE OF search_tokens ON {TABLE} BEGIN "
    f"DELETE FROM {FTS} WHERE rowid = old.id; "
    f"INSERT INTO {FTS}(rowid, title, body) VALUES (new.id, {_TITLE}, {_BODY}); END",
    # Articles that existed before the index.
    f"INSERT INTO {FTS}(rowid, title, body) SELECT id, "
    + _TITLE.replace("new.", "")
    + ", "
    + _BODY.replace("new.", "")
    + f" FROM {TABLE}",
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {FTS}_au",
    f"DROP TRIGGER IF EXISTS {FTS}_ad",
    f"DROP TRIGGER IF EXISTS {FTS}_ai",
    f"DROP TABLE IF EXISTS {FTS}",
]

PG_VECTOR = (
    "(setweight(to_tsvector('simple'::regconfig, split_part(search_tokens, E'\\n', 1)), 'A')"
    " || setweight(to_tsvector('simple'::regconfig, split_part(search_tokens, E'\\n', 2)), 'B'))"
)
# A stored generated column (PostgreSQL ≥ 12): ranking reads the vector instead of segmenting
# every candidate row again. Django does not know the column and never writes it.
PG_FORWARD = [
    f"ALTER TABLE {TABLE} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS {PG_VECTOR} STORED",
    f"CREATE INDEX {FTS}_gin ON {TABLE} USING GIN (search_vector)",
]
PG_BACKWARD = [
    f"DROP INDEX IF EXISTS {FTS}_gin",
    f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS search_vector",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("hotline", "0003_knowledge_attachments_transfers_stats")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": PG_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": PG_BACKWARD}),
        )
    ]
