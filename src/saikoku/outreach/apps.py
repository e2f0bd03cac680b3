from django.apps import AppConfig


class Config(AppConfig):
    name = "saikoku.outreach"
    label = "outreach"

    def ready(self) -> None:
        from saikoku.core.permissions import register_work_source
        from saikoku.outreach.work import has_outreach_work_for

        register_work_source(has_outreach_work_for)
