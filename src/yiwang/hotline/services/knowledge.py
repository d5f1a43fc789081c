"""Write services of the knowledge base (政府热线知识库): create, update, deactivate.

Every write recomputes ``search_tokens`` (jieba) from title, keywords and body; the full-text
index follows it (SQLite triggers / PostgreSQL expression index, migration 0004). Articles are
never deleted: orders answered from one keep pointing at it.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.core import facade as core
from yiwang.core.audit import audit_record, snapshot
from yiwang.core.errors import Forbidden, InvalidInput, NotFound
from yiwang.core.permissions import has_perm
from yiwang.hotline import permissions as perms
from yiwang.hotline.choices import Category
from yiwang.hotline.knowledge import search_tokens_of
from yiwang.hotline.models import KnowledgeArticle
from yiwang.hotline.selectors import city_root_id

TITLE_MAX = 200
BODY_MAX = 20000
SOURCE_MAX = 300
KEYWORDS_MAX = 20
KEYWORD_MAX = 20

AUDITED = ("title", "body", "category", "keywords", "unit_id", "source", "active")
_UNSET: Any = object()


def _error(field: str, code: str, message: str) -> dict:
    return {"field": field, "code": code, "message": message}


def _bounded_text(
    errors: list[dict],
    field: str,
    value: str | None,
    limit: int,
    code: str,
    message: str,
    *,
    minimum: int = 1,
) -> str:
    """``value`` stripped; appends ``code`` to ``errors`` unless it has ``minimum`` to
    ``limit`` characters (``message`` is formatted with ``n=limit``)."""
    text = (value or "").strip()
    if not minimum <= len(text) <= limit:
        errors.append(_error(field, code, message % {"n": limit}))
    return text


def _check_actor(actor, city_id: int) -> None:
    """A manager of the knowledge base of ``city_id`` (``actor=None``: system, seed)."""
    if actor is None:
        return
    if not has_perm(actor, perms.MANAGE_KNOWLEDGE):
        raise Forbidden("hotline.permission_denied", _("You may not edit the knowledge base."))
    if not getattr(actor, "is_superuser", False) and city_root_id(actor) != city_id:
        raise NotFound("knowledge article")


def clean_article_fields(values: dict, city_id: int) -> dict:
    """Validate the given fields (all errors at once, ``InvalidInput``) and return them
    cleaned; also used by the admin form."""
    errors: list[dict] = []
    out: dict[str, Any] = {}
    if "title" in values:
        out["title"] = _bounded_text(
            errors,
            "title",
            values["title"],
            TITLE_MAX,
            "hotline.invalid_title",
            _("Give a title of 1 to %(n)d characters."),
        )
    if "body" in values:
        out["body"] = _bounded_text(
            errors,
            "body",
            values["body"],
            BODY_MAX,
            "hotline.invalid_body",
            _("Give an answer of 1 to %(n)d characters."),
        )
    if "category" in values:
        category = values["category"] or ""
        if category and category not in Category.values:
            errors.append(_error("category", "hotline.unknown_category", _("Unknown category.")))
        out["category"] = category
    if "keywords" in values:
        raw = values["keywords"] if values["keywords"] is not None else []
        keywords: list[str] = []
        if not isinstance(raw, list | tuple) or not all(isinstance(k, str) for k in raw):
            raw, bad = [], True
        else:
            bad = False
        for k in raw:
            k = k.strip()
            if not 1 <= len(k) <= KEYWORD_MAX:
                bad = True
            elif k not in keywords:
                keywords.append(k)
        if bad or len(keywords) > KEYWORDS_MAX:
            errors.append(
                _error(
                    "keywords",
                    "hotline.invalid_keywords",
                    _("Give at most %(count)d keywords of 1 to %(n)d characters each.")
                    % {"count": KEYWORDS_MAX, "n": KEYWORD_MAX},
                )
            )
        out["keywords"] = keywords
    if "source" in values:
        out["source"] = _bounded_text(
            errors,
            "source",
            values["source"],
            SOURCE_MAX,
            "hotline.invalid_source",
            _("Give a source of at most %(n)d characters."),
            minimum=0,
        )
    if "unit_id" in values:
        unit_id = values["unit_id"]
        if unit_id is not None:
            unit = core.organisation_by_id(unit_id)
            if unit is None or not unit.path.startswith(f"/{city_id}/"):
                errors.append(
                    _error("unit_id", "hotline.unknown_unit", _("Unknown unit of this city."))
                )
        out["unit_id"] = unit_id
    if errors:
        raise InvalidInput(
            errors[0]["code"], "; ".join(e["message"] for e in errors), errors=errors
        )
    return out


def _with_tokens(article: KnowledgeArticle) -> None:
    article.search_tokens = search_tokens_of(
        title=article.title, keywords=list(article.keywords or []), body=article.body
    )


def knowledge_article_create(
    *,
    actor,
    city_id: int,
    title: str,
    body: str,
    category: str = "",
    keywords: list[str] | None = None,
    unit_id: int | None = None,
    source: str = "",
) -> KnowledgeArticle:
    """Add an article to the city's knowledge base (``hotline.manage_knowledge``)."""
    _check_actor(actor, city_id)
    fields = clean_article_fields(
        {
            "title": title,
            "body": body,
            "category": category,
            "keywords": keywords,
            "unit_id": unit_id,
            "source": source,
        },
        city_id,
    )
    article = KnowledgeArticle(city_id=city_id, **fields)
    _with_tokens(article)
    with transaction.atomic():
        article.save()
        audit_record(
            actor=actor,
            action="hotline.knowledge.create",
            obj=article,
            after=snapshot(article, AUDITED),
        )
    return article


def _load(actor, article_id: int) -> KnowledgeArticle:
    article = KnowledgeArticle.objects.select_for_update().filter(pk=article_id).first()
    if article is None:
        raise NotFound("knowledge article")
    _check_actor(actor, article.city_id)
    return article


def knowledge_article_update(
    *,
    actor,
    article_id: int,
    title: str = _UNSET,
    body: str = _UNSET,
    category: str = _UNSET,
    keywords: list[str] = _UNSET,
    unit_id: int | None = _UNSET,
    source: str = _UNSET,
    active: bool = _UNSET,
) -> KnowledgeArticle:
    """Change the given fields of an article (omitted ones stay); ``active=True`` re-activates."""
    given = {
        k: v
        for k, v in {
            "title": title,
            "body": body,
            "category": category,
            "keywords": keywords,
            "unit_id": unit_id,
            "source": source,
        }.items()
        if v is not _UNSET
    }
    with transaction.atomic():
        article = _load(actor, article_id)
        fields = clean_article_fields(given, article.city_id)
        if active is not _UNSET:
            fields["active"] = bool(active)
        before = snapshot(article, AUDITED)
        for key, value in fields.items():
            setattr(article, key, value)
        _with_tokens(article)
        article.save()
        audit_record(
            actor=actor,
            action="hotline.knowledge.update",
            obj=article,
            before=before,
            after=snapshot(article, AUDITED),
        )
    return article


def knowledge_article_deactivate(*, actor, article_id: int) -> KnowledgeArticle:
    """Withdraw an article from search and direct answers (kept for the orders citing it)."""
    with transaction.atomic():
        article = _load(actor, article_id)
        if article.active:
            article.active = False
            article.save(update_fields=["active", "updated_at"])
            audit_record(
                actor=actor,
                action="hotline.knowledge.deactivate",
                obj=article,
                before={"active": True},
                after={"active": False},
            )
    return article
