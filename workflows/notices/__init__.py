"""Notices: the numbered documents a case issues, their proof of service, and their PDFs."""
