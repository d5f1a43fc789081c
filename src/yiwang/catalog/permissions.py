"""Permission codes of the catalogue, merged into the role table by core.

Service item editors (事项管理员) of a department draft and submit the implementation items of
their organisation subtree; reviewers (事项审核员, the government-service authority) review and
publish or send back every version of the city, withdraw items and maintain the basic
catalogue; leaders read the consistency report.
"""

from yiwang.core.choices import Role

VIEW = "catalog.view"
EDIT = "catalog.edit"
REVIEW = "catalog.review"
MANAGE_BASIC = "catalog.manage_basic"

ROLE_PERMISSIONS = {
    Role.SERVICE_EDITOR: {VIEW, EDIT},
    Role.SERVICE_REVIEWER: {VIEW, REVIEW, MANAGE_BASIC},
    Role.PLATFORM_ADMIN: {VIEW, MANAGE_BASIC},
    Role.LEADER: {VIEW},
}
