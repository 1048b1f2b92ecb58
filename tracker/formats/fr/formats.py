"""French date formats for what Django formats by itself (the admin's lists and forms, a date
shown with no format): the table format, "01/12/2026". Django's own "j F Y" would write
"1 décembre 2026"; prose uses ``commitments.formatting.long_date`` ("1er décembre 2026").
The other French formats (input formats, separators) stay Django's."""

DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y H:i"
