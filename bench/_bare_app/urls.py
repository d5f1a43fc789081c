"""One route: ``POST /api/v1/hotline/orders``, the path the real intake uses.

``echo`` parses the JSON, checks the required fields and answers 201 — it writes nothing.
``store`` (``BARE_PEER=store``) does the same and inserts the request as one row with the
ORM (autocommit: one INSERT, one commit): the least any intake that keeps what it accepted
must do, with none of ours (no authentication, number, dispatch, deadlines, timeline, audit
or notification)."""

import itertools
import json

from django.conf import settings
from django.http import HttpResponseNotAllowed, JsonResponse
from django.urls import path

REQUIRED = ("channel", "category", "requester_name", "contact_phone", "content")
FIELDS = (*REQUIRED, "address")
_ids = itertools.count(1)


def orders(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        data = json.loads(request.body)
    except ValueError:
        return JsonResponse({"detail": "invalid JSON"}, status=400)
    missing = [f for f in REQUIRED if not data.get(f)]
    if missing:
        return JsonResponse({"errors": missing}, status=422)
    if settings.STORE:
        from bench._bare_app.models import BareOrder

        row = BareOrder.objects.create(**{f: str(data.get(f) or "") for f in FIELDS})
        return JsonResponse({"id": row.pk, "status": "received", **data}, status=201)
    return JsonResponse({"id": next(_ids), "status": "received", **data}, status=201)


urlpatterns = [path("api/v1/hotline/orders", orders)]
