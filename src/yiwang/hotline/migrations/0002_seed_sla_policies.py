"""Default SLA policies (domain.md §5): the context city's enterprise rule "124" and the
general lane at half the speed; callback within 2 working days; warnings at 75 % / 90 %."""

from decimal import Decimal

from django.db import migrations

CATEGORIES = ["consult", "help", "complaint", "report", "suggestion", "praise"]
# lane: (sign-for working hours, consult working days, other working days)
DEFAULTS = {"enterprise": (Decimal("1"), 2, 4), "general": (Decimal("2"), 4, 8)}


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("hotline", "SlaPolicy")
    for lane, (hours, consult_days, other_days) in DEFAULTS.items():
        for category in CATEGORIES:
            SlaPolicy.objects.get_or_create(
                lane=lane,
                category=category,
                version=1,
                defaults={
                    "sign_hours": hours,
                    "handle_days": consult_days if category == "consult" else other_days,
                    "callback_days": 2,
                    "yellow_ratio": Decimal("0.75"),
                    "red_ratio": Decimal("0.90"),
                },
            )


def unseed(apps, schema_editor):
    apps.get_model("hotline", "SlaPolicy").objects.filter(version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("hotline", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
