"""Domain core: question bank, rubric scoring, the session state machine and reports.

Nothing here touches audio devices, models, networks or terminals: adapters and
frontends are wired in through the Protocols in :mod:`voicemock.core.ports`.
"""
