"""Extraction: a stored document's bytes turned into an `Invoice` with, for every field, a
confidence and the place it was read from.

Order of the readers (see ARCHITECTURE.md): the e-invoice XML embedded in a PDF or sent bare
(`einvoice`), then the PDF text layer (`text` + `fields`), then OCR (`ocr` + `fields`). Nothing here
touches the database: identifying the third party in the dossier and booking belong to `booking`.
"""
