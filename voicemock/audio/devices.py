"""Audio devices through sounddevice (PortAudio), with errors a person can act on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from voicemock.errors import VoicemockError

NO_DEVICE_HINT = "list devices with: voicemock devices, or answer from files with --replay FILE"


class AudioDeviceError(VoicemockError):
    """No usable audio device, PortAudio missing, or a device that failed mid-use."""


def sounddevice() -> Any:
    """Import sounddevice, turning a missing PortAudio library into a clear error."""
    try:
        import sounddevice as sd
    except OSError as exc:  # raised when libportaudio cannot be loaded
        raise AudioDeviceError(
            f"the PortAudio library is missing ({exc}); install it "
            "(Debian/Ubuntu: apt-get install libportaudio2) or answer from files with --replay"
        ) from None
    return sd


@dataclass(frozen=True)
class Device:
    index: int
    name: str
    inputs: int
    outputs: int
    default_samplerate: float
    is_default_input: bool
    is_default_output: bool


def list_devices() -> list[Device]:
    sd = sounddevice()
    try:
        devices = sd.query_devices()
        default_in, default_out = sd.default.device
    except sd.PortAudioError as exc:
        raise AudioDeviceError(f"cannot list audio devices ({exc}); {NO_DEVICE_HINT}") from None
    return [
        Device(
            index=i,
            name=d["name"],
            inputs=d["max_input_channels"],
            outputs=d["max_output_channels"],
            default_samplerate=d["default_samplerate"],
            is_default_input=i == default_in,
            is_default_output=i == default_out,
        )
        for i, d in enumerate(devices)
    ]


def resolve_device(spec: str | int | None, kind: str) -> int | None:
    """Find a device by index or by (part of) its name; None means the system default."""
    if spec is None or spec == "":
        return None
    devices = list_devices()
    channels = (lambda d: d.inputs) if kind == "input" else (lambda d: d.outputs)
    if isinstance(spec, int) or str(spec).isdigit():
        index = int(spec)
        for d in devices:
            if d.index == index and channels(d) > 0:
                return index
        raise AudioDeviceError(f"no {kind} device with index {index}; {NO_DEVICE_HINT}")
    matches = [d for d in devices if str(spec).lower() in d.name.lower() and channels(d) > 0]
    if not matches:
        raise AudioDeviceError(f"no {kind} device named like '{spec}'; {NO_DEVICE_HINT}")
    exact = [d for d in matches if d.name.lower() == str(spec).lower()]
    return (exact or matches)[0].index
