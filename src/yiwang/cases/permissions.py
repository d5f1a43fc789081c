"""Permission codes of applications (办件), merged into the role table by core.

Case handlers (承办人) of a department see and act on the cases their organisation subtree
holds, and may file on behalf of an applicant (帮办代办); an extension (延期) needs the
approval of the authority's head, which handlers record and leaders may record themselves;
leaders read; the platform administrator sets the clock policy; service editors and reviewers
maintain the application forms. The 一网通办 statistics (``cases.stats``): leaders, the platform
administrator and service reviewers (the government-service authority) read the city's, case
handlers their own organisation subtree's (``yiwang.cases.stats.stats_scope``).
Showing an applicant's full identity and phone number on a department's case page
(``cases.reveal_pii``, audited and rate-limited) is for those who serve the applicant — case
handlers, window staff among them — not for leaders by default.
Applicants (citizens, enterprise staff) need no code: they see and act on their own cases.
"""

from yiwang.core.choices import Role

VIEW = "cases.view"
HANDLE = "cases.handle"
EXTEND = "cases.extend"
ASSIST = "cases.assist"
STATS = "cases.stats"
MANAGE_FORMS = "cases.manage_forms"
MANAGE_POLICY = "cases.manage_policy"
REVEAL_PII = "cases.reveal_pii"

ROLE_PERMISSIONS = {
    Role.CASE_HANDLER: {VIEW, HANDLE, EXTEND, ASSIST, STATS, REVEAL_PII},
    Role.LEADER: {VIEW, EXTEND, STATS},
    Role.SERVICE_EDITOR: {MANAGE_FORMS},
    Role.SERVICE_REVIEWER: {MANAGE_FORMS, STATS},
    Role.PLATFORM_ADMIN: {MANAGE_FORMS, MANAGE_POLICY, STATS},
}
