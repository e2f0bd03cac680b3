"""What a Content Security Policy without 'unsafe-inline' would block in a page: the
guard tests (no page carries inline code) and the stored-XSS tests (no payload comes
out as code) ask the same parser."""

from __future__ import annotations

from html.parser import HTMLParser


class _InlineCode(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name.lower() for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        if "style" in names:
            self.found.append(f"style= on <{tag}>")
        self.found += [f"{name}= on <{tag}>" for name in sorted(names) if name.startswith("on")]


def inline_code(html: str) -> list[str]:
    """Each piece of inline script or style in the page (empty: none)."""
    parser = _InlineCode()
    parser.feed(html)
    parser.close()
    return parser.found
