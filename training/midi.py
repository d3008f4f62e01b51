"""Minimal Standard MIDI File (format 0) writer: enough for the corpus renderer."""
import struct

TICKS_PER_BEAT = 480
# One fixed MIDI tempo (120 bpm => 960 ticks per second); musical tempo lives in note times.
MIDI_TEMPO_US = 500000
TICKS_PER_SECOND = TICKS_PER_BEAT * 1_000_000 / MIDI_TEMPO_US


def _varlen(n: int) -> bytes:
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    return bytes(reversed(out))


class MidiWriter:
    """Collects timed events (seconds) and writes a format-0 SMF."""

    def __init__(self):
        self.events = []  # (tick, order, bytes)

    def _add(self, t: float, order: int, data: bytes):
        self.events.append((int(round(t * TICKS_PER_SECOND)), order, data))

    def program(self, t, ch, program):
        self._add(t, 0, bytes([0xC0 | ch, program & 0x7F]))

    def control(self, t, ch, cc, value):
        self._add(t, 0, bytes([0xB0 | ch, cc & 0x7F, int(value) & 0x7F]))

    def note(self, t, dur, ch, pitch, vel):
        if not (0 <= pitch <= 127):
            return
        vel = max(1, min(127, int(vel)))
        self._add(t, 2, bytes([0x90 | ch, pitch, vel]))
        self._add(t + max(dur, 0.01), 1, bytes([0x80 | ch, pitch, 0]))

    def all_off(self, t):
        for ch in range(16):
            self._add(t, 1, bytes([0xB0 | ch, 123, 0]))

    def to_bytes(self) -> bytes:
        self.events.sort(key=lambda e: (e[0], e[1]))
        track = bytearray()
        track += b"\x00\xFF\x51\x03" + MIDI_TEMPO_US.to_bytes(3, "big")
        last = 0
        for tick, _, data in self.events:
            track += _varlen(tick - last) + data
            last = tick
        track += b"\x00\xFF\x2F\x00"
        header = b"MThd" + struct.pack(">IHHH", 6, 0, 1, TICKS_PER_BEAT)
        return header + b"MTrk" + struct.pack(">I", len(track)) + bytes(track)
