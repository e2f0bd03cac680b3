from django.apps import AppConfig


class Config(AppConfig):
    name = "saikoku.people"
    label = "people"
