from django.urls import path

from dalil.faces import views

app_name = "faces"
urlpatterns = [
    path("search/", views.search, name="search"),
    path("crop/<int:face_id>.jpg", views.crop, name="crop"),
]
