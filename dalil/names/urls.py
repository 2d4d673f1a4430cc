from django.urls import path

from dalil.names import views

app_name = "names"
urlpatterns = [
    path("search/", views.search, name="search"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("duplicates/<int:pk>/", views.duplicate, name="duplicate"),
    path("duplicates/<int:pk>/decide/", views.decide, name="decide"),
]
