from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_read_only import ReadOnlyAdmin
from core.errors import DomainError
from standards.models import CompanyStanding, ProgrammeObserver
from standards.services import programme_observer_check, programme_observer_save


class ProgrammeObserverForm(forms.ModelForm):
    regions_text = forms.CharField(
        label=_("regions"), help_text=_("Provinces or cities, separated by commas: 广东省, 佛山市"), max_length=400
    )

    class Meta:
        model = ProgrammeObserver
        fields = ("user", "body")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["regions_text"].initial = ", ".join(self.instance.regions)

    def regions(self) -> list[str]:
        return [r.strip() for r in self.cleaned_data.get("regions_text", "").replace("，", ",").split(",")]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("user") is not None:
            try:
                programme_observer_check(user_id=cleaned["user"].pk, regions=self.regions())
            except DomainError as refused:
                raise forms.ValidationError(str(refused.message)) from None
        return cleaned


@admin.register(ProgrammeObserver)
class ProgrammeObserverAdmin(admin.ModelAdmin):
    """Operators make the observer accounts of public programmes (the user first, in Users)."""

    form = ProgrammeObserverForm
    list_display = ("body", "user", "region_list", "created_at")
    raw_id_fields = ("user",)

    @admin.display(description=_("regions"))
    def region_list(self, observer):
        return ", ".join(observer.regions)

    def save_model(self, request, obj, form, change):
        saved = programme_observer_save(
            actor=request.user,
            user_id=form.cleaned_data["user"].pk,
            body=form.cleaned_data["body"],
            regions=form.regions(),
            observer_id=obj.pk,
        )
        obj.pk = saved.pk


@admin.register(CompanyStanding)
class CompanyStandingAdmin(ReadOnlyAdmin):
    list_display = ("company", "badge", "badge_since", "measured_at")
    list_filter = ("badge",)
