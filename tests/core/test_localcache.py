"""``core.localcache.ProcessCache``: per-process values kept honest by a shared-cache token."""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

from yiwang.core.localcache import ProcessCache


class Loader:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return self.calls


def test_loads_once_while_the_token_stands():
    pc, load = ProcessCache("t-once"), Loader()
    assert [pc.get("k", load) for _ in range(3)] == [1, 1, 1]
    assert load.calls == 1
    assert pc.get("other", load) == 2  # keys are independent


def test_forget_reloads_on_the_next_read():
    pc, load = ProcessCache("t-forget"), Loader()
    pc.get(("lane", "cat"), load)
    pc.forget(("lane", "cat"))
    assert pc.get(("lane", "cat"), load) == 2


def test_another_process_forgetting_drops_our_copy():
    ours, theirs, load = ProcessCache("t-shared"), ProcessCache("t-shared"), Loader()
    ours.get("k", load)
    theirs.forget("k")  # deletes the shared token; our local copy is now stale
    assert ours.get("k", load) == 2


def test_an_expired_token_reloads():
    pc, load = ProcessCache("t-expiry"), Loader()
    pc.get("k", load)
    cache.delete(pc.shared_key("k"))  # what the timeout does
    assert pc.get("k", load) == 2


def test_forget_in_a_transaction_forgets_again_after_commit(django_capture_on_commit_callbacks, db):
    pc, load = ProcessCache("t-commit"), Loader()
    pc.get("k", load)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        pc.forget("k")
        pc.get("k", load)  # re-read inside the writing transaction: tagged anew
        assert cache.get(pc.shared_key("k")) is not None
    assert len(callbacks) == 1
    assert cache.get(pc.shared_key("k")) is None
    assert pc.get("k", load) == 3


def test_shared_keys_are_safe_for_any_cache_backend():
    key = ProcessCache("t-key").shared_key(("general", "complaint"))
    assert key == "localcache:t-key:general:complaint"
    assert " " not in key and "(" not in key
