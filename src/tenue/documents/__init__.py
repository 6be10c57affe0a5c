"""Documents (pièces): every way in, safe storage, duplicates, the dossier's document store."""
