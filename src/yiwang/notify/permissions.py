"""Permission codes of the notification app, merged by :mod:`yiwang.core.permissions`.

Every signed-in user reads and marks their own inbox without a permission code.
"""

from yiwang.core.choices import Role

ROLE_PERMISSIONS = {
    # templates, channel policies, webhook endpoints, resending failed messages
    Role.PLATFORM_ADMIN: {"notify.manage", "notify.view_message"},
    # delivery status of messages (addresses and bodies masked)
    Role.AUDIT_ADMIN: {"notify.view_message"},
    Role.AUDITOR: {"notify.view_message"},
}
