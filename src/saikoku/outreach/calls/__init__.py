"""The operator's calls: "Next" hands out and locks work (services.py), the call screen
shows the locked payer (selectors.py, views.py, forms.py, urls.py under /calls/), and
dialer.py dials a number through the configured phone system."""
