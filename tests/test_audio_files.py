"""Answer files in every common format decode to 16 kHz mono; bad files fail clearly."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from voicemock.audio.files import FileSource, decode_file
from voicemock.audio.wav import WavWriter
from voicemock.errors import AudioInputError

from .conftest import FIXTURES

ANSWER = FIXTURES / "eo-first.flac"


def encode(
    samples: np.ndarray,
    path: Path,
    codec: str,
    rate: int,
    fmt: str | None = None,
    channels: int = 1,
) -> Path:
    """Write float32 samples (1-D, or 2-D channels x samples) with PyAV."""
    layout = "mono" if channels == 1 else "stereo"
    data = samples.reshape(channels, -1) if samples.ndim == 1 else samples
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=rate, layout=layout)
        sample_fmt = stream.codec_context.codec.audio_formats[0].name
        frame_size = stream.codec_context.frame_size or 1024
        planar = sample_fmt.endswith("p")
        dtype = {"s16": np.int16, "s16p": np.int16, "s32": np.int32, "s32p": np.int32}.get(
            sample_fmt, np.float32
        )
        if dtype is np.int16:
            data = (np.clip(data, -1, 1) * 32767).astype(np.int16)
        elif dtype is np.int32:
            data = (np.clip(data, -1, 1) * 2**31 * 0.99).astype(np.int32)
        else:
            data = data.astype(np.float32)
        pts = 0
        for start in range(0, data.shape[1], frame_size):
            chunk = data[:, start : start + frame_size]
            array = chunk if planar else chunk.T.reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(array), format=sample_fmt, layout=layout
            )
            frame.sample_rate = rate
            frame.pts = pts
            pts += chunk.shape[1]
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def _resample(audio: np.ndarray, rate: int) -> np.ndarray:
    positions = np.arange(0, audio.size, 16_000 / rate)
    return np.interp(positions, np.arange(audio.size), audio).astype(np.float32)


@pytest.fixture(scope="module")
def answer_audio() -> np.ndarray:
    return decode_file(ANSWER)


@pytest.mark.parametrize(
    ("suffix", "codec", "rate", "fmt"),
    [
        ("wav", "pcm_s16le", 44_100, None),
        ("flac", "flac", 48_000, None),
        ("mp3", "libmp3lame", 44_100, None),
        ("m4a", "aac", 48_000, "ipod"),
        ("ogg", "libopus", 48_000, "ogg"),
        ("webm", "libopus", 48_000, "webm"),
    ],
)
def test_formats_decode_to_16k_mono(tmp_path, answer_audio, suffix, codec, rate, fmt):
    source = _resample(answer_audio, rate)
    path = encode(source, tmp_path / f"answer.{suffix}", codec, rate, fmt)
    audio = decode_file(path)
    assert audio.dtype == np.float32 and audio.ndim == 1
    # Same length as the original at 16 kHz, give or take codec padding.
    assert abs(audio.size / 16_000 - answer_audio.size / 16_000) < 0.15
    assert float(np.abs(audio).max()) > 0.1


def test_stereo_is_downmixed(tmp_path, answer_audio):
    left = answer_audio
    right = np.zeros_like(left)
    path = encode(np.stack([left, right]), tmp_path / "stereo.wav", "pcm_s16le", 16_000, channels=2)
    audio = decode_file(path)
    assert audio.ndim == 1 and audio.size == left.size
    # A mono downmix of (x, 0) is x at half amplitude.
    assert np.allclose(audio, left / 2, atol=2e-3)


def test_real_stereo_recording_decodes_to_mono(real_speech):
    audio = decode_file(real_speech / "stereo_diarization.wav")
    assert audio.ndim == 1
    assert 4.5 < audio.size / 16_000 < 5.5


def test_missing_file(tmp_path):
    with pytest.raises(AudioInputError, match="no such file"):
        FileSource(tmp_path / "nope.wav")


def test_folder(tmp_path):
    with pytest.raises(AudioInputError, match="is a folder"):
        FileSource(tmp_path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    with pytest.raises(AudioInputError, match="empty"):
        FileSource(path)


def test_text_file_named_wav(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("these are my notes, not audio\n" * 20)
    with pytest.raises(AudioInputError, match="not a readable audio file"):
        FileSource(path)


def test_truncated_wav(tmp_path, answer_audio):
    path = tmp_path / "full.wav"
    with WavWriter(path) as wav:
        wav.write(answer_audio)
    cut = tmp_path / "cut.wav"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(AudioInputError, match="truncated"):
        FileSource(cut)


@pytest.mark.parametrize(("suffix", "codec"), [("flac", "flac"), ("mp3", "libmp3lame")])
def test_truncated_compressed_file(tmp_path, answer_audio, suffix, codec):
    path = encode(answer_audio, tmp_path / f"full.{suffix}", codec, 16_000)
    cut = tmp_path / f"cut.{suffix}"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(AudioInputError, match="truncated"):
        FileSource(cut)


def test_silent_recording(tmp_path):
    path = tmp_path / "silence.wav"
    with WavWriter(path) as wav:
        wav.write(np.zeros(16_000 * 3, dtype=np.float32))
    with pytest.raises(AudioInputError, match="silent"):
        FileSource(path)


def test_low_noise_without_speech_is_silent(tmp_path):
    rng = np.random.default_rng(7)
    path = tmp_path / "hiss.wav"
    with WavWriter(path) as wav:
        wav.write((rng.standard_normal(16_000 * 3) * 0.003).astype(np.float32))
    with pytest.raises(AudioInputError, match="silent"):
        FileSource(path)


def test_wav_writer_leaves_a_playable_file_after_every_write(tmp_path, answer_audio):
    path = tmp_path / "live.wav"
    writer = WavWriter(path)
    writer.write(answer_audio[:16_000])
    # Not closed: as if the process were killed now.
    audio = decode_file(path)
    assert audio.size == 16_000
    writer.write(answer_audio[16_000:32_000])
    assert decode_file(path).size == 32_000
    writer.close()


def test_frames_are_32ms_chunks(answer_audio):
    source = FileSource(ANSWER)
    frames = list(source.frames())
    assert all(f.size == 512 for f in frames[:-1])
    assert sum(f.size for f in frames) == answer_audio.size
