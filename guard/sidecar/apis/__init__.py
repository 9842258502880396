"""One module per model API the sidecar speaks besides chat completions: each translates its
requests into the :class:`~guard.types.Message` shapes the core checks, and the core's
(rewritten) texts back into that API's responses, stream events and error shapes."""
