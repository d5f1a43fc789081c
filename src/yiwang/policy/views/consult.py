"""Policy consultation (政策咨询) pages: the question form on a public item page (enterprise
users), the officers' queue with inline answers and "publish as public FAQ", the enterprise
desk's "my questions" tab, and the workbench task "N questions awaiting answer"."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from yiwang.core import pii
from yiwang.core.choices import AccountKind
from yiwang.core.errors import DomainError, InvalidInput, NotFound
from yiwang.core.permissions import has_perm
from yiwang.policy import permissions as perms
from yiwang.policy import selectors, selectors_consult
from yiwang.policy.choices import QuestionStatus
from yiwang.policy.services import questions as services
from yiwang.policy.views.common import PAGE_SIZE, enterprise_page, staff_page
from yiwang.policy.views.desk_common import desk_context
from yiwang.portal.facade import BootstrapForm, TaskItem

# --- forms (parse only; the services validate) ----------------------------------------------------


class AskForm(BootstrapForm):
    uscc = forms.ChoiceField(label=gettext_lazy("Enterprise"), required=False)
    question = forms.CharField(
        label=gettext_lazy("Your question"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": services.QUESTION_MAX}),
        help_text=gettext_lazy("5 to 1000 characters. The issuing department answers it."),
    )

    def __init__(self, *args, seats=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["uscc"].choices = [(s.uscc, s.name) for s in seats]
        if len(seats) <= 1:
            self.fields["uscc"].widget = forms.HiddenInput()
            self.fields["uscc"].initial = seats[0].uscc if seats else ""


class AnswerForm(BootstrapForm):
    answer = forms.CharField(
        label=gettext_lazy("Answer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": services.ANSWER_MAX}),
    )
    publish = forms.BooleanField(label=gettext_lazy("Also publish as a public FAQ"), required=False)


class PublishForm(BootstrapForm):
    question = forms.CharField(
        label=gettext_lazy("Question as published"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": services.FAQ_QUESTION_MAX}),
        help_text=gettext_lazy("Reword it if needed; who asked is never shown."),
    )
    answer = forms.CharField(
        label=gettext_lazy("Answer as published"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class QueueFilterForm(BootstrapForm):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("any status")), *QuestionStatus.choices],
    )
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)


def _is_htmx(request) -> bool:
    return bool(request.headers.get("HX-Request"))


# --- enterprise users: asking ---------------------------------------------------------------------


def ask_context(request, item) -> dict:
    """What the public item page needs for ``policy/_ask.html``: the form for enterprise users,
    a sign-in prompt for anonymous visitors, nothing for staff."""
    user = request.user
    if user.is_authenticated and user.kind == AccountKind.ENTERPRISE:
        seats = selectors.enterprise_seats(user)
        return {
            "ask_form": AskForm(seats=seats) if seats else None,
            "ask_days": services.answer_days(),
        }
    return {"ask_form": None, "ask_sign_in": not user.is_authenticated}


@enterprise_page
@require_POST
def ask(request, pk: int):
    """Ask the issuing department (the form of ``_ask.html``; htmx swaps the form in place,
    without JavaScript a page with the form and its errors)."""
    item = selectors.public_item_get(item_id=pk)
    seats = selectors.enterprise_seats(request.user)
    form = AskForm(request.POST, seats=seats)
    asked = None
    if form.is_valid():
        try:
            asked = services.question_ask(
                actor=request.user,
                item_id=item.pk,
                question=form.cleaned_data["question"],
                uscc=form.cleaned_data["uscc"] or None,
            )
        except NotFound:
            raise
        except DomainError as exc:
            form.add_service_error(exc)
    if asked is not None and not _is_htmx(request):
        messages.success(
            request,
            _("Your question is sent to %(org)s; the answer is due by %(due)s.")
            % {
                "org": item.document.organisation.name,
                "due": timezone.localtime(asked.due_at).strftime("%Y-%m-%d %H:%M"),
            },
        )
        query = f"?uscc={asked.enterprise.uscc}" if len(seats) > 1 else ""
        return redirect(reverse("policy:desk_questions") + query)
    context = {
        "item": item,
        "document": item.document,
        "ask_form": AskForm(seats=seats) if asked is not None else form,
        "ask_days": services.answer_days(),
        "asked": asked,
    }
    template = "policy/_ask.html" if _is_htmx(request) else "policy/questions_ask.html"
    return render(request, template, context)


@enterprise_page
@require_GET
def desk_questions(request):
    try:
        seat = selectors.enterprise_seat_get(actor=request.user, uscc=request.GET.get("uscc"))
    except InvalidInput:  # a malformed credit code names no enterprise of the user's
        raise Http404 from None
    qs = selectors_consult.desk_questions(seat=seat)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "policy/desk_questions.html",
        desk_context(
            request,
            seat,
            "questions",
            page=page,
            query=query.urlencode(),
            now=timezone.now(),
            Status=QuestionStatus,
        ),
    )


# --- officers: the queue --------------------------------------------------------------------------


def _row_forms(question, *, answer_form=None, publish_form=None) -> dict:
    """A queue row's forms: the answer (open questions) and the FAQ wording (answered ones,
    the enterprise's ID and mobile numbers masked)."""
    return {
        "q": question,
        "answer_form": answer_form or AnswerForm(prefix=f"q{question.pk}"),
        "publish_form": publish_form
        or PublishForm(
            prefix=f"p{question.pk}",
            initial={"question": pii.mask_text(question.question), "answer": question.answer},
        ),
    }


def _page_context(request) -> dict:
    return {
        "now": timezone.now(),
        "may_manage": has_perm(request.user, perms.MANAGE),
        "Status": QuestionStatus,
    }


@staff_page(perms.VIEW)
@require_GET
def questions(request):
    actor = request.user
    now = timezone.now()
    filters = QueueFilterForm(request.GET or None)
    status, overdue = "", False
    if request.GET and filters.is_valid():
        status, overdue = filters.cleaned_data["status"], filters.cleaned_data["overdue"]
    qs = selectors_consult.questions_queue(actor=actor, status=status, overdue=overdue, now=now)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "policy/questions.html",
        {
            **_page_context(request),
            "rows": [_row_forms(q) for q in page.object_list],
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "counts": selectors_consult.question_counts(actor=actor, now=now, perm=perms.VIEW),
            "answer_days": services.answer_days(),
        },
    )


def _after_action(request, question_id: int, *, done: str, **forms_):
    """htmx: the question's row again (with the errors or the confirmation); else back to the
    queue with a message."""
    if _is_htmx(request):
        question = selectors_consult.question_get(actor=request.user, question_id=question_id)
        context = {**_page_context(request), **_row_forms(question, **forms_), "done": done}
        return render(request, "policy/questions_row.html", context)
    if done:
        messages.success(request, done)
    else:
        for form in forms_.values():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
    return redirect(reverse("policy:questions") + f"#question-{question_id}")


@staff_page(perms.MANAGE)
@require_POST
def question_answer(request, pk: int):
    selectors_consult.question_get(actor=request.user, question_id=pk, perm=perms.MANAGE)
    form = AnswerForm(request.POST, prefix=f"q{pk}")
    if form.is_valid():
        try:
            services.question_answer(
                actor=request.user,
                question_id=pk,
                answer=form.cleaned_data["answer"],
                publish=form.cleaned_data["publish"],
            )
        except NotFound:
            raise
        except DomainError as exc:
            form.add_service_error(exc)
        else:
            done = (
                _("The answer is sent and published as a public FAQ.")
                if form.cleaned_data["publish"]
                else _("The answer is sent to the enterprise.")
            )
            return _after_action(request, pk, done=done)
    return _after_action(request, pk, done="", answer_form=form)


@staff_page(perms.MANAGE)
@require_POST
def question_publish(request, pk: int):
    selectors_consult.question_get(actor=request.user, question_id=pk, perm=perms.MANAGE)
    form = PublishForm(request.POST, prefix=f"p{pk}")
    if form.is_valid():
        try:
            services.question_publish(
                actor=request.user,
                question_id=pk,
                question=form.cleaned_data["question"],
                answer=form.cleaned_data["answer"],
            )
        except NotFound:
            raise
        except DomainError as exc:
            form.add_service_error(exc)
        else:
            return _after_action(request, pk, done=_("The question is published as a public FAQ."))
    return _after_action(request, pk, done="", publish_form=form)


# --- the workbench --------------------------------------------------------------------------------


def consult_tasks_for(user) -> list:
    """ "N questions awaiting answer, M overdue" for the officers who answer them."""
    if (
        not getattr(user, "is_authenticated", False)
        or user.kind not in (AccountKind.STAFF, AccountKind.SYSTEM)
        or not has_perm(user, perms.MANAGE)
    ):
        return []
    now = timezone.now()
    counts = selectors_consult.question_counts(actor=user, now=now)
    n, overdue = counts["open"], counts["overdue"]
    if not n:
        return []
    title = ngettext(
        "%(n)d policy question awaiting answer, %(m)d overdue",
        "%(n)d policy questions awaiting answer, %(m)d overdue",
        n,
    ) % {"n": n, "m": overdue}
    return [
        TaskItem(
            title=title,
            url=reverse("policy:questions") + ("?overdue=1" if overdue else "?status=open"),
            module=_("Enterprise policies"),
            due_at=counts["next_due"],
            overdue=bool(overdue),
        )
    ]
