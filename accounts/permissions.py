"""API permission classes. Object-level rules live in the services."""

from rest_framework.permissions import BasePermission

from accounts.selectors import FINANCE_ROLES, SUPERVISING_ROLES, company_ids_for


class IsCompanyStaff(BasePermission):
    """Holds any role in at least one company."""

    def has_permission(self, request, view):
        return bool(company_ids_for(request.user))


class IsSupervising(BasePermission):
    """A supervisor or company admin somewhere."""

    def has_permission(self, request, view):
        return bool(company_ids_for(request.user, SUPERVISING_ROLES))


class IsFinance(BasePermission):
    """Finance staff or a company admin somewhere."""

    def has_permission(self, request, view):
        return bool(company_ids_for(request.user, FINANCE_ROLES))


class IsWorker(BasePermission):
    """A mother: has a worker profile."""

    def has_permission(self, request, view):
        return hasattr(request.user, "worker_profile")
