from django.apps import AppConfig


class Config(AppConfig):
    name = "saikoku.web"
    label = "web"
