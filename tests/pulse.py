"""A real audio stack for tests and benchmarks: PulseAudio with a virtual microphone
(a pipe source fed at real-time pace) and a virtual speaker (a null sink whose monitor
records what was played). sounddevice reaches it through ALSA's pulse plugin."""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

RATE = 16_000
CHUNK = RATE // 50  # 20 ms


class VirtualAudio:
    def __init__(self, root: Path) -> None:
        self.runtime = Path(root) / "pulse-runtime"
        self.fifo = self.runtime / "mic.fifo"
        self.env = os.environ | {"XDG_RUNTIME_DIR": str(self.runtime)}
        self.proc: subprocess.Popen[bytes] | None = None
        self._pending: queue.Queue[tuple[np.ndarray, threading.Event]] = queue.Queue()
        self._stop = threading.Event()
        self._hush = threading.Event()
        self._feeder: threading.Thread | None = None

    @staticmethod
    def available() -> bool:
        return all(shutil.which(tool) for tool in ("pulseaudio", "pactl", "parec"))

    def start(self) -> VirtualAudio:
        self.runtime.mkdir(parents=True, exist_ok=True)
        # module-pipe-source makes the FIFO itself and refuses one that already exists.
        self.fifo.unlink(missing_ok=True)
        self.proc = subprocess.Popen(
            [
                "pulseaudio",
                "--daemonize=no",
                "--exit-idle-time=-1",
                "-n",
                "--load=module-native-protocol-unix",
                "--load=module-null-sink sink_name=spk",
                f"--load=module-pipe-source source_name=mic file={self.fifo} "
                f"format=s16le rate={RATE} channels=1",
                f"--log-target=file:{self.runtime / 'pulse.log'}",
            ],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            ok = subprocess.run(["pactl", "info"], env=self.env, capture_output=True).returncode
            if ok == 0 and self.fifo.exists():
                break
            time.sleep(0.1)
        else:
            self.stop()
            raise RuntimeError(f"PulseAudio did not start; see {self.runtime / 'pulse.log'}")
        for args in (["set-default-source", "mic"], ["set-default-sink", "spk"]):
            subprocess.run(["pactl", *args], env=self.env, check=True, capture_output=True)
        self._feeder = threading.Thread(target=self._feed, name="mic-feeder", daemon=True)
        self._feeder.start()
        return self

    def _feed(self) -> None:
        # The pipe source only produces samples while fed: write silence between answers.
        # The server stops reading while nothing records from it; the writes then find the
        # pipe full, and are dropped rather than block (a blocked feeder would hang hush()).
        fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "wb", buffering=0) as fifo:
            start = time.monotonic()
            sent = 0
            current: np.ndarray | None = None
            done: threading.Event | None = None
            pos = 0
            while not self._stop.is_set():
                if self._hush.is_set():
                    if done is not None:
                        done.set()
                    current, done = None, None
                    while not self._pending.empty():
                        self._pending.get_nowait()[1].set()
                    self._hush.clear()
                if current is None:
                    try:
                        current, done = self._pending.get_nowait()
                        pos = 0
                    except queue.Empty:
                        pass
                if current is not None:
                    chunk = current[pos : pos + CHUNK]
                    pos += CHUNK
                    if pos >= current.size:
                        assert done is not None
                        done.set()
                        current, done = None, None
                    if chunk.size < CHUNK:
                        chunk = np.concatenate([chunk, np.zeros(CHUNK - chunk.size, np.float32)])
                else:
                    chunk = np.zeros(CHUNK, np.float32)
                try:
                    fifo.write((np.clip(chunk, -1, 1) * 32767).astype("<i2").tobytes())
                except BlockingIOError:
                    pass  # nobody records: 20 ms (under PIPE_BUF, so all or nothing) dropped
                except BrokenPipeError:
                    return
                sent += CHUNK
                delay = start + sent / RATE - time.monotonic()
                if delay > 0:
                    time.sleep(delay)

    def hush(self) -> None:
        """Drop whatever is still queued for the microphone: silence from now on."""
        self._hush.set()
        while self._hush.is_set() and not self._stop.is_set():
            time.sleep(0.01)

    def speak(self, audio: np.ndarray) -> threading.Event:
        """Queue audio into the microphone at real-time pace; the event is set when fed."""
        done = threading.Event()
        self._pending.put((audio.astype(np.float32), done))
        return done

    @contextmanager
    def monitor(self):
        """Record what is played on the virtual speaker; yields a list that gets the samples."""
        out: list[np.ndarray] = []
        raw = self.runtime / f"monitor-{time.monotonic_ns()}.raw"
        with open(raw, "wb") as fh:
            proc = subprocess.Popen(
                [
                    "parec",
                    "-d",
                    "spk.monitor",
                    "--format=s16le",
                    f"--rate={RATE}",
                    "--channels=1",
                    "--raw",
                ],
                env=self.env,
                stdout=fh,
            )
            try:
                yield out
            finally:
                proc.terminate()
                proc.wait(timeout=10)
        out.append(np.frombuffer(raw.read_bytes(), dtype="<i2").astype(np.float32) / 32768)

    def stop(self) -> None:
        self._stop.set()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # by pid: never a broad process name
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._feeder is not None:
            self._feeder.join(timeout=5)
        self.proc = None
