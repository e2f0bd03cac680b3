from django.apps import AppConfig


class Config(AppConfig):
    name = "saikoku.backoffice"
    label = "backoffice"

    def ready(self) -> None:
        from saikoku.backoffice.work import created_an_open_task_for
        from saikoku.core.permissions import register_work_source

        register_work_source(created_an_open_task_for)
