"""Audio in and out: answer files, answer WAVs, the microphone, speech detection, playback."""
