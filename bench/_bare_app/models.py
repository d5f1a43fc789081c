"""The storing peer's one table (created by ``bench/hotline_intake.py``; no migrations)."""

from django.db import models


class BareOrder(models.Model):
    channel = models.CharField(max_length=16)
    category = models.CharField(max_length=16)
    requester_name = models.CharField(max_length=100)
    contact_phone = models.CharField(max_length=20)
    content = models.TextField()
    address = models.CharField(max_length=300, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "_bare_app"
        db_table = "bench_bare_order"
        managed = False

    def __str__(self) -> str:
        return f"{self.pk}"
