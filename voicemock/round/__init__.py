"""A practice round: its events, its contracts, its answer sources, the runner and the wiring.

- :mod:`~voicemock.round.events`: everything a round reports, as one union.
- :mod:`~voicemock.round.ports`: the brain, transcriber, answer source and voice contracts.
- :mod:`~voicemock.round.session`: the interview as a pure state machine.
- :mod:`~voicemock.round.sources`: answers from recorded files or the microphone.
- :mod:`~voicemock.round.runner`: one round from the first question to the scorecard.
- :mod:`~voicemock.round.wiring`: builds all of it from the settings, for every frontend.
"""
