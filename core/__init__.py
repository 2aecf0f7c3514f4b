"""The small core every app stands on: no models, no imports of any Homeslot app.

What lives here is shared by all layers of DESIGN.md §3 (lock order, and later the base
errors, ids and clocks): each module names what it holds.
"""
