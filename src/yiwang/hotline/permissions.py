"""Permission codes of the hotline, merged into the role table by core.

Centre roles (the 12345 centre's operators) intake, dispatch, review, call back and supervise
every order of their city; case handlers act on orders whose lead unit is inside their
organisation subtree; leaders read.
"""

from yiwang.core.choices import Role

VIEW = "hotline.view"
VIEW_CITY = "hotline.view_city"
INTAKE = "hotline.intake"
DISPATCH = "hotline.dispatch"
REVIEW = "hotline.review"
CALLBACK = "hotline.callback"
SUPERVISE = "hotline.supervise"
HANDLE = "hotline.handle"
MANAGE_CATALOGUE = "hotline.manage_catalogue"
STATS = "hotline.stats"
MANAGE_KNOWLEDGE = "hotline.manage_knowledge"

ROLE_PERMISSIONS = {
    Role.HOTLINE_OPERATOR: {
        VIEW,
        VIEW_CITY,
        INTAKE,
        DISPATCH,
        REVIEW,
        CALLBACK,
        SUPERVISE,
        MANAGE_CATALOGUE,
        MANAGE_KNOWLEDGE,
        STATS,
    },
    Role.CASE_HANDLER: {VIEW, HANDLE},
    Role.LEADER: {VIEW, STATS},
    Role.PLATFORM_ADMIN: {MANAGE_CATALOGUE},
}
