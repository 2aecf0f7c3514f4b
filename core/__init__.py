"""The small core every app stands on: no models, no imports of any Homeslot app.

What lives here is shared by all layers of DESIGN.md §3 — the lock order, the base domain errors
and the error shape of the API, ids, JSON input, the DRF fields and schema shapes every app's
serializers use — so that no domain app imports ``config`` (which wires them together): each module
names what it holds.
"""
