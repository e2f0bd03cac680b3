from django.apps import AppConfig


class Config(AppConfig):
    name = "saikoku.backoffice"
    label = "backoffice"
