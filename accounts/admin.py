import copy
import functools

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from accounts import companies, services
from accounts.models import AccessReason, AuditEntry, Company, CompanyStatus, Membership, User


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


class MembershipEdits:
    """Memberships edited in the admin (inline, or on their own pages) end access like the staff
    services do: the people whose role changed or who were removed have their sockets re-checked.
    The admin's change and delete views run in one transaction, so the rows commit with the edit."""

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Membership:
            removed = [membership.user_id for membership in formset.deleted_objects]
            changed = [membership.user_id for membership, _fields in formset.changed_objects]
            # a membership moved to another person: the one it was taken from loses it
            changed += [f.initial["user"] for f in formset.initial_forms if "user" in f.changed_data]
            services.access_changed(user_ids=removed, reason=AccessReason.MEMBERSHIP_REMOVED)
            services.access_changed(user_ids=changed, reason=AccessReason.ROLE_CHANGED)


@admin.register(User)
class UserAdmin(MembershipEdits, BaseUserAdmin):
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

    def delete_model(self, request, obj):
        services.access_changed(user_ids=[obj.pk], reason=AccessReason.DELETED)
        super().delete_model(request, obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        services.access_changed(user_ids=list(queryset.values_list("pk", flat=True)), reason=AccessReason.DELETED)
        super().delete_queryset(request, queryset)


class RefusalForm(forms.Form):
    reason = forms.CharField(label=_("Reason, for the company to read"), max_length=400, widget=forms.Textarea)


@admin.register(Company)
class CompanyAdmin(MembershipEdits, admin.ModelAdmin):
    list_display = ["id", "name", "status", "credit_code", "region", "created_at"]
    list_filter = ["status"]
    search_fields = ["name", "credit_code"]
    readonly_fields = ["status", "review_reason", "reviewed_by", "reviewed_at"]
    inlines = [MembershipInline]
    actions = ["approve", "refuse"]

    @admin.action(description=_("Approve the selected companies"))
    def approve(self, request, queryset):
        done = 0
        for company in queryset.filter(status=CompanyStatus.PENDING):
            companies.company_review(actor=request.user, company_id=company.pk, approve=True)
            done += 1
        self.message_user(request, _("%(n)s companies approved.") % {"n": done}, messages.SUCCESS)

    @admin.action(description=_("Refuse the selected companies (with a reason)"))
    def refuse(self, request, queryset):
        pending = queryset.filter(status=CompanyStatus.PENDING)
        form = RefusalForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            for company in pending:
                companies.company_review(
                    actor=request.user, company_id=company.pk, approve=False, reason=form.cleaned_data["reason"]
                )
            self.message_user(request, _("%(n)s companies refused.") % {"n": len(pending)}, messages.WARNING)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Refuse companies"),
            "companies": pending,
            "form": form,
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/accounts/company_refuse.html", context)

    def delete_model(self, request, obj):
        staff = list(obj.memberships.values_list("user_id", flat=True))
        services.access_changed(user_ids=staff, reason=AccessReason.MEMBERSHIP_REMOVED)
        super().delete_model(request, obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        staff = Membership.objects.filter(company__in=queryset).values_list("user_id", flat=True)
        services.access_changed(user_ids=list(staff), reason=AccessReason.MEMBERSHIP_REMOVED)
        super().delete_queryset(request, queryset)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "company", "role", "created_at"]
    list_filter = ["role", "company"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and form.changed_data:
            users = [obj.user_id, form.initial.get("user")]
            services.access_changed(user_ids=[u for u in users if u], reason=AccessReason.ROLE_CHANGED)

    def delete_model(self, request, obj):
        services.access_changed(user_ids=[obj.user_id], reason=AccessReason.MEMBERSHIP_REMOVED)
        super().delete_model(request, obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        users = list(queryset.values_list("user_id", flat=True))
        services.access_changed(user_ids=users, reason=AccessReason.MEMBERSHIP_REMOVED)
        super().delete_queryset(request, queryset)


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
