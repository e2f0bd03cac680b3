from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class JapaneseByDefaultMiddleware:
    """The console is Japanese unless the user picked English with the language switch
    (CONSOLE.md). The browser's Accept-Language is ignored: a shared office PC set up in
    English must not turn the console English for everyone. Sits before LocaleMiddleware,
    which then only honours the language cookie and falls back to LANGUAGE_CODE."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
