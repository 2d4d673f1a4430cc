from django.urls import path, register_converter

from dalil.archive import views
from dalil.archive.views.cases import actions as case_actions, pages as case_pages


class Sha256Converter:
    regex = "[0-9a-f]{64}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(Sha256Converter, "sha256")

app_name = "archive"
urlpatterns = [
    path("", views.collections, name="collections"),
    path("c/<path:name>/", views.collection, name="collection"),
    path("display/", views.display, name="display"),
    path("item/<sha256:sha256>/", views.item, name="item"),
    path("item/<sha256:sha256>/original/", views.original_warning, name="original_warning"),
    path("item/<sha256:sha256>/original/view/", views.original, name="original"),
    path("item/<sha256:sha256>/thumbnail.jpg", views.thumbnail, name="thumbnail"),
    path("item/<sha256:sha256>/preview.jpg", views.preview, name="preview"),
    path("custody/", views.custody, name="custody"),
    path("quarantine/", views.quarantine, name="quarantine"),
    path("near-duplicates/", views.near_duplicates, name="near_duplicates"),
    path("cases/", case_pages.cases, name="cases"),
    path("cases/<int:pk>/", case_pages.case, name="case"),
    path("cases/<int:pk>/update/", case_actions.case_update, name="case_update"),
    path("cases/<int:pk>/code/", case_actions.case_code, name="case_code"),
    path("cases/<int:pk>/split/", case_actions.case_split, name="case_split"),
    path("cases/<int:pk>/merge/", case_actions.case_merge, name="case_merge"),
    path("cases/<int:pk>/undo/", case_actions.case_undo, name="case_undo"),
]
