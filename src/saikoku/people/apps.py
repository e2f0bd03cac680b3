from django.apps import AppConfig


class Config(AppConfig):
    name = "saikoku.people"
    label = "people"

    def ready(self) -> None:
        from saikoku.interchange.hooks import register_after_import
        from saikoku.people.search_index import after_package_import

        # The search index follows every import, in its transaction (search_index.py).
        register_after_import(after_package_import)
