from django.urls import path, register_converter

from dalil.archive import views


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
    path("cases/", views.cases, name="cases"),
]
