"""Figures: 辍学率 in both definitions, 巩固率 and the return rate, for any past date, from the
cases' events and the recorded counts."""
