from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

from .health import healthz
from .site import site

FAVICON = "viewflow/img/favicon.png"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Browsers ask for it on pages that name no icon (the admin's).
    path(
        "favicon.ico",
        lambda request: HttpResponsePermanentRedirect(static(FAVICON)),
        name="favicon",
    ),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("workflows.api.urls")),
    path("", site.urls),
]
