"""Reports: journal, general ledger, trial balances (and later statements and VAT returns)."""
