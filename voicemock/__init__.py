"""voicemock: a voice-first mock interviewer for Confluent PM onsite loops."""

__version__ = "0.1.0"

__all__ = ["__version__"]
