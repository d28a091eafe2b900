"""A practice round: its events, its contracts, its answer sources, turn-taking, the runner.

- :mod:`~voicemock.round.events`: everything a round reports, as one union.
- :mod:`~voicemock.round.ports`: the brain, transcriber, answer source and voice contracts.
- :mod:`~voicemock.round.session`: the interview as a pure state machine.
- :mod:`~voicemock.round.sources`: answers from recorded files or the microphone.
- :mod:`~voicemock.round.turntaking`: when a spoken answer ends, as a pure state machine.
- :mod:`~voicemock.round.runner`: one round from the first question to the scorecard.

It imports no adapter it does not drive through a contract, and no frontend: the
composition layer, :mod:`voicemock.app`, builds a round from the settings.
"""
