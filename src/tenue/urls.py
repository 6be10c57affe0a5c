from django.urls import include, path

urlpatterns = [
    path("", include("tenue.web.urls")),
]
