"""Audio in and out: decoding answer files, writing answer WAVs, detecting speech."""

from voicemock.audio.files import FileSource, decode_file
from voicemock.audio.wav import WavWriter, write_wav

SAMPLE_RATE = 16_000

__all__ = ["SAMPLE_RATE", "FileSource", "WavWriter", "decode_file", "write_wav"]
