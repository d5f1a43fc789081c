"""One route: ``POST /api/v1/hotline/orders``, the path the real intake uses."""

import itertools
import json

from django.http import HttpResponseNotAllowed, JsonResponse
from django.urls import path

REQUIRED = ("channel", "category", "requester_name", "contact_phone", "content")
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
    return JsonResponse({"id": next(_ids), "status": "received", **data}, status=201)


urlpatterns = [path("api/v1/hotline/orders", orders)]
