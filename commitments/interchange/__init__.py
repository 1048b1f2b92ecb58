"""Exchange formats: the seed files and the spreadsheets. Each parses its input and calls the
services; none holds a rule of its own."""
