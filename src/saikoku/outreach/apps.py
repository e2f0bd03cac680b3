from django.apps import AppConfig


class Config(AppConfig):
    name = "saikoku.outreach"
    label = "outreach"

    def ready(self) -> None:
        from saikoku.core.permissions import register_work_source
        from saikoku.interchange.hooks import register_after_import
        from saikoku.outreach.hooks import after_package_import
        from saikoku.outreach.work import has_outreach_work_for

        register_work_source(has_outreach_work_for)
        register_after_import(after_package_import)
