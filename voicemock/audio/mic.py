"""The microphone: a sounddevice input stream feeding a queue, 16 kHz mono float32."""

from __future__ import annotations

import queue
from time import monotonic
from typing import Any

import numpy as np

from voicemock.audio.devices import NO_DEVICE_HINT, AudioDeviceError, sounddevice
from voicemock.core.models import SAMPLE_RATE


class MicSource:
    """Captures from an input device; resamples when the device cannot do 16 kHz.

    Every block is kept with the time it arrived, so that what was heard while the
    interviewer spoke can be dropped afterwards, up to the moment the question's last
    sample played, and not a moment later (:meth:`drain` with ``before``): an answer
    that starts right after the question is kept whole.
    """

    sample_rate = SAMPLE_RATE
    name = "microphone"

    def __init__(self, device: int | None = None, block_ms: int = 32) -> None:
        self.sd = sounddevice()
        self.device = device
        self.device_name = "the default microphone"
        """What PortAudio calls the device, once it is open."""
        self.level = 0.0
        self.failed: str | None = None
        self._queue: queue.Queue[tuple[float, np.ndarray]] = queue.Queue()
        self._held: tuple[float, np.ndarray] | None = None
        self._stream: Any = None
        self._resampler: Any = None
        self._rate = SAMPLE_RATE
        self._block_ms = block_ms

    def _device_rate(self) -> int:
        sd = self.sd
        try:
            sd.check_input_settings(
                device=self.device, channels=1, samplerate=SAMPLE_RATE, dtype="float32"
            )
            return SAMPLE_RATE
        except sd.PortAudioError as exc:
            if "Error querying device" in str(exc) or "Invalid device" in str(exc):
                raise AudioDeviceError(f"no microphone found ({exc}); {NO_DEVICE_HINT}") from None
            info = sd.query_devices(self.device, "input")
            return int(info["default_samplerate"])
        except ValueError as exc:  # sounddevice raises ValueError for an unknown device
            raise AudioDeviceError(f"no microphone found ({exc}); {NO_DEVICE_HINT}") from None

    def start(self) -> None:
        sd = self.sd
        self._rate = self._device_rate()
        if self._rate != SAMPLE_RATE:
            import av

            self._resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        try:
            self._stream = sd.InputStream(
                samplerate=self._rate,
                channels=1,
                dtype="float32",
                device=self.device,
                blocksize=int(self._rate * self._block_ms / 1000),
                callback=self._callback,
                finished_callback=self._finished,
            )
            self._stream.start()
            self.device_name = str(sd.query_devices(self._stream.device)["name"])
        except sd.PortAudioError as exc:
            raise AudioDeviceError(
                f"cannot open the microphone ({exc}); is another program using it? {NO_DEVICE_HINT}"
            ) from None

    def _callback(self, indata: np.ndarray, frames: int, time: Any, status: Any) -> None:
        samples = indata[:, 0]
        self.level = float(np.sqrt(np.mean(np.square(samples)))) if samples.size else 0.0
        self._queue.put((monotonic(), samples.copy()))

    def _finished(self) -> None:
        if self._stream is not None and not getattr(self, "_closing", False):
            self.failed = "the microphone stopped delivering audio (unplugged or taken over?)"

    def _to_16k(self, samples: np.ndarray) -> np.ndarray:
        if self._resampler is None:
            return samples
        import av

        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = self._rate
        out = [f.to_ndarray().reshape(-1) for f in self._resampler.resample(frame)]
        return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)

    def read(self, timeout: float = 0.5) -> np.ndarray | None:
        """The next chunk of 16 kHz samples, or None if nothing arrived within ``timeout``."""
        if self._held is not None:
            (_, chunk), self._held = self._held, None
            return self._to_16k(chunk)
        try:
            _, chunk = self._queue.get(timeout=timeout)
        except queue.Empty:
            if self.failed:
                raise AudioDeviceError(f"{self.failed}; {NO_DEVICE_HINT}") from None
            return None
        return self._to_16k(chunk)

    def drain(self, before: float | None = None) -> None:
        """Forget what was captured so far, or only the blocks that ended before the
        monotonic time ``before`` (the interviewer's line, up to its last sample)."""
        self._held = None
        while True:
            try:
                arrived, chunk = self._queue.get_nowait()
            except queue.Empty:
                return
            if before is not None and arrived >= before:
                self._held = (arrived, chunk)  # the first block to keep: read next
                return

    def close(self) -> None:
        self._closing = True
        if self._stream is not None:
            try:
                self._stream.stop()
                self._stream.close()
            except self.sd.PortAudioError:
                pass
            self._stream = None
