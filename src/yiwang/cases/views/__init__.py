"""Pages of applications (办件), mounted at /cases/: applying (one item, a 一件事 bundle) and
the receipt; the applicant's "my cases" pages; the department's inbox, case page and action
forms; the 一网通办 statistics. Thin like every view: parse, call this app's selectors and
services, render; domain errors become field errors or messages, invisible cases 404."""

from yiwang.cases.views.apply import apply, bundle_apply, receipt
from yiwang.cases.views.inbox import (
    available_actions,
    inbox,
    inbox_act,
    inbox_detail,
    inbox_document,
    inbox_material,
    inbox_reveal,
)
from yiwang.cases.views.mine import (
    mine,
    mine_detail,
    mine_document,
    mine_material,
    resubmit,
    withdraw,
)
from yiwang.cases.views.stats import stats_page

__all__ = [
    "apply",
    "available_actions",
    "bundle_apply",
    "inbox",
    "inbox_act",
    "inbox_detail",
    "inbox_document",
    "inbox_material",
    "inbox_reveal",
    "mine",
    "mine_detail",
    "mine_document",
    "mine_material",
    "receipt",
    "resubmit",
    "stats_page",
    "withdraw",
]
