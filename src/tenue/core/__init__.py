"""Pure accounting domain: money, the PCG, entries, problems. No Django, no I/O."""
