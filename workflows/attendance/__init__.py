"""The daily roll and what it tells: school days, rolls taken, rules that propose cases."""
