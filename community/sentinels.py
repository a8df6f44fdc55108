"""Markers for parameters whose None is a real value."""

# The default of the membership parameters (`m`) of the circle rules: the caller did not load
# the membership. A caller that did passes it, None included when there is none, and saves the
# query.
NOT_LOADED = object()
