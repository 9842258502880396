"""Other model APIs' wire formats as the core's messages, shared by the sidecar and the hook:
pure translation (JSON dicts in, :class:`~guard.types.Message` out, rewritten texts back in
place) and stream stepping for the core stream guard. No HTTP, no client library."""
