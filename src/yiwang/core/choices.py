"""Enumerations of the core app (organisations, people, roles, tokens, audit)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    FUNCTIONAL_AREA = "area", _("Functional area")
    DEPARTMENT = "department", _("Department")
    STREET = "street", _("Street / town")
    COMMUNITY = "community", _("Community / village")


# Which kinds may sit under which: city → district/area → department/street → community.
ORG_CHILD_KINDS: dict[str, set[str]] = {
    OrgKind.CITY: {OrgKind.DISTRICT, OrgKind.FUNCTIONAL_AREA, OrgKind.DEPARTMENT},
    OrgKind.DISTRICT: {OrgKind.DEPARTMENT, OrgKind.STREET},
    OrgKind.FUNCTIONAL_AREA: {OrgKind.DEPARTMENT, OrgKind.STREET},
    OrgKind.DEPARTMENT: {OrgKind.DEPARTMENT},  # internal offices (科室)
    OrgKind.STREET: {OrgKind.COMMUNITY, OrgKind.DEPARTMENT},
    OrgKind.COMMUNITY: set(),
}


class AccountKind(models.TextChoices):
    STAFF = "staff", _("Government staff")
    CITIZEN = "citizen", _("Citizen")
    ENTERPRISE = "enterprise", _("Enterprise staff")
    SYSTEM = "system", _("System")


class Role(models.TextChoices):
    PLATFORM_ADMIN = "platform_admin", _("Platform administrator (system administrator)")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")
    ORG_ADMIN = "org_admin", _("Organisation administrator")
    HOTLINE_OPERATOR = "hotline_operator", _("Hotline operator")
    CASE_HANDLER = "case_handler", _("Case handler")
    SERVICE_EDITOR = "service_editor", _("Service item editor")
    SERVICE_REVIEWER = "service_reviewer", _("Service item reviewer")
    DATA_OFFICER = "data_officer", _("Chief data officer")
    POLICY_OFFICER = "policy_officer", _("Policy officer (政企直通)")
    SECURITY_ANALYST = "security_analyst", _("Security analyst")
    LEADER = "leader", _("Leader (read-only dashboards)")
    AUDITOR = "auditor", _("Auditor")


# 三权分立: one person may hold at most one of the three administration roles.
SEPARATED_ADMIN_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})


class EnterpriseMemberRole(models.TextChoices):
    ADMIN = "admin", _("Enterprise administrator")
    AGENT = "agent", _("Agent (acts for the enterprise)")


class AuditResult(models.TextChoices):
    SUCCESS = "success", _("Success")
    FAILURE = "failure", _("Failure")


# Roles whose holders may open the Django admin (each admin page still checks its own code).
ADMIN_SITE_ROLES = frozenset(
    {Role.PLATFORM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.ORG_ADMIN}
)
