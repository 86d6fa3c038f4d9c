"""Pure domain rules: no I/O, no database, no clock reads (dates are passed in)."""
