"""The report download form: which collection, language, format and profile, and whether to add photographs."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dalil.evidence.models import Collection
from dalil.exports import profiles
from dalil.reports.document import DEFAULT_PHOTO_LIMIT, ReportError, Request


class ReportForm(forms.Form):
    collection = forms.ChoiceField(label=_("Collection"))
    lang = forms.ChoiceField(label=_("Language"), choices=[("ar", "العربية"), ("en", "English")])
    format = forms.ChoiceField(label=_("Format"), choices=[("pdf", "PDF"), ("html", "HTML")])
    profile = forms.ChoiceField(label=_("For"), choices=[
        (profiles.PROSECUTOR.name, _("prosecutors (every figure, the annex of cases)")),
        (profiles.PARTNER.name, _("a partner organisation (every figure, the annex of cases)")),
        (profiles.PUBLIC.name, _("the public (aggregates only, small counts suppressed)")),
    ])
    with_photos = forms.BooleanField(label=_("Add photographs (one per case, blurred)"), required=False)
    unblurred = forms.BooleanField(label=_("Unblurred thumbnails instead (prosecutors only)"), required=False)
    photo_limit = forms.IntegerField(label=_("Cases with a photograph (0: every case)"), min_value=0,
                                     max_value=10000, initial=DEFAULT_PHOTO_LIMIT, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = list(Collection.objects.order_by("name").values_list("name", flat=True))
        self.fields["collection"].choices = [(n, n) for n in names]

    def report_request(self, actor: str) -> Request:
        data = self.cleaned_data
        return Request(collection=data["collection"], lang=data["lang"], format=data["format"],
                       profile=data["profile"], with_photos=data["with_photos"], unblurred=data["unblurred"],
                       photo_limit=DEFAULT_PHOTO_LIMIT if data["photo_limit"] is None else data["photo_limit"],
                       actor=actor)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.report_request("").check()
        except ReportError:
            if data["profile"] == profiles.PUBLIC.name and data["with_photos"]:
                raise forms.ValidationError(_("A public report never includes photographs.")) from None
            if data["unblurred"] and (data["profile"] != profiles.PROSECUTOR.name or not data["with_photos"]):
                raise forms.ValidationError(
                    _("Unblurred thumbnails need “Add photographs” and are only for prosecutors.")) from None
            raise
        return data
