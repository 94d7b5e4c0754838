"""Socket and HTTP adapters: parse, call a handler, answer."""
