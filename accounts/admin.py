import copy
import functools

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import AuditEntry, Company, Membership, User


class OperatorPasswordChangeForm(AdminPasswordChangeForm):
    """The admin's password form, saved by the service: her tokens and sessions end with it."""

    def __init__(self, user, *args, actor=None, **kwargs):
        self.actor = actor
        super().__init__(user, *args, **kwargs)

    def save(self, commit=True):
        password = self.cleaned_data["password1"] if self.cleaned_data["set_usable_password"] else None
        return services.user_password_set(actor=self.actor, user=self.user, password=password)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["id"]
    list_display = ["id", "phone", "display_name", "is_active", "is_staff", "date_joined"]
    search_fields = ["phone", "display_name"]
    list_filter = ["is_active", "is_staff"]
    fieldsets = [
        (None, {"fields": ["phone", "password", "display_name"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["phone", "password1", "password2"]})]
    inlines = [MembershipInline]
    change_password_form = OperatorPasswordChangeForm

    def user_change_password(self, request, id, form_url=""):
        # Django builds the form as change_password_form(user, data): a copy of this admin, for this
        # request alone, binds the operator to it as the actor of the service.
        bound = copy.copy(self)
        bound.change_password_form = functools.partial(OperatorPasswordChangeForm, actor=request.user)
        return BaseUserAdmin.user_change_password(bound, request, id, form_url)

    def save_model(self, request, obj, form, change):
        deactivated = change and "is_active" in form.changed_data and not obj.is_active
        super().save_model(request, obj, form, change)
        if deactivated:  # in the change view's transaction: her tokens and sessions end with it
            services.user_deactivate(actor=request.user, user=obj)


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "created_at"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "company", "role", "created_at"]
    list_filter = ["role", "company"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "target_type", "target_id", "actor", "company"]
    list_filter = ["action", "target_type"]
    search_fields = ["target_id", "action"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
