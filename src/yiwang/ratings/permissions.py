"""Permission codes of 好差评, merged into the role table by core.

Departments (case handlers) handle the 差评 of services delivered inside their organisation
subtree — verification callback, rectification, feedback — and may appeal a wrongful rating;
the service authority (service item reviewers) decides appeals; leaders read. The public
statistics need no permission; the person served rates without any role.
"""

from yiwang.core.choices import Role

VIEW = "ratings.view"  # ratings with comments and their handling, in the actor's subtree
HANDLE = "ratings.handle"  # verify, rectify, feed back, appeal
DECIDE_APPEAL = "ratings.decide_appeal"
MANAGE_POLICY = "ratings.manage_policy"  # the rating window and handling limits (admin)

ROLE_PERMISSIONS = {
    Role.CASE_HANDLER: {VIEW, HANDLE},
    Role.SERVICE_REVIEWER: {VIEW, DECIDE_APPEAL},
    Role.LEADER: {VIEW},
    Role.PLATFORM_ADMIN: {MANAGE_POLICY},
}
