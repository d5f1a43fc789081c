"""PostgreSQL: the knowledge base's GIN index is updated in place (``fastupdate = off``), as the
catalogue's search index is (catalog migration 0004): with a pending list, every article saved
since the last vacuum waits in an unsorted list that each search scans in full. Articles are
written rarely and searched on every intake."""

from django.db import migrations

INDEX = "hotline_knowledge_fts_gin"


def gin_in_place(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER INDEX {INDEX} SET (fastupdate = off)")
    schema_editor.execute(f"SELECT gin_clean_pending_list('{INDEX}'::regclass)")


def gin_pending_list(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER INDEX {INDEX} SET (fastupdate = on)")


class Migration(migrations.Migration):
    dependencies = [("hotline", "0007_stats_monthly_rollup")]

    operations = [migrations.RunPython(gin_in_place, gin_pending_list)]
