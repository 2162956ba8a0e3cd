"""Training the reader from the project's own labelled questions (not imported at run time)."""
