"""A URLconf for tests/web/test_web_errors.py: the project's URLs plus one view that
fails, to see the 500 page a real failure produces."""

from django.urls import path

from saikoku.urls import handler403, handler404, handler500, urlpatterns  # noqa: F401


def _fails(request):
    return 1 // 0


urlpatterns = [path("fails/", _fails), *urlpatterns]
