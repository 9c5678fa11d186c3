from accounts.models import Role


def navigation(request):
    """Role flags for the navigation; one query at most (the active membership is cached)."""
    membership = getattr(request, "membership", None)
    role = membership.role if membership else ""
    return {
        "membership": membership,
        "role": role,
        "is_org_admin": role == Role.ORG_ADMIN,
        "is_coordinator": role == Role.COORDINATOR,
    }
