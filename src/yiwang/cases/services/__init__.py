"""Write services of applications (each ``<entity>_<verb>(*, actor, ...)``, audited)."""

from yiwang.cases.services.forms import form_definition_save
from yiwang.cases.services.submit import application_submit, bundle_submit
from yiwang.cases.services.sweep import case_sweep
from yiwang.cases.services.workflow import (
    TRANSITIONS,
    case_accept,
    case_complete,
    case_decide,
    case_deliver,
    case_extend,
    case_pause,
    case_refuse,
    case_request_correction,
    case_resubmit,
    case_resume,
    case_review,
    case_withdraw,
)

__all__ = [
    "TRANSITIONS",
    "application_submit",
    "bundle_submit",
    "case_accept",
    "case_complete",
    "case_decide",
    "case_deliver",
    "case_extend",
    "case_pause",
    "case_refuse",
    "case_request_correction",
    "case_resubmit",
    "case_resume",
    "case_review",
    "case_sweep",
    "case_withdraw",
    "form_definition_save",
]
