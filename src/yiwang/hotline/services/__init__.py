"""Write services of the hotline (each ``<entity>_<verb>(*, actor, ...)``, audited)."""

from yiwang.hotline.services.attachments import attachment_add
from yiwang.hotline.services.dispatch import (
    dispatch_rule_create,
    dispatch_rule_deactivate,
    dispatch_rule_revise,
    work_order_auto_dispatch,
    work_order_dispatch,
    work_order_reassign,
)
from yiwang.hotline.services.intake import work_order_create
from yiwang.hotline.services.knowledge import (
    knowledge_article_create,
    knowledge_article_deactivate,
    knowledge_article_update,
)
from yiwang.hotline.services.sla import sla_policy_revise, sla_sweep
from yiwang.hotline.services.stats import stats_rollup, stats_rollup_recent
from yiwang.hotline.services.transfer import (
    transfer_deliver,
    transfer_outcome_receive,
    transfer_receive,
    transfer_retry,
    transfer_retry_sweep,
    work_order_transfer_city,
)
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
    "attachment_add",
    "dispatch_rule_create",
    "dispatch_rule_deactivate",
    "dispatch_rule_revise",
    "knowledge_article_create",
    "knowledge_article_deactivate",
    "knowledge_article_update",
    "sla_policy_revise",
    "sla_sweep",
    "stats_rollup",
    "stats_rollup_recent",
    "transfer_deliver",
    "transfer_outcome_receive",
    "transfer_receive",
    "transfer_retry",
    "transfer_retry_sweep",
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
    "work_order_transfer_city",
    "work_order_urge",
]
