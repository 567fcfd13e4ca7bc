"""Notifications of statement and finding events: e-mail to people, signed webhooks to systems."""
