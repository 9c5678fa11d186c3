from django.urls import path

from accounts.views import (
    audit_log,
    auth,
    factors,
    invitations,
    org,
    passwords,
    recovery,
    sessions,
)

app_name = "accounts"

urlpatterns = [
    # Sign-in: password step, second factor, re-authentication, logout (POST only).
    path("accounts/login/", auth.login, name="login"),
    path("accounts/logout/", auth.logout, name="logout"),
    path("accounts/verify/", auth.verify, name="verify"),
    path("accounts/reauth/", auth.reauth, name="reauth"),
    # Second factors: first enrolment, overview, TOTP, passkeys, backup codes.
    path("accounts/security/", factors.security, name="security"),
    path("accounts/security/enrol/", factors.enrol, name="enrol"),
    path("accounts/security/totp/", factors.totp_enrol, name="totp_enrol"),
    path("accounts/security/totp/<uuid:pk>/remove/", factors.totp_remove, name="totp_remove"),
    path(
        "accounts/security/passkeys/<int:pk>/remove/",
        factors.passkey_remove,
        name="passkey_remove",
    ),
    path("accounts/security/backup-codes/", factors.backup_codes, name="backup_codes"),
    # Own password (current password and a recent second factor).
    path("accounts/security/password/", passwords.password_change, name="password_change"),
    # Own sessions and active organisation.
    path("accounts/sessions/", sessions.session_list, name="sessions"),
    path("accounts/sessions/<str:public_id>/end/", sessions.session_end, name="session_end"),
    path("accounts/sessions/end-others/", sessions.sessions_end_others, name="sessions_end_others"),
    path("accounts/organisation/", sessions.switch_organisation, name="switch_organisation"),
    # Invitations (the token URL stores the token in the session and redirects at once).
    path("invite/accept/", invitations.accept, name="invitation_accept"),
    path("invite/<str:token>/", invitations.open_link, name="invitation_open"),
    # Account recovery links (same pattern as invitations: the token becomes a hash at once).
    path("recover/password/", recovery.accept, name="recovery_accept"),
    path("recover/<str:token>/", recovery.open_link, name="recovery_open"),
    # Organisation admin.
    path("org/members/", org.members, name="members"),
    path("org/members/invite/", org.invite, name="invite"),
    path("org/members/<uuid:pk>/role/", org.member_role, name="member_role"),
    path("org/members/<uuid:pk>/remove/", org.member_remove, name="member_remove"),
    path("org/members/<uuid:pk>/freeze/", org.member_freeze, name="member_freeze"),
    path("org/members/<uuid:pk>/unfreeze/", org.member_unfreeze, name="member_unfreeze"),
    path("org/members/<uuid:pk>/recover/", recovery.member_recover, name="member_recover"),
    path(
        "org/members/<uuid:pk>/recover/link/",
        recovery.member_recovery_link,
        name="member_recovery_link",
    ),
    path("org/invitations/<uuid:pk>/revoke/", org.invitation_revoke, name="invitation_revoke"),
    path("org/audit/", audit_log.org_audit_log, name="org_audit"),
]
