"""Supervision tickets (督办): a planner asks a unit to act by a deadline; the unit answers."""
