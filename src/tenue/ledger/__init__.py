"""The ledger: fiscal years, journals, accounts, third parties, entries, lines, lettrage."""
