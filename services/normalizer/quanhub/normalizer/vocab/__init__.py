"""Source vocabularies: one folder per code system, each a cited code table and a lookup.

Every module here is pure: no I/O, no clock, no metrics. `registry` names them all.
"""
