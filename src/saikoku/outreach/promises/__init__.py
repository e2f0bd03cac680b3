"""Promises to pay (納付約束): made by a contact record (records/services.py), judged
kept or broken from the ward's packages (services.py, after every import and daily)."""
