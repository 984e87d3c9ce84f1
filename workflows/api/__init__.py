"""The REST API: cases, steps, contacts, students and the inbox, through the same step registry,
services, reach and refusals as the pages."""
