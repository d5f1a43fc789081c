"""The precise push (精准推送) through its services and tasks: fan-out and its counts, dedup
across versions, 免申即享 grants, unreachable enterprises, throttled batches, withdrawal
stopping pending pushes, scheduled jobs, the daily re-match, delivery sync and the sweeps."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.conftest import drain_tasks
from tests.policy.conftest import OTHER_USCC
from yiwang.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yiwang.policy import facade, services
from yiwang.policy import selectors_push as push_reads
from yiwang.policy.choices import GrantStatus, PushJobStatus, PushStatus, PushTrigger
from yiwang.policy.models import Grant, Push, PushJob
from yiwang.policy.services import push as push_service

J, S = PushJobStatus, PushStatus


def run_everything(limit: int = 50) -> int:
    """Run the queued tasks, then the scheduled ones (the throttled batches) as if their time
    had come, until nothing is left."""
    from huey.contrib.djhuey import HUEY

    later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=30)
    total = 0
    for _ in range(limit):
        ran = drain_tasks()
        due = HUEY.read_schedule(later)
        for task in due:
            HUEY.execute(task, timestamp=later)
        total += ran + len(due)
        if not ran and not due:
            break
    return total


def scheduled_count() -> int:
    from huey.contrib.djhuey import HUEY

    return HUEY.scheduled_count()


def audits(action: str) -> int:
    from yiwang.core.models import AuditLog

    return AuditLog.objects.filter(action=action).count()


def messages_of(user):
    from yiwang.notify.models import Message

    return Message.objects.filter(recipient=user)


@pytest.fixture
def pushed(pol, make_item, run_tasks):
    """publish(rule_text, **fields) → the item, published and pushed (every task run)."""

    def publish(rule_text: str, **fields):
        with run_tasks():
            item = make_item(rule_text, **fields)
        run_everything()
        item.refresh_from_db()
        return item

    return publish


# --- fan-out --------------------------------------------------------------------------------------


def test_publication_pushes_every_matching_enterprise_once(pol, pushed):
    item = pushed("employees >= 50")
    matched = set(facade.item_matches(item.pk))
    assert pol.demo.pk in matched and pol.other.pk not in matched
    job = PushJob.objects.get(item=item)
    assert job.trigger == PushTrigger.PUBLICATION and job.status == J.DONE
    assert job.version == 1 and job.matched == len(matched) == job.created_pushes
    assert job.skipped == 0 and job.grants == 0 and job.created_by == pol.officer
    pushes = Push.objects.filter(item=item)
    assert set(pushes.values_list("enterprise_id", flat=True)) == matched
    # the demo enterprise has a user: an inbox message (delivered at once) and an SMS
    demo = pushes.get(enterprise_id=pol.demo.pk)
    assert demo.status == S.DELIVERED and demo.sent_at and demo.delivered_at
    inbox = messages_of(pol.ent_user).filter(channel="inbox").get()
    assert len(demo.message_ids) == 2 and inbox.pk in demo.message_ids
    assert inbox.link == push_service.desk_link(demo.pk)
    assert inbox.dedupe_key == f"policy.push:{demo.pk}"
    assert item.title in inbox.subject
    # the others have no account on the platform
    assert pushes.exclude(pk=demo.pk).exclude(status=S.UNREACHABLE).count() == 0
    assert job.sent == 1
    # one audit record for the fan-out and one per batch, none per push
    assert audits("policy.push.fanout") == 1
    assert audits("policy.push.send") == -(-len(matched) // push_service.BATCH_SIZE)
    assert audits("policy.push.finish") == 1


def test_the_sms_carries_no_personal_data(pol, pushed):
    from tests.policy.conftest import DEMO_USCC

    pol.ent_user.mobile = "13800138000"
    pol.ent_user.save(update_fields=["mobile"])
    item = pushed("employees >= 50")
    sms = messages_of(pol.ent_user).get(channel="sms")
    assert sms.address == "13800138000"
    for private in ("13800138000", DEMO_USCC, pol.demo.name, str(pol.ent_user)):
        assert private not in sms.body and private not in sms.subject
    assert item.document.document_number in sms.body


def test_republishing_a_revised_item_pushes_only_the_newly_matched(pol, pushed, run_tasks):
    item = pushed("employees >= 2000")
    first = set(Push.objects.filter(item=item).values_list("enterprise_id", flat=True))
    delivered = Push.objects.filter(item=item, enterprise_id=pol.demo.pk).first()
    with run_tasks():
        services.item_revise(actor=pol.officer, item_id=item.pk)
        services.item_update(
            actor=pol.officer, item_id=item.pk, data={"rule_text": "employees >= 50"}
        )
        services.item_publish(actor=pol.officer, item_id=item.pk)
    run_everything()
    job = PushJob.objects.filter(item=item).latest("pk")
    matched = set(facade.item_matches(item.pk))
    assert first < matched
    assert job.version == 2 and job.matched == len(matched)
    assert job.skipped == len(first) and job.created_pushes == len(matched) - len(first)
    pushes = Push.objects.filter(item=item)
    assert pushes.count() == len(matched)  # one push per enterprise, whatever the version
    assert set(pushes.filter(version=2).values_list("enterprise_id", flat=True)) == matched - first
    assert delivered is None or pushes.get(pk=delivered.pk).version == 1
    # the demo enterprise was told once
    assert messages_of(pol.ent_user).filter(channel="inbox").count() == 1


def test_an_exempt_item_grants_each_qualifying_enterprise_once(pol, pushed, run_tasks):
    item = pushed("employees >= 50", exempt_application=True, amount_cap="20")
    matched = set(facade.item_matches(item.pk))
    job = PushJob.objects.get(item=item)
    grants = Grant.objects.filter(item=item)
    assert job.grants == len(matched) == grants.count()
    assert set(grants.values_list("enterprise_id", flat=True)) == matched
    grant = grants.get(enterprise_id=pol.demo.pk)
    assert grant.status == GrantStatus.APPROVED and str(grant.amount) == "20.00"
    assert grant.version == 1 and grant.approved_at is not None
    notice = messages_of(pol.ent_user).get(channel="inbox")
    assert "免申即享" in notice.subject and "无需提交申请" in notice.body
    # the re-match grants nobody twice
    with run_tasks():
        push_service.push_rematch_all()
    run_everything()
    assert Grant.objects.filter(item=item).count() == len(matched)
    assert PushJob.objects.filter(item=item).latest("pk").grants == 0


def test_a_double_grant_is_prevented_by_the_constraint(pol, pushed):
    from django.db import IntegrityError, transaction

    item = pushed("employees >= 50", exempt_application=True, amount_cap="5")
    with pytest.raises(IntegrityError), transaction.atomic():
        Grant.objects.create(
            item=item, enterprise_id=pol.demo.pk, version=1, approved_at=timezone.now()
        )


def test_an_enterprise_without_account_users_is_unreachable(pol, pushed):
    from yiwang.core.models import User

    User.objects.filter(pk=pol.ent_user.pk).update(is_active=False)
    item = pushed("employees >= 50")
    push = Push.objects.get(item=item, enterprise_id=pol.demo.pk)
    assert push.status == S.UNREACHABLE and push.message_ids == [] and push.sent_at is None
    assert PushJob.objects.get(item=item).sent == 0


# --- throttling and withdrawal --------------------------------------------------------------------


def test_batches_are_throttled_by_the_configured_rate(pol, make_item, run_tasks, monkeypatch):
    monkeypatch.setattr(push_service, "BATCH_SIZE", 20)
    monkeypatch.setenv("YIWANG_POLICY_PUSH_PER_MINUTE", "600")
    assert push_service.batch_delay(0) == 0 and push_service.batch_delay(3) == 6.0
    with run_tasks():
        item = make_item("employees >= 50")
    job = PushJob.objects.get(item=item)
    batches = -(-job.created_pushes // 20)
    assert batches > 2
    # the first batch went at once, the others wait for their time
    assert scheduled_count() == batches - 1
    assert Push.objects.filter(item=item, status=S.PENDING).count() == job.created_pushes - 20
    job.refresh_from_db()
    assert job.status == J.RUNNING
    run_everything()
    job.refresh_from_db()
    assert job.status == J.DONE and not Push.objects.filter(item=item, status=S.PENDING).exists()


def test_withdrawal_cancels_pending_pushes_and_later_batches_send_nothing(
    pol, make_item, run_tasks, monkeypatch
):
    from yiwang.notify.models import Message

    monkeypatch.setattr(push_service, "BATCH_SIZE", 20)
    with run_tasks():
        item = make_item("employees >= 50")
    job = PushJob.objects.get(item=item)
    pending = Push.objects.filter(item=item, status=S.PENDING).count()
    assert pending > 0 and scheduled_count() > 0
    sent_before = set(Push.objects.filter(item=item).exclude(status=S.PENDING).values_list("pk"))
    messages_before = Message.objects.count()
    with run_tasks():
        services.item_withdraw(actor=pol.officer, item_id=item.pk, reason="政策调整")
    job.refresh_from_db()
    assert job.status == J.CANCELLED and job.finished_at is not None
    assert Push.objects.filter(item=item, status=S.PENDING).count() == 0
    assert Push.objects.filter(item=item, status=S.CANCELLED).count() == pending
    assert audits("policy.push.stop") == 1
    run_everything()  # the later batches come due
    assert Message.objects.count() == messages_before
    assert Push.objects.filter(item=item, status=S.CANCELLED).count() == pending
    assert set(Push.objects.filter(item=item).exclude(status=S.CANCELLED).values_list("pk")) == (
        sent_before
    )


def test_withdrawing_the_document_stops_the_pushes_of_its_items(
    pol, published_doc, make_item, run_tasks, monkeypatch
):
    monkeypatch.setattr(push_service, "BATCH_SIZE", 20)
    with run_tasks():
        item = make_item("employees >= 50")
    with run_tasks():
        services.document_withdraw(actor=pol.officer, document_id=published_doc.pk, reason="废止")
    assert PushJob.objects.get(item=item).status == J.CANCELLED
    assert not Push.objects.filter(item=item, status=S.PENDING).exists()


def test_a_job_of_an_item_gone_offline_cancels_instead_of_sending(
    pol, make_item, django_capture_on_commit_callbacks
):
    """Withdrawn without the after-commit stop (a crash): the job itself re-checks."""
    from yiwang.policy.models import PolicyItem

    with django_capture_on_commit_callbacks(execute=True):
        item = make_item("employees >= 50")
    PolicyItem.objects.filter(pk=item.pk).update(status="withdrawn")
    run_everything()
    assert PushJob.objects.get(item=item).status == J.CANCELLED
    assert not Push.objects.exclude(status=S.CANCELLED).filter(item=item).exists()


def test_republishing_after_a_withdrawal_notifies_the_cancelled_ones(
    pol, make_item, run_tasks, monkeypatch
):
    monkeypatch.setattr(push_service, "BATCH_SIZE", 20)
    with run_tasks():
        item = make_item("employees >= 50")
    with run_tasks():
        services.item_revise(actor=pol.officer, item_id=item.pk)
    cancelled = Push.objects.filter(item=item, status=S.CANCELLED).count()
    assert cancelled > 0
    with run_tasks():
        services.item_publish(actor=pol.officer, item_id=item.pk)
    run_everything()
    job = PushJob.objects.filter(item=item).latest("pk")
    assert job.created_pushes == cancelled and job.status == J.DONE
    assert not Push.objects.filter(item=item, status__in=[S.CANCELLED, S.PENDING]).exists()
    assert Push.objects.filter(item=item).count() == job.matched


# --- bad input and access -------------------------------------------------------------------------


def test_pushing_a_withdrawn_item_is_a_409(pol, make_item):
    item = make_item("employees >= 50")
    services.item_withdraw(actor=pol.officer, item_id=item.pk, reason="政策调整")
    with pytest.raises(Conflict) as exc:
        push_service.push_start(actor=pol.officer, item_id=item.pk, trigger=PushTrigger.MANUAL)
    assert exc.value.code == "policy.push_not_published" and exc.value.status == 409
    draft = make_item("employees >= 50", publish=False)
    with pytest.raises(Conflict) as exc:
        push_service.push_start(actor=pol.officer, item_id=draft.pk, trigger=PushTrigger.MANUAL)
    assert exc.value.code == "policy.push_not_published"
    assert not PushJob.objects.exists()


def test_only_officers_in_scope_start_a_push(pol, make_item):
    item = make_item("employees >= 50")
    with pytest.raises(NotFound):
        push_service.push_start(
            actor=pol.other_officer, item_id=item.pk, trigger=PushTrigger.MANUAL
        )
    for actor in (pol.handler, pol.ent_user, pol.leader):
        with pytest.raises(Forbidden):
            push_service.push_start(actor=actor, item_id=item.pk, trigger=PushTrigger.MANUAL)
    job = push_service.push_start(actor=pol.admin, item_id=item.pk, trigger=PushTrigger.MANUAL)
    assert job.status == J.QUEUED and job.created_by == pol.admin


def test_bad_trigger_and_far_schedule_are_422(pol, make_item):
    item = make_item("employees >= 50")
    with pytest.raises(InvalidInput) as exc:
        push_service.push_start(actor=pol.officer, item_id=item.pk, trigger="whenever")
    assert exc.value.errors[0]["field"] == "trigger"
    with pytest.raises(InvalidInput) as exc:
        push_service.push_start(
            actor=pol.officer,
            item_id=item.pk,
            trigger=PushTrigger.SCHEDULE,
            run_at=timezone.now() + dt.timedelta(days=400),
        )
    assert exc.value.code == "policy.push_run_at_too_far"


def test_a_second_start_returns_the_active_job(pol, make_item):
    item = make_item("employees >= 50")
    first = push_service.push_start(actor=pol.officer, item_id=item.pk, trigger="manual")
    again = push_service.push_start(actor=pol.officer, item_id=item.pk, trigger="manual")
    assert first.started_now and not again.started_now and again.pk == first.pk
    assert PushJob.objects.filter(item=item).count() == 1


def test_an_officer_cancels_a_scheduled_job(pol, make_item):
    item = make_item("employees >= 50")
    job = push_service.push_start(
        actor=pol.officer,
        item_id=item.pk,
        trigger=PushTrigger.SCHEDULE,
        run_at=timezone.now() + dt.timedelta(hours=2),
    )
    with pytest.raises(NotFound):
        push_service.push_job_cancel(actor=pol.other_officer, job_id=job.pk)
    job = push_service.push_job_cancel(actor=pol.officer, job_id=job.pk)
    assert job.status == J.CANCELLED
    with pytest.raises(Conflict):
        push_service.push_job_cancel(actor=pol.officer, job_id=job.pk)


# --- schedule, re-match, sweeps -------------------------------------------------------------------


def test_a_scheduled_job_starts_when_due(pol, make_item, run_tasks):
    item = make_item("employees >= 50")
    now = timezone.now()
    with run_tasks():
        job = push_service.push_start(
            actor=pol.officer,
            item_id=item.pk,
            trigger=PushTrigger.SCHEDULE,
            run_at=now + dt.timedelta(hours=1),
        )
    assert job.status == J.SCHEDULED and job.run_at > now
    assert not Push.objects.exists()
    with run_tasks():
        assert push_service.push_jobs_due(now=now) == []
    with run_tasks():
        assert push_service.push_jobs_due(now=now + dt.timedelta(hours=2)) == [job.pk]
    run_everything()
    job.refresh_from_db()
    assert job.status == J.DONE and job.trigger == PushTrigger.SCHEDULE
    assert Push.objects.filter(item=item).count() == job.matched > 0


def test_a_due_job_of_a_withdrawn_item_is_cancelled(pol, make_item):
    item = make_item("employees >= 50")
    job = push_service.push_start(
        actor=pol.officer,
        item_id=item.pk,
        trigger=PushTrigger.SCHEDULE,
        run_at=timezone.now() + dt.timedelta(minutes=5),
    )
    services.item_withdraw(actor=pol.officer, item_id=item.pk, reason="政策调整")  # no commit
    push_service.push_jobs_due(now=timezone.now() + dt.timedelta(minutes=10))
    job.refresh_from_db()
    assert job.status == J.CANCELLED


def test_the_rematch_pushes_an_enterprise_that_newly_qualifies_once(pol, pushed, run_tasks):
    from yiwang.registry.services.profiles import enterprise_save

    item = pushed('employees >= 40 and district = "斗门区"')
    assert not Push.objects.filter(item=item, enterprise_id=pol.other.pk).exists()
    before = Push.objects.filter(item=item).count()
    enterprise_save(actor=None, city_id=pol.city.pk, data={"uscc": OTHER_USCC, "employees": 45})
    with run_tasks():
        started = push_service.push_rematch_all()
    assert len(started) == 1
    run_everything()
    job = PushJob.objects.get(pk=started[0])
    assert job.trigger == PushTrigger.REMATCH and job.status == J.DONE
    assert job.created_pushes == 1 and job.skipped == before
    push = Push.objects.get(item=item, enterprise_id=pol.other.pk)
    assert push.status == S.DELIVERED and push.job_id == job.pk
    assert messages_of(pol.other_user).filter(channel="inbox").count() == 1
    # a second re-match adds nothing
    with run_tasks():
        push_service.push_rematch_all()
    run_everything()
    assert Push.objects.filter(item=item).count() == before + 1
    assert PushJob.objects.filter(item=item).latest("pk").created_pushes == 0
    assert messages_of(pol.other_user).filter(channel="inbox").count() == 1


def test_the_rematch_skips_items_with_an_active_job(pol, make_item):
    item = make_item("employees >= 50")
    job = push_service.push_start(actor=pol.officer, item_id=item.pk, trigger="manual")
    assert push_service.push_rematch_all() == []
    assert PushJob.objects.filter(item=item).get() == job


def test_the_sweep_queues_a_job_whose_task_was_lost(
    pol, make_item, run_tasks, django_capture_on_commit_callbacks
):
    from huey.contrib.djhuey import HUEY

    item = make_item("employees >= 50")
    with django_capture_on_commit_callbacks(execute=True):
        job = push_service.push_start(actor=pol.officer, item_id=item.pk, trigger="manual")
    HUEY.flush()  # the task is lost
    assert push_service.push_jobs_resume() == []  # not stalled yet
    later = timezone.now() + dt.timedelta(minutes=5)
    with run_tasks():
        assert push_service.push_jobs_resume(now=later) == [job.pk]
    run_everything()
    job.refresh_from_db()
    assert job.status == J.DONE and job.created_pushes == job.matched > 0


def test_a_silent_running_job_is_resumed_without_duplicates(pol, make_item, run_tasks, monkeypatch):
    from huey.contrib.djhuey import HUEY

    monkeypatch.setattr(push_service, "BATCH_SIZE", 20)
    with run_tasks():
        item = make_item("employees >= 50")
    HUEY.flush()  # the scheduled batches are lost
    job = PushJob.objects.get(item=item)
    pending = Push.objects.filter(item=item, status=S.PENDING).count()
    assert job.status == J.RUNNING and pending > 0
    later = timezone.now() + dt.timedelta(hours=1)
    with run_tasks():
        assert push_service.push_jobs_resume(now=later) == [job.pk]
    run_everything()
    job.refresh_from_db()
    assert job.status == J.DONE and job.skipped == 0
    assert job.created_pushes == job.matched == Push.objects.filter(item=item).count()
    assert not Push.objects.filter(item=item, status=S.PENDING).exists()


def test_delivery_sync_follows_the_message_statuses(pol, pushed):
    from yiwang.notify.models import Message

    item = pushed("employees >= 50")
    push = Push.objects.get(item=item, enterprise_id=pol.demo.pk)
    sms = messages_of(pol.ent_user).get(channel="sms")
    # a push whose only message is the SMS: sent, then delivered or failed with it
    Push.objects.filter(pk=push.pk).update(status=S.SENT, message_ids=[sms.pk], delivered_at=None)
    Message.objects.filter(pk=sms.pk).update(status="sent")
    assert push_service.push_delivery_sync() == {"delivered": 0, "failed": 0}
    Message.objects.filter(pk=sms.pk).update(status="failed")
    assert push_service.push_delivery_sync() == {"delivered": 0, "failed": 1}
    assert Push.objects.get(pk=push.pk).status == S.FAILED
    Push.objects.filter(pk=push.pk).update(status=S.SENT)
    Message.objects.filter(pk=sms.pk).update(status="delivered")
    assert push_service.push_delivery_sync() == {"delivered": 1, "failed": 0}
    push.refresh_from_db()
    assert push.status == S.DELIVERED and push.delivered_at is not None


def test_counts_and_rates(pol, pushed):
    item = pushed("employees >= 50")
    counts = push_reads.push_counts(Push.objects.filter(item=item))
    assert counts.total == Push.objects.filter(item=item).count()
    assert counts.delivered == 1 and counts.unreachable == counts.total - 1
    assert counts.delivery_rate == pytest.approx(1 / counts.total) and counts.read_rate == 0
    progress = push_reads.job_progress(PushJob.objects.get(item=item))
    assert progress.finished and progress.percent == 100 and progress.pending == 0


def test_the_periodic_tasks_are_declared():
    from yiwang.policy import tasks

    minute = dt.datetime(2026, 12, 1, 3, 17)
    for task in (tasks.policy_push_sweep_task, tasks.policy_push_delivery_sync_task):
        assert task.s().validate_datetime(minute)
    rematch = tasks.policy_push_rematch_task.s()
    # 07:30 in Shanghai is 23:30 UTC (Huey runs on UTC)
    assert rematch.validate_datetime(dt.datetime(2026, 12, 1, 23, 30))
    assert not rematch.validate_datetime(dt.datetime(2026, 12, 1, 7, 30))


# --- the demo seed --------------------------------------------------------------------------------


def test_the_demo_seed_pushes_every_published_item_once(db):
    import random

    from faker import Faker
    from rich.console import Console
    from rich.progress import Progress

    from yiwang.core.models import EnterpriseAccount, EnterpriseMember
    from yiwang.core.seed import SCALES, SeedContext, _discover
    from yiwang.policy.models import PolicyItem
    from yiwang.registry.models import Enterprise

    steps = ("core.organisations", "core.accounts", "core.public", "registry.enterprises",
             "policy.documents", "policy.push")  # fmt: skip

    def run(names) -> dict:
        selected = [s for s in _discover() if s.name in names]
        faker = Faker("zh_CN")
        with Progress(console=Console(quiet=True)) as progress:
            ctx = SeedContext(
                scale="small", rng=random.Random(1), faker=faker, progress=progress,
                params=SCALES["small"],
            )  # fmt: skip
            for step in selected:
                ctx.rng = random.Random(f"20230714:{step.name}")
                faker.seed_instance(f"20230714:{step.name}")
                step.fn(ctx)
        return ctx.counts

    counts = run(steps)
    enterprises = Enterprise.objects.count()
    staffed = EnterpriseAccount.objects.filter(members__isnull=False).distinct().count()
    assert 0.14 * enterprises <= staffed <= 0.17 * enterprises
    users = EnterpriseMember.objects.filter(user__username__startswith="qy")
    assert users.count() == counts["enterprise users (policy push)"]
    assert not users.filter(user__password__regex=r"^[^!]").exists()  # unusable passwords
    published = PolicyItem.objects.filter(status="published", document__status="published")
    jobs = PushJob.objects.filter(item__in=published)
    assert set(jobs.values_list("item_id", flat=True)) == set(
        published.values_list("pk", flat=True)
    )
    assert set(jobs.values_list("status", flat=True)) == {J.DONE}
    assert counts["policy pushes"] == Push.objects.count() > 0
    statuses = set(Push.objects.values_list("status", flat=True))
    assert statuses == {S.DELIVERED, S.UNREACHABLE}
    exempt = published.filter(exempt_application=True)
    assert counts["policy grants (免申即享)"] == Grant.objects.count() > 0
    assert set(Grant.objects.values_list("item_id", flat=True)) <= set(
        exempt.values_list("pk", flat=True)
    )
    # idempotent: a second run pushes nothing and creates nobody
    again = run(("policy.push",))
    assert (
        again.get("policy pushes", 0) == 0 and again.get("enterprise users (policy push)", 0) == 0
    )
    assert PushJob.objects.filter(item__in=published).count() == jobs.count()


def test_a_failed_fan_out_leaves_its_enterprises_to_the_next_job(
    pol, make_item, run_tasks, monkeypatch
):
    item = make_item("employees >= 50", exempt_application=True)
    job = push_service.push_start(actor=pol.officer, item_id=item.pk, trigger="manual")

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    with monkeypatch.context() as patch:
        patch.setattr(push_service, "_grant", broken)
        job = push_service.push_job_run(job_id=job.pk)
    assert job.status == J.FAILED and "the disk is full" in job.message
    assert Push.objects.filter(item=item).count() == job.created_pushes > 0
    assert not Push.objects.filter(item=item, status=S.PENDING).exists()
    with run_tasks():
        push_service.push_rematch_all()
    run_everything()
    last = PushJob.objects.filter(item=item).latest("pk")
    assert last.status == J.DONE and last.created_pushes == job.created_pushes
    assert not Push.objects.filter(item=item, status__in=[S.PENDING, S.CANCELLED]).exists()
