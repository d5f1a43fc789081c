"""Hotline API, knowledge base and attachments (mounted into the hotline router):

* ``/knowledge``: search and read for staff with ``hotline.view``; create, change and
  deactivate with ``hotline.manage_knowledge``; always within the caller's city.
* ``/orders/{id}/attachments``: list, upload (multipart) and download, scoped like the order
  itself (an invisible order or attachment answers 404).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status as HttpStatus
from pydantic import Field

from yiwang.core.choices import AccountKind
from yiwang.core.errors import Forbidden, NotFound
from yiwang.core.permissions import has_perm
from yiwang.hotline import knowledge, selectors
from yiwang.hotline import permissions as perms
from yiwang.hotline.choices import Category
from yiwang.hotline.models import Attachment, KnowledgeArticle, WorkOrder
from yiwang.hotline.services import attachments as attachment_services
from yiwang.hotline.services import knowledge as knowledge_services

router = Router(tags=["hotline"])

KbCategoryName = Literal.__getitem__(tuple(Category.values))


class KbUnitOut(Schema):
    id: int
    name: str


class ArticleIn(Schema):
    title: str
    body: str = Field(description="The answer an operator gives (plain text).")
    category: KbCategoryName | Literal[""] = ""  # type: ignore[valid-type]
    keywords: list[str] = []
    unit_id: int | None = None
    source: str = Field("", description="Legal basis or web page the answer comes from.")


class ArticlePatchIn(Schema):
    title: str | None = None
    body: str | None = None
    category: KbCategoryName | Literal[""] | None = None  # type: ignore[valid-type]
    keywords: list[str] | None = None
    unit_id: int | None = None
    source: str | None = None
    active: bool | None = None


class ArticleOut(Schema):
    id: int
    title: str
    body: str
    category: str
    keywords: list[str]
    unit: KbUnitOut | None
    source: str
    active: bool
    use_count: int
    created_at: dt.datetime
    updated_at: dt.datetime


class ArticleHitOut(Schema):
    id: int
    title: str
    category: str
    keywords: list[str]
    unit: KbUnitOut | None
    snippet: str = Field(description="Plain-text excerpt of the answer around the match.")
    use_count: int


class ArticleSearchOut(Schema):
    items: list[ArticleHitOut]


class ArticleQueryIn(Schema):
    q: str = Field("", max_length=200, description="Words to search (Chinese is segmented).")
    category: KbCategoryName | None = None  # type: ignore[valid-type]
    limit: int = Field(10, ge=1, le=knowledge.MAX_LIMIT)


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str | None = Field(description="Staff name; null when the requester uploaded.")
    uploaded_by_requester: bool
    created_at: dt.datetime
    download_url: str


def _unit(org) -> dict | None:
    return {"id": org.pk, "name": org.name} if org is not None else None


def _city_of_reader(actor) -> int:
    if actor.kind != AccountKind.STAFF or not has_perm(actor, perms.VIEW):
        raise Forbidden("hotline.permission_denied", _("You may not read the knowledge base."))
    city = selectors.city_root_id(actor)
    if city is None:
        raise Forbidden("hotline.no_city", _("Your account belongs to no city."))
    return city


def _article_out(a: KnowledgeArticle) -> dict:
    return {
        "id": a.pk,
        "title": a.title,
        "body": a.body,
        "category": a.category,
        "keywords": list(a.keywords or []),
        "unit": _unit(a.unit),
        "source": a.source,
        "active": a.active,
        "use_count": a.use_count,
        "created_at": a.created_at,
        "updated_at": a.updated_at,
    }


def _hit_out(a: KnowledgeArticle) -> dict:
    snippet = getattr(a, "snippet", None)
    if snippet is None:
        snippet = knowledge.snippet_of(a.body, [])
    return {
        "id": a.pk,
        "title": a.title,
        "category": a.category,
        "keywords": list(a.keywords or []),
        "unit": _unit(a.unit),
        "snippet": snippet,
        "use_count": a.use_count,
    }


@router.get(
    "/knowledge",
    response=ArticleSearchOut,
    operation_id="hotline_knowledge_search",
    summary="Search the city's knowledge base (active articles, best first; no q: most used)",
)
def knowledge_search(request: HttpRequest, query: Query[ArticleQueryIn]):
    city = _city_of_reader(request.user)
    if query.q.strip():
        items = knowledge.search_articles(
            city_id=city, query=query.q, category=query.category, limit=query.limit
        )
    else:
        items = list(
            knowledge.knowledge_article_list(city_id=city, category=query.category)[: query.limit]
        )
    return {"items": [_hit_out(a) for a in items]}


@router.get(
    "/knowledge/{article_id}",
    response=ArticleOut,
    operation_id="hotline_knowledge_get",
    summary="One knowledge article of the caller's city (also a deactivated one)",
)
def knowledge_get(request: HttpRequest, article_id: int):
    city = _city_of_reader(request.user)
    return _article_out(knowledge.knowledge_article_get(city_id=city, pk=article_id))


@router.post(
    "/knowledge",
    response={201: ArticleOut},
    operation_id="hotline_knowledge_create",
    summary="Add a knowledge article (hotline.manage_knowledge)",
)
def knowledge_create(request: HttpRequest, payload: ArticleIn):
    city = _city_of_reader(request.user)
    article = knowledge_services.knowledge_article_create(
        actor=request.user, city_id=city, **payload.dict()
    )
    return HttpStatus(
        201, _article_out(knowledge.knowledge_article_get(city_id=city, pk=article.pk))
    )


@router.patch(
    "/knowledge/{article_id}",
    response=ArticleOut,
    operation_id="hotline_knowledge_update",
    summary="Change a knowledge article; omitted fields stay (hotline.manage_knowledge)",
)
def knowledge_update(request: HttpRequest, article_id: int, payload: ArticlePatchIn):
    city = _city_of_reader(request.user)
    knowledge.knowledge_article_get(city_id=city, pk=article_id)  # 404 outside the city
    changes = payload.dict(exclude_unset=True)
    # null means "unchanged" except for unit_id, where it clears the unit.
    changes = {k: v for k, v in changes.items() if v is not None or k == "unit_id"}
    knowledge_services.knowledge_article_update(
        actor=request.user, article_id=article_id, **changes
    )
    return _article_out(knowledge.knowledge_article_get(city_id=city, pk=article_id))


@router.delete(
    "/knowledge/{article_id}",
    response=ArticleOut,
    operation_id="hotline_knowledge_deactivate",
    summary="Deactivate a knowledge article (kept for the orders answered from it)",
)
def knowledge_deactivate(request: HttpRequest, article_id: int):
    city = _city_of_reader(request.user)
    knowledge.knowledge_article_get(city_id=city, pk=article_id)
    knowledge_services.knowledge_article_deactivate(actor=request.user, article_id=article_id)
    return _article_out(knowledge.knowledge_article_get(city_id=city, pk=article_id))


# --- attachments --------------------------------------------------------------------------


def _attachment_out(order: WorkOrder, a: Attachment) -> dict:
    by_requester = a.uploaded_by_id is not None and a.uploaded_by_id == order.owner_id
    staff = a.uploaded_by if a.uploaded_by_id and not by_requester else None
    return {
        "id": a.pk,
        "name": a.name,
        "content_type": a.content_type,
        "size": a.size,
        "sha256": a.sha256,
        "uploaded_by": (staff.display_name or staff.username) if staff else None,
        "uploaded_by_requester": by_requester,
        "created_at": a.created_at,
        "download_url": f"/api/v1/hotline/orders/{order.pk}/attachments/{a.pk}",
    }


@router.get(
    "/orders/{order_id}/attachments",
    response=list[AttachmentOut],
    operation_id="hotline_attachment_list",
    summary="Attachments of a visible work order",
)
def attachment_list(request: HttpRequest, order_id: int):
    order = selectors.work_order_get(actor=request.user, pk=order_id)
    rows = Attachment.objects.filter(order=order).select_related("uploaded_by")
    return [_attachment_out(order, a) for a in rows]


@router.post(
    "/orders/{order_id}/attachments",
    response={201: AttachmentOut},
    operation_id="hotline_attachment_add",
    summary="Attach a file (multipart field 'file'; type sniffed from its bytes)",
)
def attachment_add(request: HttpRequest, order_id: int, file: File[UploadedFile]):
    attachment = attachment_services.attachment_add(
        actor=request.user, order_id=order_id, uploaded_file=file
    )
    order = selectors.work_order_get(actor=request.user, pk=order_id)
    return HttpStatus(201, _attachment_out(order, attachment))


@router.get(
    "/orders/{order_id}/attachments/{attachment_id}",
    operation_id="hotline_attachment_download",
    summary="Download an attachment (Content-Disposition: attachment)",
)
def attachment_download(request: HttpRequest, order_id: int, attachment_id: int):
    order = selectors.work_order_get(actor=request.user, pk=order_id)
    attachment = Attachment.objects.filter(order=order, pk=attachment_id).first()
    if attachment is None:
        raise NotFound("attachment")
    try:
        handle = attachment.file.open("rb")
    except OSError:  # the row outlived its file (restored database, lost volume)
        raise NotFound("attachment") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
