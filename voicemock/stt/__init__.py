"""Speech to text with faster-whisper, on the bundled tiny.en model unless told otherwise."""

from voicemock.stt.whisper import WhisperTranscriber, build_prompt, resolve_model

__all__ = ["WhisperTranscriber", "build_prompt", "resolve_model"]
