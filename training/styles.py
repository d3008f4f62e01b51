"""Procedural composers for the riffcord corpus: the 12 styles of v1, each a function of a seeded RNG.

Each composer returns a dict with the notes it wrote (through a MidiWriter at a time offset),
the tempo, key and mode, so captions describe what was actually rendered.
"""
import numpy as np

DRUM = 9
KICK, RIM, SNARE, CLAP, SNARE2 = 36, 37, 38, 39, 40
HAT, PEDAL_HAT, OPEN_HAT, CRASH, RIDE, TAMB, SHAKER = 42, 44, 46, 49, 51, 54, 70
LOW_TOM, HI_TOM = 45, 50

MAJOR = [0, 2, 4, 5, 7, 9, 11]
MINOR = [0, 2, 3, 5, 7, 8, 10]
DORIAN = [0, 2, 3, 5, 7, 9, 10]
KEYS = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]

MUSIC_SECONDS = 7.6  # each clip's music; the 5.12 s crop is taken inside it


def scale_pitch(root, mode, degree, octave):
    """MIDI pitch of a scale degree (any integer, wraps octaves) above root in `octave`."""
    o, d = divmod(degree, 7)
    return 12 * (octave + 1 + o) + root + mode[d]


def chord(root, mode, degree, octave, size=3):
    return [scale_pitch(root, mode, degree + 2 * i, octave) for i in range(size)]


class Ctx:
    def __init__(self, mw, t0, rng, bpm, root, mode, swing=0.5):
        self.mw, self.t0, self.rng, self.bpm, self.root, self.mode = mw, t0, rng, bpm, root, mode
        self.beat = 60.0 / bpm
        self.swing = swing
        self.ch_used = set()
        self.kit = None  # a drumkit.KITS name: drum notes become sample hits instead of GM drums
        self.hits = []   # (seconds, gm_note, velocity) for the kit
        self.subs = []   # (seconds, midi_pitch, duration_s, velocity): synthesised 808 sub-bass notes
        self.energy = 1.0  # velocity scale: the clip's dynamics
        self.programs = {}

    def time(self, beats):
        """Beat position to seconds, with swing applied to off-beat eighths."""
        whole, frac = divmod(beats, 1.0)
        if abs(frac - 0.5) < 1e-6:
            frac = self.swing
        return self.t0 + (whole + frac) * self.beat

    def n(self, beats, dur_beats, ch, pitch, vel, jitter=0.0):
        t = self.time(beats)
        if jitter:
            t += self.rng.uniform(-jitter, jitter)
        if t - self.t0 > MUSIC_SECONDS:
            return
        vel = (vel + self.rng.integers(-8, 9)) * self.energy
        if ch == DRUM and self.kit is not None:
            self.hits.append((max(self.t0, t), int(pitch), float(min(127, max(1, vel)))))
            return
        self.mw.note(max(self.t0, t), dur_beats * self.beat, ch, int(pitch), vel)

    def sub(self, beats, dur_beats, pitch, vel):
        """An 808 sub-bass note (synthesised by the renderer, not the soundfont)."""
        t = self.time(beats)
        if t - self.t0 <= MUSIC_SECONDS:
            self.subs.append((t, int(pitch), dur_beats * self.beat, vel * self.energy))

    def fill(self, bar, toms=(50, 47, 45), vel=95):
        """A one-beat drum fill at the end of `bar`: sixteenths down the toms, then a crash on the next bar."""
        b0 = bar * 4 + 3
        for s in range(4):
            self.n(b0 + s / 4, 0.2, DRUM, toms[min(s * len(toms) // 4, len(toms) - 1)], vel)
        self.n(b0 + 1, 1, DRUM, CRASH, vel + 10)

    def prog(self, ch, program):
        self.programs[ch] = program
        self.mw.program(self.t0, ch, program)
        self.mw.control(self.t0, ch, 7, 100)

    def prog_of(self, ch):
        return self.programs.get(ch)

    def beats_total(self):
        return int(np.ceil(MUSIC_SECONDS / self.beat)) + 1

    def progression(self, choices):
        return choices[self.rng.integers(len(choices))]

    def melody(self, ch, octave, start, end, step_choices, rest_p, vel, legato=0.95, leap=2, degree0=None):
        deg = self.rng.integers(0, 7) if degree0 is None else degree0
        b = start
        while b < end:
            step = step_choices[self.rng.integers(len(step_choices))]
            if self.rng.random() > rest_p:
                self.n(b, step * legato, ch, scale_pitch(self.root, self.mode, deg, octave), vel)
            deg += int(self.rng.integers(-leap, leap + 1))
            deg = int(np.clip(deg, -3, 10))
            b += step


def _bars(c):
    return c.beats_total() // 4 + 1


def jazz_sax(c):
    c.swing = 0.64
    sax = 66 if c.rng.random() < 0.6 else 65
    c.prog(0, sax); c.prog(1, 0); c.prog(2, 32)
    prog = c.progression([[1, 4, 0, 0], [5, 1, 4, 0], [0, 5, 1, 4], [2, 5, 1, 4]])
    for bar in range(_bars(c)):
        d = prog[bar % 4]
        b0 = bar * 4
        for k in range(4):  # walking bass
            deg = d + [0, 2, 4, 5][k] if c.rng.random() < 0.7 else d + int(c.rng.integers(-2, 5))
            c.n(b0 + k, 0.9, 2, scale_pitch(c.root, c.mode, deg, 2), 85)
        for hit in [0, 1, 1.5, 2, 3, 3.5]:  # ride pattern
            c.n(b0 + hit, 0.3, DRUM, RIDE, 70 if hit in (0, 2) else 55)
        for hit in [1, 3]:
            c.n(b0 + hit, 0.2, DRUM, PEDAL_HAT, 60)
        for hit in sorted(c.rng.choice([0.5, 1.5, 2, 2.5, 3.5], size=2, replace=False)):
            for p in chord(c.root, c.mode, d, 4, 4)[1:]:
                c.n(b0 + hit, 0.6, 1, p, 55)
    c.melody(0, 4, 0.5, c.beats_total(), [0.5, 0.5, 1, 1.5], 0.15, 95, legato=0.98)
    return ["saxophone" if sax == 66 else "alto saxophone", "piano", "double bass", "ride cymbal"]


def funk_bass(c):
    slap = 36 + int(c.rng.integers(0, 2))
    c.prog(0, slap); c.prog(1, 7)
    pattern = [1 if c.rng.random() < p else 0 for p in [1, .2, .6, .5, .3, .6, .2, .7, .4, .3, .7, .3, .6, .4, .5, .5]]
    octs = [int(c.rng.random() < 0.3) for _ in range(16)]
    clav = c.rng.random() < 0.6
    for bar in range(_bars(c)):
        b0 = bar * 4
        d = [0, 0, 3, 4][bar % 4] if c.rng.random() < 0.5 else 0
        for s in range(16):
            b = b0 + s / 4
            if pattern[s]:
                c.n(b, 0.2, 0, scale_pitch(c.root, c.mode, d, 2) + 12 * octs[s], 105 if octs[s] else 95)
            c.n(b, 0.1, DRUM, HAT, 70 if s % 2 == 0 else 45)
            if s in (0, 10):
                c.n(b, 0.2, DRUM, KICK, 105)
            if s in (4, 12):
                c.n(b, 0.2, DRUM, SNARE, 105)
            elif c.rng.random() < 0.12:
                c.n(b, 0.1, DRUM, SNARE, 35)
            if clav and s in (2, 7, 11, 14):
                for p in chord(c.root, c.mode, d, 4, 3):
                    c.n(b, 0.15, 1, p, 70)
    return ["slap bass", "drums"] + (["clavinet"] if clav else [])


def rock_guitar(c):
    gtr = 30 if c.rng.random() < 0.6 else 29
    c.prog(0, gtr); c.prog(1, 33); c.prog(2, 29)
    prog = c.progression([[0, 5, 3, 4], [0, 3, 4, 3], [5, 3, 0, 4], [0, 6, 3, 4]])
    c.mw.note(c.t0, 1.5, DRUM, CRASH, 100)
    for bar in range(_bars(c)):
        b0 = bar * 4
        d = prog[bar % 4]
        rootp = scale_pitch(c.root, c.mode, d, 2)
        for e in range(8):
            b = b0 + e / 2
            for p in (rootp + 12, rootp + 19, rootp + 24):
                c.n(b, 0.45, 0, p, 100 if e % 2 == 0 else 85)
            c.n(b, 0.45, 1, rootp, 95)
            c.n(b, 0.2, DRUM, HAT, 75)
        for k in (0, 2.5):
            c.n(b0 + k, 0.3, DRUM, KICK, 110)
        for k in (1, 3):
            c.n(b0 + k, 0.3, DRUM, SNARE, 110)
    if c.rng.random() < 0.4:
        c.melody(2, 4, 0, c.beats_total(), [0.5, 1], 0.2, 90)
    return ["electric guitar", "bass guitar", "drums"]


def piano_ballad(c):
    c.prog(0, 0)
    prog = c.progression([[0, 4, 5, 3], [0, 5, 3, 4], [5, 3, 0, 4], [0, 3, 5, 4]])
    for bar in range(_bars(c)):
        b0 = bar * 4
        d = prog[bar % 4]
        tones = chord(c.root, c.mode, d, 2, 3)
        arp = [tones[0], tones[1] + 12, tones[2] + 12, tones[0] + 24, tones[2] + 12, tones[1] + 12, tones[0] + 12, tones[2]]
        for e in range(8):
            c.n(b0 + e / 2, 1.2, 0, arp[e], 50)
    c.melody(0, 5, 0, c.beats_total(), [1, 1, 2, 0.5], 0.15, 72, legato=1.0, leap=2)
    return ["piano"]


def techno_drums(c):
    c.prog(0, 38 + int(c.rng.integers(0, 2)))
    bass = c.rng.random() < 0.7
    for bar in range(_bars(c)):
        b0 = bar * 4
        for s in range(16):
            b = b0 + s / 4
            if s % 4 == 0:
                c.n(b, 0.2, DRUM, KICK, 120)
            if s % 4 == 2:
                c.n(b, 0.2, DRUM, OPEN_HAT, 80)
                if bass:
                    c.n(b, 0.2, 0, scale_pitch(c.root, c.mode, 0, 2), 100)
            c.n(b, 0.1, DRUM, HAT, 60 if s % 2 else 75)
            if s in (4, 12):
                c.n(b, 0.2, DRUM, CLAP, 100)
            if s in (3, 11, 14) and c.rng.random() < 0.3:
                c.n(b, 0.1, DRUM, 75, 80)
    return ["drum machine", "kick drum", "hi-hats"] + (["synth bass"] if bass else [])


def lofi_hiphop(c):
    c.swing = 0.6
    c.prog(0, 4 + int(c.rng.integers(0, 2))); c.prog(1, 33); c.prog(2, 11)
    prog = c.progression([[1, 4, 0, 5], [0, 5, 1, 4], [3, 2, 1, 0], [5, 4, 0, 0]])
    for bar in range(_bars(c)):
        b0 = bar * 4
        d = prog[bar % 4]
        for p in chord(c.root, c.mode, d, 3, 4):
            c.n(b0, 3.8, 0, p + 12, 55, jitter=0.02)
        c.n(b0, 1.5, 1, scale_pitch(c.root, c.mode, d, 2), 80)
        c.n(b0 + 2.5, 1, 1, scale_pitch(c.root, c.mode, d, 2), 70)
        for k in (0, 1.5, 2.5):
            c.n(b0 + k, 0.3, DRUM, KICK, 95)
        for k in (1, 3):
            c.n(b0 + k, 0.3, DRUM, SNARE, 80, jitter=0.015)
        for e in range(8):
            c.n(b0 + e / 2, 0.2, DRUM, HAT, 45 if e % 2 else 55)
    if c.rng.random() < 0.5:
        c.melody(2, 5, 0, c.beats_total(), [1, 1.5, 2], 0.4, 55)
    return ["electric piano", "bass", "drums", "vibraphone"]


def church_organ_bells(c):
    c.prog(0, 19); c.prog(1, 14)
    prog = c.progression([[0, 3, 4, 0], [0, 5, 3, 4], [0, 4, 5, 3]])
    for bar in range(_bars(c)):
        b0 = bar * 4
        for half in range(2):
            d = prog[(bar * 2 + half) % 4]
            tones = chord(c.root, c.mode, d, 3, 3)
            for p in [tones[0] - 12] + tones + [tones[0] + 12]:
                c.n(b0 + 2 * half, 2.0, 0, p, 80)
        for k in range(0, 4, 2 if c.rng.random() < 0.5 else 1):
            c.n(b0 + k, 3, 1, scale_pitch(c.root, c.mode, int(c.rng.choice([0, 2, 4, 7])), 5), 85)
    return ["church organ", "bells"]


def orchestral_strings(c):
    c.prog(0, 48); c.prog(1, 40); c.prog(2, 42); c.prog(3, 43)
    pizz = c.rng.random() < 0.3
    if pizz:
        c.prog(4, 45)
    prog = c.progression([[0, 5, 3, 4], [5, 3, 0, 4], [0, 3, 5, 4]])
    for bar in range(_bars(c)):
        b0 = bar * 4
        d = prog[bar % 4]
        for p in chord(c.root, c.mode, d, 3, 3):
            c.n(b0, 4, 0, p, 70)
        c.n(b0, 2, 2, scale_pitch(c.root, c.mode, d, 2), 80)
        c.n(b0 + 2, 2, 2, scale_pitch(c.root, c.mode, d + 4, 2), 75)
        c.n(b0, 4, 3, scale_pitch(c.root, c.mode, d, 1), 75)
        if pizz:
            for k in range(4):
                c.n(b0 + k, 0.3, 4, scale_pitch(c.root, c.mode, d + 2 * (k % 3), 4), 75)
    c.melody(1, 5, 0, c.beats_total(), [1, 2, 1.5, 0.5], 0.1, 85, legato=1.0, leap=1)
    return ["strings", "violin", "cello", "double bass"] + (["pizzicato"] if pizz else [])


def folk_fiddle(c):
    c.prog(0, 110); c.prog(1, 25)
    prog = c.progression([[0, 3, 4, 0], [0, 0, 3, 4], [0, 4, 3, 4]])
    for bar in range(_bars(c)):
        b0 = bar * 4
        d = prog[bar % 4]
        tones = chord(c.root, c.mode, d, 3, 3)
        for k in range(4):
            if k % 2 == 0:
                c.n(b0 + k, 0.9, 1, tones[0] - 12, 85)
            else:
                for i, p in enumerate(tones):
                    c.n(b0 + k + 0.01 * i, 0.5, 1, p, 70)
        c.n(b0, 0.2, DRUM, 64 if c.rng.random() < 0.5 else TAMB, 40)
    c.melody(0, 5, 0, c.beats_total(), [0.5, 0.5, 0.5, 0.25], 0.05, 95, legato=0.9, leap=2)
    return ["fiddle", "acoustic guitar"]


def reggae(c):
    c.prog(0, 27); c.prog(1, 33); c.prog(2, 16)
    organ = c.rng.random() < 0.6
    prog = c.progression([[0, 3, 0, 4], [0, 0, 3, 3], [5, 3, 0, 4]])
    riff = [0, 0, 2, 4, 4, 2, 0, -1]
    for bar in range(_bars(c)):
        b0 = bar * 4
        d = prog[bar % 4]
        for k in (1, 3):
            for p in chord(c.root, c.mode, d, 4, 3):
                c.n(b0 + k, 0.2, 0, p, 85)
            if organ:
                for p in chord(c.root, c.mode, d, 4, 3):
                    c.n(b0 + k + 0.5, 0.2, 2, p, 60)
        for e in range(8):
            if e not in (1, 5):
                c.n(b0 + e / 2, 0.45, 1, scale_pitch(c.root, c.mode, d + riff[e], 1) + 12, 100)
            c.n(b0 + e / 2, 0.2, DRUM, HAT, 55)
        c.n(b0 + 2, 0.3, DRUM, KICK, 110)
        c.n(b0 + 2, 0.3, DRUM, RIM, 100)
    return ["reggae guitar", "bass"] + (["organ"] if organ else []) + ["drums"]


def marimba(c):
    c.prog(0, 12); c.prog(1, 12)
    prog = c.progression([[0, 4, 5, 3], [0, 3, 4, 4], [0, 5, 1, 4]])
    for bar in range(_bars(c)):
        b0 = bar * 4
        d = prog[bar % 4]
        tones = chord(c.root, c.mode, d, 4, 3)
        patt = [tones[0], tones[2], tones[1], tones[2]]
        for s in range(16):
            c.n(b0 + s / 4, 0.25, 0, patt[s % 4] + (12 if s >= 8 and c.rng.random() < 0.3 else 0), 80)
        c.n(b0, 1, 1, scale_pitch(c.root, c.mode, d, 2), 90)
        c.n(b0 + 2, 1, 1, scale_pitch(c.root, c.mode, d + 4, 2), 85)
    return ["marimba"]


def synthwave(c):
    c.prog(0, 38); c.prog(1, 89 + int(c.rng.integers(0, 2))); c.prog(2, 81)
    prog = c.progression([[0, 5, 3, 4], [0, 3, 5, 4], [5, 3, 0, 4]])
    for bar in range(_bars(c)):
        b0 = bar * 4
        d = prog[bar % 4]
        for e in range(8):
            c.n(b0 + e / 2, 0.4, 0, scale_pitch(c.root, c.mode, d, 2) + (12 if e % 2 else 0), 95)
            c.n(b0 + e / 2, 0.2, DRUM, HAT, 60)
        for p in chord(c.root, c.mode, d, 4, 3):
            c.n(b0, 4, 1, p, 65)
        for k in (0, 2):
            c.n(b0 + k, 0.3, DRUM, KICK, 115)
        for k in (1, 3):
            c.n(b0 + k, 0.3, DRUM, SNARE2, 110)
            c.n(b0 + k, 0.3, DRUM, CLAP, 70)
    c.melody(2, 5, 0, c.beats_total(), [0.5, 1, 1, 2], 0.25, 80, legato=0.95)
    return ["synthesizer", "synth bass", "synth pads", "drum machine"]


