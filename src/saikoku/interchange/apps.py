from django.apps import AppConfig


class Config(AppConfig):
    name = "saikoku.interchange"
    label = "interchange"
