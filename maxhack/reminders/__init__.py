"""The reminder engine: planner → timer wheel → fan-out → delivery through the sender."""
