"""Roster import: a county's 学籍 files read, checked row by row, previewed, then committed."""
