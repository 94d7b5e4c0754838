"""Storage ports and their two implementations (embedded SQLite, Redis)."""
