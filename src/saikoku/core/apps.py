from django.apps import AppConfig


class Config(AppConfig):
    name = "saikoku.core"
    label = "core"
