"""Staff and requester pages of the hotline: intake screen, order detail with its action forms,
unit inbox, centre supervision board, the centre's dispatch catalogue, SLA policies and
cross-city transfers, and the citizen/enterprise "new request" and "my requests" pages.

Thin like every view: parse, call the services/selectors of this app, render. Domain errors
become form errors or messages; a stale ``version`` (409 ``hotline.concurrent_change``) reloads
the order with a message. Every page needs a signed-in user with the page's permission (403
otherwise); orders outside the user's scope answer 404 through the selectors.
"""

from yiwang.hotline.views_workbench.admin_pages import (
    catalogue,
    catalogue_deactivate,
    catalogue_history,
    catalogue_new,
    catalogue_revise,
    sla_policies,
    sla_policy,
    transfer_retry,
    transfers,
)
from yiwang.hotline.views_workbench.intake import intake, intake_assist
from yiwang.hotline.views_workbench.lists import board, hotline_tasks_for, inbox
from yiwang.hotline.views_workbench.orders import available_actions, order_act, order_detail
from yiwang.hotline.views_workbench.public import mine, mine_detail, public_new

__all__ = [
    "available_actions",
    "board",
    "catalogue",
    "catalogue_deactivate",
    "catalogue_history",
    "catalogue_new",
    "catalogue_revise",
    "hotline_tasks_for",
    "inbox",
    "intake",
    "intake_assist",
    "mine",
    "mine_detail",
    "order_act",
    "order_detail",
    "public_new",
    "sla_policies",
    "sla_policy",
    "transfer_retry",
    "transfers",
]
