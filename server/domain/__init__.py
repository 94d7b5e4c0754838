"""Pure server rules: no I/O; clock and randomness are passed in."""
