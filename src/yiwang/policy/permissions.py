"""Permission codes of policies (政企直通), merged into the role table by core.

Policy officers of a department write and publish the documents and items their organisation
subtree issues; the platform administrator may do so for the whole city; leaders read the
city's. ``policy.citywide`` widens the scope from the actor's organisation subtree to the
actor's city. Enterprise users need no code: they see published items, their own calculator
and explanations for their own enterprise; the public item pages need no sign-in.
"""

from yiwang.core.choices import Role

VIEW = "policy.view"  # documents and items (drafts included) in scope; explanations
MANAGE = "policy.manage"  # create, edit, publish, withdraw documents and items; FAQ
CITYWIDE = "policy.citywide"  # the scope is the actor's city rather than its subtree

ROLE_PERMISSIONS = {
    Role.POLICY_OFFICER: {VIEW, MANAGE},
    Role.PLATFORM_ADMIN: {VIEW, MANAGE, CITYWIDE},
    Role.LEADER: {VIEW, CITYWIDE},
}
