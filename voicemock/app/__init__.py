"""The composition layer: where the parts are put together for the frontends.

``wiring`` builds and runs a round (brain, recogniser, store, microphone, voice) from the
settings and a plan; ``resources`` loads the bundled data (bank, rubrics, knowledge, the
judge); ``history`` reads stored sessions for review, progress and drills; ``doctor``
checks the set-up. The round package below knows none of these; the command line and
the app above use them.
"""
