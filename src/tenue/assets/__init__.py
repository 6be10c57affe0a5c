"""Fixed assets and their depreciation, loans and their schedules, leases (crédit-bail, LOA,
LLD): persistence, the services that post their entries and the selectors the screens read."""
