"""Admin pages of every hotline model render; the facade answers in plain values."""

from __future__ import annotations

import pytest

from yiwang.core.errors import NotFound
from yiwang.hotline import facade


@pytest.mark.parametrize(
    "model",
    [
        "workorder",
        "workorderevent",
        "slapolicy",
        "dispatchrule",
        "slaalert",
        "dailycounter",
        "crosscitytransfer",
        "attachment",
        "knowledgearticle",
    ],
)
def test_admin_changelist_renders(client, hl, make_order, model):
    from yiwang.core.models import User

    make_order()
    admin = User.objects.create_superuser(username="root", password="Yiwang#2026pass")
    client.force_login(admin)
    response = client.get(f"/admin/hotline/{model}/")
    assert response.status_code == 200
    if model == "workorder":
        assert "138****8000" in response.content.decode()
        assert "13800138000" not in response.content.decode()


def test_admin_order_detail_is_read_only_and_masked(client, hl, make_order):
    from yiwang.core.models import User

    order = make_order()
    admin = User.objects.create_superuser(username="root", password="Yiwang#2026pass")
    client.force_login(admin)
    response = client.get(f"/admin/hotline/workorder/{order.pk}/change/")
    assert response.status_code == 200
    assert "13800138000" not in response.content.decode()


def test_facade_summary_is_scoped(hl, make_order):
    order = make_order()
    ref = facade.work_order_summary(actor=hl.handler, pk=order.pk)
    assert ref.number == order.number and ref.status == "dispatched"
    assert facade.open_order_count(actor=hl.handler) == 1
    assert facade.open_order_count(actor=hl.dm_handler) == 0
    with pytest.raises(NotFound):
        facade.work_order_summary(actor=hl.dm_handler, pk=order.pk)
