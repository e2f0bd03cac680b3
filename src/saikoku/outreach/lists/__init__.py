"""Call lists (架電リスト): a supervisor builds one from filters, the eligibility rules
keep payers out with their reasons, entries are assigned to operators or teams, and
progress is followed per list. services.py writes, selectors.py reads; the pages are
views.py (forms.py, urls.py under /lists/)."""
