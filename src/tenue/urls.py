from django.urls import include, path

from tenue.api.views import api

urlpatterns = [
    path("api/", api.urls),
    path("", include("tenue.web.urls")),
]
