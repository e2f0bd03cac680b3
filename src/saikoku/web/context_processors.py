"""What every page of the layout needs beyond the user: the demo banner."""

from __future__ import annotations

from django.http import HttpRequest

from saikoku.web.selectors import demo_hours_banner


def demo(request: HttpRequest) -> dict[str, object]:
    """`demo_hours_banner`: the demo's widened contact hours are in effect, so every page
    says the call screen's hours are not the ward's (docs/demo.md)."""
    return {"demo_hours_banner": demo_hours_banner()}
