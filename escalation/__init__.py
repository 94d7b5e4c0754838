"""Iltapiiri escalation: the pure case model for professional counsellors (docs/escalation.md).

    case.py      the case record, its states, sources and outcomes (metadata only)
    machine.py   the state machine: one table, one function per event, exactly-one claim
    queue.py     queue order (level, then wait), honest position, estimated wait
    offering.py  counsellor availability and capacity, fair offering
    timers.py    stored deadlines and what is due at time t
    hours.py     opening hours in the service's time zone
    fallback.py  what to tell the person when a counsellor cannot come soon
    health.py    supervisor queue health and retention expiry
    policy.py    the validated settings (parsed from config/escalation.toml by config/escalation.py)

No I/O, clock or randomness: time and ids are passed in (tests/moderation/test_pure_models.py).
"""
