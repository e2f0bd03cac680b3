"""Results back to the ward: the encrypted package of contact records and collected
numbers (services.py writes it and hands it out once; selectors.py reads its rows),
downloaded by the ward_admin (views.py, forms.py, urls.py under /exports/)."""
