"""Write services of the hotline (each ``<entity>_<verb>(*, actor, ...)``, audited)."""

from yiwang.hotline.services.dispatch import (
    dispatch_rule_create,
    dispatch_rule_deactivate,
    dispatch_rule_revise,
    work_order_auto_dispatch,
    work_order_dispatch,
    work_order_reassign,
)
from yiwang.hotline.services.intake import work_order_create
from yiwang.hotline.services.sla import sla_policy_revise, sla_sweep
from yiwang.hotline.services.workflow import (
    TRANSITIONS,
    work_order_callback,
    work_order_close,
    work_order_extension_request,
    work_order_extension_review,
    work_order_merge,
    work_order_pause,
    work_order_reply,
    work_order_resume,
    work_order_return,
    work_order_return_review,
    work_order_review,
    work_order_sign,
    work_order_start,
    work_order_urge,
)

__all__ = [
    "TRANSITIONS",
    "dispatch_rule_create",
    "dispatch_rule_deactivate",
    "dispatch_rule_revise",
    "sla_policy_revise",
    "sla_sweep",
    "work_order_auto_dispatch",
    "work_order_callback",
    "work_order_close",
    "work_order_create",
    "work_order_dispatch",
    "work_order_extension_request",
    "work_order_extension_review",
    "work_order_merge",
    "work_order_pause",
    "work_order_reassign",
    "work_order_reply",
    "work_order_resume",
    "work_order_return",
    "work_order_return_review",
    "work_order_review",
    "work_order_sign",
    "work_order_start",
    "work_order_urge",
]
