"""Create one editable ChannelPolicy row per channel with the built-in defaults.

Values are frozen here (not imported from models) so this migration means the same forever.
"""

from django.db import migrations

BACKOFF = [60, 300, 1800, 7200, 21600]
DEFAULTS = {
    "inbox": {"max_per_minute": 0, "max_attempts": 1, "backoff_seconds": [],
              "timeout_seconds": 5.0},
    "email": {"max_per_minute": 600, "max_attempts": 6, "backoff_seconds": BACKOFF,
              "timeout_seconds": 15.0},
    "sms": {"max_per_minute": 300, "max_attempts": 5, "backoff_seconds": BACKOFF,
            "timeout_seconds": 10.0},
    "webhook": {"max_per_minute": 600, "max_attempts": 6, "backoff_seconds": BACKOFF,
                "timeout_seconds": 5.0},
}


def create_defaults(apps, schema_editor):
    ChannelPolicy = apps.get_model("notify", "ChannelPolicy")
    for channel, values in DEFAULTS.items():
        ChannelPolicy.objects.get_or_create(channel=channel, defaults=values)


class Migration(migrations.Migration):
    dependencies = [("notify", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
