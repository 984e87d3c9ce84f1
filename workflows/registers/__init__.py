"""Registers (台账) to Excel: each register's rows for a reach and dates, and its workbook."""
