"""Permission codes of the enterprise registry (一企一档), merged into the role table by core.

Policy officers (政企直通) and the platform administrator manage the files — edit a profile,
import a department's file; leaders read them. Staff see the enterprises of their
jurisdiction (``selectors.Jurisdiction``). Enterprise users need no code: they read their own
file (``/registry/mine/``).
"""

from yiwang.core.choices import Role

VIEW = "registry.view"
MANAGE = "registry.manage"

ROLE_PERMISSIONS = {
    Role.POLICY_OFFICER: {VIEW, MANAGE},
    Role.PLATFORM_ADMIN: {VIEW, MANAGE},
    Role.LEADER: {VIEW},
}
