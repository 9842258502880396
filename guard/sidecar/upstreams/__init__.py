"""Pieces of the upstream client: URL styles, response-header relay, circuit breakers and
member ordering. :mod:`guard.sidecar.upstream` puts them together."""
