"""Reads of applications, already scoped to the acting user.

* applicants (citizens, enterprise staff) see the cases they applied for and those an agent
  filed for them — a bundle as its one parent case, never its sub-cases on their own;
* staff see what they filed as agents (帮办代办);
* department staff with ``cases.view`` see the cases held by their organisation subtree, and a
  bundle's parent when a sub-case of theirs belongs to it.

Anything else is ``NotFound`` — exactly like a case that does not exist.
"""

from __future__ import annotations

from django.db.models import Case as SqlCase
from django.db.models import IntegerField, Q, QuerySet, Value, When

from yiwang.cases import permissions as perms
from yiwang.cases.choices import FINAL, WARNING_ORDER, CaseStatus
from yiwang.cases.models import Case, CaseEvent, ClockPause, CorrectionNotice, Material
from yiwang.core.choices import AccountKind
from yiwang.core.errors import NotFound
from yiwang.core.permissions import has_perm


def is_applicant(actor) -> bool:
    return getattr(actor, "kind", None) in (AccountKind.CITIZEN, AccountKind.ENTERPRISE)


def _scope_q(actor) -> Q | None:
    """The filter of visible cases (``None``: everything; an empty Q matches nothing)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return Q(pk__in=[])
    if is_applicant(actor):
        return Q(applicant=actor, parent__isnull=True)
    if getattr(actor, "is_superuser", False):
        return None
    own = Q(agent=actor, parent__isnull=True)
    org = getattr(actor, "organisation", None)
    if org is None or not has_perm(actor, perms.VIEW):
        return own
    held = Q(organisation__path__startswith=org.path)
    parents = Q(sub_cases__organisation__path__startswith=org.path)
    return own | held | parents


def scoped(actor, qs: QuerySet | None = None) -> QuerySet:
    qs = Case.objects.all() if qs is None else qs
    q = _scope_q(actor)
    if q is None:
        return qs
    filtered = qs.filter(q)
    return filtered.distinct() if not is_applicant(actor) else filtered


def case_get(*, actor, number: str) -> Case:
    """One visible case by number, or ``NotFound`` (missing and invisible answer the same)."""
    number = (number or "").strip().upper()
    case = (
        scoped(actor, Case.objects.filter(number=number))
        .select_related("organisation", "district", "parent")
        .first()
    )
    if case is None:
        raise NotFound("case")
    return case


def holds(actor, case: Case) -> bool:
    """Whether ``actor``'s organisation subtree holds ``case`` (acts on it as a department)."""
    if getattr(actor, "is_superuser", False):
        return True
    org = getattr(actor, "organisation", None)
    if org is None or case.item_id is None:
        return False
    return case.organisation.path.startswith(org.path)


def case_list_mine(*, actor, status: str | None = None) -> QuerySet:
    """The applicant's own cases (a bundle as its parent); for staff, what they filed as
    agents (帮办代办)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return Case.objects.none()
    who = Q(applicant=actor) if is_applicant(actor) else Q(agent=actor)
    qs = Case.objects.filter(who, parent__isnull=True)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("organisation")


def case_inbox(*, actor, status: str | None = None, warning: str | None = None) -> QuerySet:
    """Cases the department holds that are not finished: most urgent first (red, yellow, then
    by deadline; cases awaiting acceptance by their acceptance deadline)."""
    org = getattr(actor, "organisation", None)
    if is_applicant(actor) or not (has_perm(actor, perms.VIEW) and (org or actor.is_superuser)):
        return Case.objects.none()
    qs = Case.objects.filter(item__isnull=False).exclude(status__in=FINAL)
    if not actor.is_superuser:
        qs = qs.filter(organisation__path__startswith=org.path)
    if status:
        qs = qs.filter(status=status)
    if warning:
        qs = qs.filter(warning_level=warning)
    rank = SqlCase(
        *[When(warning_level=level, then=Value(-i)) for i, level in enumerate(WARNING_ORDER)],
        output_field=IntegerField(),
    )
    due = SqlCase(
        When(status=CaseStatus.SUBMITTED, then="acceptance_deadline"),
        default="deadline",
    )
    return (
        qs.annotate(urgency=rank, due_at=due)
        .select_related("organisation", "parent")
        .order_by("urgency", "due_at", "id")
    )


def case_events(*, case: Case) -> QuerySet:
    return CaseEvent.objects.filter(case=case).select_related("actor").order_by("at", "id")


def case_materials(*, case: Case, current_only: bool = True) -> QuerySet:
    """The case's files; a sub-case also shows the files its bundle's parent holds (shared)."""
    ids = [case.pk] + ([case.parent_id] if case.parent_id else [])
    if case.item_id is None:
        ids += list(case.sub_cases.values_list("pk", flat=True))
    qs = Material.objects.filter(case_id__in=ids)
    if current_only:
        qs = qs.filter(superseded_by__isnull=True)
    return qs.select_related("case").order_by("case_id", "slot", "id")


def case_corrections(*, case: Case) -> QuerySet:
    ids = [case.pk] + (
        list(case.sub_cases.values_list("pk", flat=True)) if not case.item_id else []
    )
    return CorrectionNotice.objects.filter(case_id__in=ids).select_related("case")


def case_pauses(*, case: Case) -> QuerySet:
    return ClockPause.objects.filter(case=case)


def sub_cases(*, case: Case) -> QuerySet:
    return case.sub_cases.select_related("organisation").order_by("number")


# --- reads of the pages (cases.views) ---------------------------------------------------------


def case_of_party(*, actor, number: str) -> Case:
    """A case the actor applied for or filed as an agent (帮办代办) — the "my cases" pages; a
    case the actor sees only as a department answers ``NotFound`` there."""
    case = case_get(actor=actor, number=number)
    if actor.pk not in (case.applicant_id, case.agent_id):
        raise NotFound("case")
    return case


def case_held(*, actor, number: str) -> Case:
    """A case the actor's organisation subtree holds (the department pages); else ``NotFound``
    (a bundle's parent, a case seen only as an agent, another department's case)."""
    case = case_get(actor=actor, number=number)
    if is_applicant(actor) or not holds(actor, case):
        raise NotFound("case")
    return case


def case_inbox_items(*, actor) -> list[tuple[str, str]]:
    """(basic code, item name) of the items in the actor's inbox, for its filter."""
    rows = case_inbox(actor=actor).order_by().values_list("basic_code", "item_name").distinct()
    return sorted(set(rows), key=lambda r: r[1])


def applicant_find(*, query: str):
    """帮办代办: the active citizen or enterprise account with this user name or mobile number
    (``None`` when there is none or the mobile number is shared by several accounts)."""
    from django.contrib.auth import get_user_model

    query = (query or "").strip()
    if not query or len(query) > 150:
        return None
    accounts = get_user_model().objects.filter(
        Q(username=query) | Q(mobile=query),
        is_active=True,
        kind__in=[AccountKind.CITIZEN, AccountKind.ENTERPRISE],
    )
    found = list(accounts[:2])
    return found[0] if len(found) == 1 else None


def applicant_by_id(*, pk: int):
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            pk=pk, is_active=True, kind__in=[AccountKind.CITIZEN, AccountKind.ENTERPRISE]
        )
        .first()
    )


def district_choices() -> list[tuple[int, str]]:
    """(id, name) of the city's districts and functional areas, where a bundle may be handled."""
    from yiwang.core.choices import OrgKind

    org_model = Case._meta.get_field("organisation").related_model
    rows = org_model.objects.filter(
        kind__in=[OrgKind.DISTRICT, OrgKind.FUNCTIONAL_AREA], is_active=True
    ).order_by("sort_order", "pk")
    return list(rows.values_list("pk", "name"))
