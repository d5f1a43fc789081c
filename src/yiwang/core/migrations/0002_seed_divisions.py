"""Load the administrative divisions the platform validates against (GB/T 2260 levels 1–2
nationally, Zhuhai down to streets and towns) from core/data/divisions.csv."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "divisions.csv"


def load(apps, schema_editor):
    Division = apps.get_model("core", "Division")
    with DATA.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            Division.objects.update_or_create(
                code=row["code"],
                defaults={"name": row["name"], "level": int(row["level"]),
                          "parent_id": row["parent"] or None},
            )


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
