"""Contact records (交渉記録): each attempt and what it sets in motion, corrections,
and the records as the pages read them. services.py writes, selectors.py reads; the
correction page is views.py (forms.py, urls.py under /calls/records/)."""
