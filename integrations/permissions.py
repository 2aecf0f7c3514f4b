"""API permission classes of webhooks. Which company's endpoint is the caller's: the selectors."""

from rest_framework.permissions import BasePermission

from integrations.selectors import admin_company_ids


class IsCompanyAdmin(BasePermission):
    """A company admin somewhere (webhooks are hers alone: not supervisors', not finance's)."""

    def has_permission(self, request, view):
        return bool(admin_company_ids(request.user))
