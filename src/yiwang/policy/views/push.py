"""Officers' pages of the precise push: the push panel of an item page (latest jobs, a live
progress bar, counts with 送达率 and 阅读率, "Push now" and "Schedule"), a job's page with its
pushes, and the progress fragment htmx polls every second while a job is queued or running.

Enterprise users and staff without ``policy.view`` get 403; an item or job outside the
officer's scope is 404 (``staff_page``)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from yiwang.core.errors import DomainError, NotFound
from yiwang.core.permissions import has_perm
from yiwang.policy import permissions as perms
from yiwang.policy import selectors
from yiwang.policy import selectors_push as reads
from yiwang.policy.choices import DocumentStatus, ItemStatus, PushJobStatus, PushStatus
from yiwang.policy.models import PolicyItem, Push, PushJob
from yiwang.policy.services import push as service
from yiwang.policy.views.common import PAGE_SIZE, staff_page
from yiwang.portal.facade import BootstrapForm

JOB_CSS = {
    PushJobStatus.SCHEDULED: "text-bg-info",
    PushJobStatus.QUEUED: "text-bg-light border",
    PushJobStatus.RUNNING: "text-bg-primary",
    PushJobStatus.DONE: "text-bg-success",
    PushJobStatus.CANCELLED: "text-bg-secondary",
    PushJobStatus.FAILED: "text-bg-danger",
}
PUSH_CSS = {
    PushStatus.PENDING: "text-bg-light border",
    PushStatus.SENT: "text-bg-info",
    PushStatus.DELIVERED: "text-bg-primary",
    PushStatus.READ: "text-bg-success",
    PushStatus.UNREACHABLE: "text-bg-warning",
    PushStatus.FAILED: "text-bg-danger",
    PushStatus.CANCELLED: "text-bg-secondary",
}
PHASES = {
    "waiting": gettext_lazy("Waiting to start"),
    "writing": gettext_lazy("Writing the pushes"),
    "sending": gettext_lazy("Sending the notices"),
    "finished": gettext_lazy("Finished"),
}
JOBS_SHOWN = 5


class ScheduleForm(BootstrapForm):
    run_at = forms.DateTimeField(
        label=gettext_lazy("Send at"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def clean_run_at(self):
        value = self.cleaned_data["run_at"]
        if value <= timezone.now():
            raise forms.ValidationError(_("Choose a time in the future."))
        return value


class PushFilterForm(BootstrapForm):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("any status")), *PushStatus.choices],
    )


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def progress_context(job: PushJob) -> dict:
    progress = reads.job_progress(job)
    return {
        "job": job,
        "progress": progress,
        "phase": PHASES[progress.phase],
        "poll": job.status in (PushJobStatus.QUEUED, PushJobStatus.RUNNING),
        "status_css": JOB_CSS.get(job.status, ""),
    }


def _counts_context(counts: reads.PushCounts) -> dict:
    return {
        "counts": counts,
        "delivery_rate": _percent(counts.delivery_rate),
        "read_rate": _percent(counts.read_rate),
    }


def push_panel_context(actor, item: PolicyItem, may_manage: bool) -> dict:
    """What ``policy/_push_panel.html`` needs (under the key ``push``)."""
    jobs = reads.push_jobs_of(item, limit=JOBS_SHOWN)
    for job in jobs:
        job.css = JOB_CSS.get(job.status, "")
    active = next((j for j in jobs if j.status in service.ACTIVE), None)
    live = item.status == ItemStatus.PUBLISHED and item.document.status == DocumentStatus.PUBLISHED
    panel = {
        "jobs": jobs,
        "latest": jobs[0] if jobs else None,
        "active": progress_context(active) if active else None,
        "can_push": may_manage and live and bool(item.rule),
        "schedule_form": ScheduleForm(),
        **_counts_context(reads.push_counts(Push.objects.filter(item=item))),
    }
    return {"push": panel}


def _back(pk: int):
    return redirect(f"{reverse('policy:item', args=[pk])}#push-panel")


@staff_page(perms.MANAGE)
@require_POST
def push_now(request, pk: int):
    try:
        job = service.push_start(actor=request.user, item_id=pk, trigger="manual")
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(pk)
    if job.started_now:
        messages.success(request, _("The push has started."))
    else:
        messages.info(request, _("A push of this item is already under way; it is shown below."))
    return _back(pk)


@staff_page(perms.MANAGE)
@require_POST
def push_schedule(request, pk: int):
    selectors.item_get(actor=request.user, item_id=pk, perm=perms.MANAGE)  # 404 before 422
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        errors = form.errors.get("run_at") or [_("Choose a date and time.")]
        messages.error(request, errors[0])
        return _back(pk)
    try:
        job = service.push_start(
            actor=request.user, item_id=pk, trigger="schedule", run_at=form.cleaned_data["run_at"]
        )
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(pk)
    when = timezone.localtime(job.run_at).strftime("%Y-%m-%d %H:%M") if job.run_at else ""
    messages.success(request, _("The push is scheduled for %(when)s.") % {"when": when})
    return _back(pk)


@staff_page(perms.VIEW)
@require_GET
def push_job_detail(request, pk: int):
    actor = request.user
    job = reads.push_job_get(actor=actor, job_id=pk)
    filters = PushFilterForm(request.GET or None)
    qs = Push.objects.filter(job=job)
    counts = reads.push_counts(qs)
    if request.GET and filters.is_valid() and filters.cleaned_data["status"]:
        qs = qs.filter(status=filters.cleaned_data["status"])
    page = Paginator(qs.order_by("pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    names = reads.enterprise_names(page.object_list)
    for push in page.object_list:
        push.css = PUSH_CSS.get(push.status, "")
        push.ref = names.get(push.enterprise_id)
    query = request.GET.copy()
    query.pop("page", None)
    may_manage = has_perm(actor, perms.MANAGE) and (
        selectors.items_visible(actor=actor, perm=perms.MANAGE).filter(pk=job.item_id).exists()
    )
    return render(
        request,
        "policy/push_job.html",
        {
            **progress_context(job),
            **_counts_context(counts),
            "item": job.item,
            "document": job.item.document,
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "may_cancel": may_manage and job.status in service.OPEN,
        },
    )


@staff_page(perms.VIEW)
@require_GET
@never_cache
def push_job_progress(request, pk: int):
    """The progress fragment alone, polled by htmx every second while the job runs."""
    job = reads.push_job_get(actor=request.user, job_id=pk)
    return render(request, "policy/push_job_progress.html", progress_context(job))


@staff_page(perms.MANAGE)
@require_POST
def push_job_cancel(request, pk: int):
    job = reads.push_job_get(actor=request.user, job_id=pk, perm=perms.MANAGE)
    try:
        service.push_job_cancel(actor=request.user, job_id=pk)
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The push job is cancelled; its pending pushes will not go."))
    return redirect("policy:push_job", job.pk)
