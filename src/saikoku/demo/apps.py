from django.apps import AppConfig


class Config(AppConfig):
    name = "saikoku.demo"
    label = "demo"
