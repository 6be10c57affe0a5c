"""Files in and out: each reader returns records and problems, each writer is its exact inverse."""
