"""The corpus styles added for riffcord-small v2: what people ask a music model for first.

Same contract as the composers in styles.py: a function of a Ctx that writes notes (MIDI, kit hits
or 808 sub notes) and returns the instruments it used, in caption words.
"""
from styles import (CLAP, CRASH, DRUM, HAT, KICK, OPEN_HAT, PEDAL_HAT, RIDE, RIM, SHAKER, SNARE, SNARE2,
                    _bars, chord, scale_pitch)


def _bar_loop(c, body):
    for bar in range(_bars(c)):
        body(bar, bar * 4)


def house(c):
    c.kit = "electro"
    c.prog(0, 0 if c.rng.random() < 0.6 else 4); c.prog(1, 38); c.prog(2, 89)
    prog = c.progression([[0, 5, 3, 4], [5, 3, 0, 4], [0, 0, 5, 5], [1, 4, 0, 0]])
    stab = [0.5, 1.5, 2.75, 3.5] if c.rng.random() < 0.5 else [0.75, 1.75, 2.5, 3.75]

    def bar(i, b0):
        d = prog[i % 4]
        for k in range(4):
            c.n(b0 + k, 0.2, DRUM, KICK, 118)
            c.n(b0 + k + 0.5, 0.2, DRUM, OPEN_HAT, 85)
            c.n(b0 + k + 0.25, 0.1, DRUM, HAT, 55)
            c.n(b0 + k + 0.75, 0.1, DRUM, HAT, 55)
            c.n(b0 + k + 0.5, 0.4, 1, scale_pitch(c.root, c.mode, d, 2), 100)
        for k in (1, 3):
            c.n(b0 + k, 0.2, DRUM, CLAP, 100)
        for s in stab:
            for p in chord(c.root, c.mode, d, 4, 4):
                c.n(b0 + s, 0.35, 0, p, 85)
        c.n(b0, 4, 2, scale_pitch(c.root, c.mode, d + 4, 4), 45)
    _bar_loop(c, bar)
    return ["house piano", "synth bass", "four on the floor drums", "claps"]


def dubstep(c):
    c.kit = "electro"
    c.prog(0, 38 + int(c.rng.integers(0, 2))); c.prog(1, 81); c.prog(2, 90)
    c.mw.control(c.t0, 0, 7, 120)
    rate = [0.25, 1 / 3, 0.5][c.rng.integers(3)]
    degs = c.progression([[0, 0, 5, 3], [0, 3, 0, 4], [0, 6, 5, 4]])

    def bar(i, b0):
        d = degs[i % 4]
        c.n(b0, 0.3, DRUM, KICK, 120)
        if c.rng.random() < 0.5:
            c.n(b0 + 2.75, 0.3, DRUM, KICK, 105)
        c.n(b0 + 2, 0.3, DRUM, SNARE, 122)  # half time: the snare on beat 3
        for e in range(8):
            c.n(b0 + e / 2, 0.1, DRUM, HAT, 60 if e % 2 else 70)
        b = 0.0
        while b < 4:  # wobble: retriggered low saw notes whose loudness swings like an LFO
            wob = 0.55 + 0.45 * abs(((b / (rate * 2)) % 2) - 1)
            c.n(b0 + b, rate * 0.9, 0, scale_pitch(c.root, c.mode, d, 1), int(120 * wob))
            c.n(b0 + b, rate * 0.9, 1, scale_pitch(c.root, c.mode, d, 2), int(70 * wob))
            b += rate
        for p in chord(c.root, c.mode, d, 4, 3):
            c.n(b0, 4, 2, p, 40)
    _bar_loop(c, bar)
    return ["wobble bass", "half-time drums", "synth"]


def drum_and_bass(c):
    c.kit = "acoustic"
    c.prog(0, 38); c.prog(1, 89 + int(c.rng.integers(0, 3)))
    prog = c.progression([[0, 5, 3, 4], [0, 0, 5, 6], [0, 3, 0, 4]])
    pattern = c.progression([
        [(0, KICK), (1, SNARE), (2.5, KICK), (3, SNARE)],
        [(0, KICK), (1, SNARE), (1.75, KICK), (2.5, KICK), (3, SNARE)],
        [(0, KICK), (0.5, KICK), (1, SNARE), (2.5, KICK), (3, SNARE), (3.75, SNARE2)],
    ])

    def bar(i, b0):
        d = prog[i % 4]
        for k, note in pattern:
            c.n(b0 + k, 0.2, DRUM, note, 115)
        for s in range(8):
            c.n(b0 + s / 2, 0.1, DRUM, HAT, 70 if s % 2 else 55)
        if c.rng.random() < 0.3:
            c.n(b0 + 1.5 + 0.25 * int(c.rng.integers(0, 3)), 0.1, DRUM, SNARE, 45)  # ghost note
        c.n(b0, 1.5, 0, scale_pitch(c.root, c.mode, d, 1), 110)
        c.n(b0 + 2.5, 1.4, 0, scale_pitch(c.root, c.mode, d, 1), 100)
        for p in chord(c.root, c.mode, d, 4, 3):
            c.n(b0, 4, 1, p, 50)
        if i % 4 == 3 and c.rng.random() < 0.5:
            c.fill(i)
    _bar_loop(c, bar)
    return ["breakbeat", "reese bass", "pads"]


def ambient_pad(c):
    c.prog(0, 88 + int(c.rng.integers(0, 8))); c.prog(1, 89 + int(c.rng.integers(0, 3))); c.prog(2, 98)
    c.mw.control(c.t0, 0, 91, 127); c.mw.control(c.t0, 1, 91, 127); c.mw.control(c.t0, 2, 91, 127)
    prog = c.progression([[0, 5], [0, 3], [5, 3], [0, 4]])
    bells = c.rng.random() < 0.6
    for half in range(4):
        d = prog[half % 2]
        b0 = half * 8
        for p in chord(c.root, c.mode, d, 3, 4):
            c.n(b0, 8.5, 0, p, 60)
        for p in chord(c.root, c.mode, d + 2, 4, 3):
            c.n(b0 + 2, 6, 1, p, 45)
    if bells:
        c.melody(2, 5, 1, c.beats_total(), [2, 3, 4], 0.3, 55, legato=1.0, leap=3)
    return ["ambient pads", "drones"] + (["crystal bells"] if bells else [])


def trap(c):
    c.kit = "808"
    c.swing = 0.5
    c.prog(0, 80 if c.rng.random() < 0.5 else 88); c.prog(1, 11)
    degs = c.progression([[0, 0, 5, 4], [0, 6, 5, 6], [0, 3, 5, 4]])
    roll = c.rng.random() < 0.8

    def bar(i, b0):
        d = degs[i % 4]
        # Half-time feel: kick on 1 and the "and" of 2, snare/clap on 3; the 808 follows the kick.
        kicks = [0, 1.5] + ([2.75] if c.rng.random() < 0.5 else [])
        for k in kicks:
            c.n(b0 + k, 0.2, DRUM, KICK, 115)
        c.sub(b0, 1.4, scale_pitch(c.root, c.mode, d, 1), 115)
        c.sub(b0 + 1.5, 1.0, scale_pitch(c.root, c.mode, d, 1), 105)
        c.n(b0 + 2, 0.2, DRUM, SNARE, 110)
        c.n(b0 + 2, 0.2, DRUM, CLAP, 95)
        s = 0.0
        while s < 4:
            if roll and s >= 3 and i % 2 == 1:
                for r in range(3):  # triplet hi-hat roll
                    c.n(b0 + s + r / 6, 0.05, DRUM, HAT, 70)
                s += 0.5
                continue
            c.n(b0 + s, 0.05, DRUM, HAT, 80 if s % 1 == 0 else 60)
            s += 0.5
        if i % 2 == 0:
            c.melody(0, 5, b0, b0 + 4, [0.5, 1, 0.5], 0.35, 70, legato=0.9)
        c.n(b0, 3.5, 1, scale_pitch(c.root, c.mode, d + 4, 4), 50)
    _bar_loop(c, bar)
    return ["808 bass", "trap hi-hats", "synth lead", "bells"]


def metal(c):
    c.kit = "acoustic"
    c.prog(0, 30); c.prog(1, 30); c.prog(2, 33)
    riffdeg = c.progression([[0, 0, 1, 0, 0, 5, 6, 0], [0, 0, 0, 3, 0, 0, 4, 3], [0, 1, 0, 0, 5, 0, 6, 5]])

    def bar(i, b0):
        for s in range(16):  # double-kick sixteenths, chugged palm-muted power chords
            b = b0 + s / 4
            c.n(b, 0.15, DRUM, KICK, 112)
            deg = riffdeg[(s // 2) % 8]
            p = scale_pitch(c.root, c.mode, deg, 2)
            for q in (p, p + 7, p + 12):
                c.n(b, 0.22, 0, q, 115 if s % 4 == 0 else 95)
            c.n(b, 0.22, 2, p - 12, 100)
        for k in (1, 3):
            c.n(b0 + k, 0.2, DRUM, SNARE, 122)
        for k in range(4):
            c.n(b0 + k, 0.4, DRUM, CRASH if k == 0 and i % 2 == 0 else RIDE, 90)
        if i % 4 == 3:
            c.fill(i, vel=110)
    _bar_loop(c, bar)
    if c.rng.random() < 0.5:
        c.melody(1, 4, 0, c.beats_total(), [0.25, 0.25, 0.5], 0.1, 100, legato=0.9, leap=3)
    return ["distorted guitars", "bass guitar", "double kick drums"]


def blues(c):
    c.kit = "acoustic"
    c.swing = 0.66
    lead = 29 if c.rng.random() < 0.5 else 22
    c.prog(0, lead); c.prog(1, 33); c.prog(2, 0 if c.rng.random() < 0.5 else 16)
    bars12 = [0, 0, 0, 0, 3, 3, 0, 0, 4, 3, 0, 4]
    start = int(c.rng.integers(0, 12))
    blue = [0, 3, 5, 6, 7, 10]

    def bar(i, b0):
        d = bars12[(start + i) % 12]
        root = scale_pitch(c.root, [0, 2, 4, 5, 7, 9, 10], d, 2)
        for k in range(4):  # shuffle boogie bass: root-fifth-sixth-fifth
            c.n(b0 + k, 0.45, 1, root + [0, 7, 9, 7][k], 95)
            c.n(b0 + k + 0.5, 0.4, 1, root + [0, 7, 9, 7][k], 70)
            c.n(b0 + k, 0.3, DRUM, RIDE, 70)
            c.n(b0 + k + 0.5, 0.2, DRUM, RIDE, 50)
        for k in (1, 3):
            c.n(b0 + k, 0.2, DRUM, SNARE, 95)
        c.n(b0, 0.2, DRUM, KICK, 100)
        c.n(b0 + 2, 0.2, DRUM, KICK, 95)
        for k in (1.5, 3.5):
            for q in (root + 12, root + 16, root + 22):
                c.n(b0 + k, 0.4, 2, q, 60)
        b = b0 + 0.5
        while b < b0 + 4:  # blues-scale licks with rests
            if c.rng.random() < 0.6:
                c.n(b, 0.45, 0, 12 * 5 + c.root + blue[int(c.rng.integers(len(blue)))], 100)
            b += [0.5, 0.5, 1][c.rng.integers(3)]
    _bar_loop(c, bar)
    return ["blues guitar" if lead == 29 else "harmonica", "bass", "shuffle drums"]


def bossa_nova(c):
    c.prog(0, 24); c.prog(1, 32); c.prog(2, 73 if c.rng.random() < 0.5 else 65)
    prog = c.progression([[1, 4, 0, 0], [0, 3, 1, 4], [0, 5, 1, 4]])
    clave = [0, 1.5, 3, 4 + 1, 4 + 2.5]

    def bar(i, b0):
        d = prog[i % 4]
        tones = chord(c.root, c.mode, d, 3, 4)
        c.n(b0, 1.4, 1, scale_pitch(c.root, c.mode, d, 2), 85)  # bass: root on 1, fifth on 3
        c.n(b0 + 1.5, 0.5, 1, scale_pitch(c.root, c.mode, d + 4, 1), 75)
        c.n(b0 + 2, 1.4, 1, scale_pitch(c.root, c.mode, d + 4, 1), 80)
        for k in (0, 0.75, 1.5, 2.5, 3.25):  # syncopated guitar comping
            for j, p in enumerate(tones[1:]):
                c.n(b0 + k + 0.008 * j, 0.45, 0, p + 12, 65)
        for s in range(8):
            c.n(b0 + s / 2, 0.1, DRUM, SHAKER, 50 if s % 2 else 40)
        for k in clave:
            if (i % 2) * 4 <= k < (i % 2) * 4 + 4:
                c.n(b0 + k - (i % 2) * 4, 0.1, DRUM, RIM, 70)
        c.n(b0, 0.2, DRUM, KICK, 65)
        c.n(b0 + 2, 0.2, DRUM, KICK, 60)
    c.swing = 0.5
    _bar_loop(c, bar)
    c.melody(2, 5, 1, c.beats_total(), [1, 0.5, 1.5, 2], 0.3, 70, legato=1.0, leap=2)
    return ["nylon guitar", "bass", "flute" if c.prog_of(2) == 73 else "saxophone", "shaker"]


def classical_piano(c):
    c.prog(0, 0)
    prog = c.progression([[0, 3, 4, 0], [0, 5, 1, 4], [0, 4, 5, 3], [5, 1, 4, 0]])
    alberti = c.rng.random() < 0.5

    def bar(i, b0):
        d = prog[i % 4]
        lo, mid, hi = chord(c.root, c.mode, d, 3, 3)
        figure = [lo, hi, mid, hi] if alberti else [lo, mid, hi, mid + 12]
        for s in range(8 if alberti else 4):
            step = 0.5 if alberti else 1.0
            c.n(b0 + s * step, step * 0.95, 0, figure[s % 4] - 12, 55)
        c.n(b0, 0.5, 0, lo - 24, 65)
    _bar_loop(c, bar)
    c.melody(0, 5, 0, c.beats_total(), [0.25, 0.25, 0.5, 0.25], 0.05, 80, legato=0.9, leap=1)
    return ["classical piano"]


def choir(c):
    c.prog(0, 52); c.prog(1, 53); c.prog(2, 19 if c.rng.random() < 0.3 else 48)
    c.mw.control(c.t0, 0, 91, 110); c.mw.control(c.t0, 1, 91, 110)
    prog = c.progression([[0, 3, 4, 0], [0, 5, 3, 4], [5, 3, 0, 4]])

    def bar(i, b0):
        for half in range(2):
            d = prog[(i * 2 + half) % 4]
            s, a, t = chord(c.root, c.mode, d, 4, 3)
            bass = scale_pitch(c.root, c.mode, d, 2)
            for p, ch, v in ((s + 12, 0, 80), (a, 0, 70), (t, 1, 70), (bass, 1, 75)):
                c.n(b0 + 2 * half, 2.0, ch, p, v)
            c.n(b0 + 2 * half, 2.0, 2, bass - 12, 45)
    _bar_loop(c, bar)
    return ["choir", "voices"]


def chiptune(c):
    c.prog(0, 80); c.prog(1, 80); c.prog(2, 81)
    c.kit = "electro"
    prog = c.progression([[0, 5, 3, 4], [0, 4, 5, 3], [0, 3, 0, 4]])

    def bar(i, b0):
        d = prog[i % 4]
        tones = chord(c.root, c.mode, d, 4, 3)
        for s in range(16):  # the fast arpeggio of 8-bit hardware standing in for chords
            c.n(b0 + s / 4, 0.22, 1, tones[s % 3] + 12, 60)
        for e in range(8):
            c.n(b0 + e / 2, 0.4, 2, scale_pitch(c.root, c.mode, d, 2) + (12 if e % 2 else 0), 90)
        for k in (0, 2):
            c.n(b0 + k, 0.1, DRUM, KICK, 90)
        for k in (1, 3):
            c.n(b0 + k, 0.1, DRUM, 40, 85)
        for e in range(8):
            c.n(b0 + e / 2, 0.05, DRUM, 75, 55)
    _bar_loop(c, bar)
    c.melody(0, 5, 0, c.beats_total(), [0.25, 0.5, 0.25, 1], 0.1, 95, legato=0.85, leap=2)
    return ["square wave", "8-bit arpeggios", "triangle bass"]


def big_band(c):
    c.swing = 0.64
    c.prog(0, 56); c.prog(1, 57); c.prog(2, 61); c.prog(3, 66); c.prog(4, 32); c.prog(5, 0)
    prog = c.progression([[1, 4, 0, 0], [0, 5, 1, 4], [0, 3, 1, 4]])
    hits = c.progression([[0.5, 2.5], [1.5, 3.5], [0, 2, 3.5]])

    def bar(i, b0):
        d = prog[i % 4]
        for k in range(4):
            c.n(b0 + k, 0.9, 4, scale_pitch(c.root, c.mode, d + [0, 2, 4, 5][k], 2), 85)
            c.n(b0 + k, 0.3, DRUM, RIDE, 70)
            c.n(b0 + k + 0.5, 0.2, DRUM, RIDE, 50)
        for k in (1, 3):
            c.n(b0 + k, 0.2, DRUM, PEDAL_HAT, 60)
        tones = chord(c.root, c.mode, d, 4, 4)
        for h in hits:  # brass section hits with the trombones an octave down
            for p in tones:
                c.n(b0 + h, 0.45, 2, p, 100)
            for p in tones[:2]:
                c.n(b0 + h, 0.45, 1, p - 12, 95)
            c.n(b0 + h, 0.2, DRUM, SNARE, 75)
        for p in tones[1:]:
            c.n(b0 + 1, 1.5, 3, p - 12, 60)
    _bar_loop(c, bar)
    c.melody(0, 5, 0.5, c.beats_total(), [0.5, 1, 0.5, 1.5], 0.2, 105, legato=0.95)
    return ["trumpet", "trombones", "brass section", "saxophones", "walking bass"]


def acoustic_guitar(c):
    steel = c.rng.random() < 0.6
    c.prog(0, 25 if steel else 24); c.prog(1, 25 if steel else 24)
    prog = c.progression([[0, 4, 5, 3], [0, 3, 0, 4], [5, 3, 0, 4], [0, 5, 3, 4]])
    pick = c.rng.random() < 0.5

    def bar(i, b0):
        d = prog[i % 4]
        tones = chord(c.root, c.mode, d, 3, 3)
        voicing = [tones[0] - 12, tones[0], tones[1], tones[2], tones[0] + 12, tones[1] + 12]
        if pick:  # fingerpicked: thumb on the bass, fingers on the top strings
            order = [0, 3, 2, 4, 1, 3, 2, 5]
            for e in range(8):
                c.n(b0 + e / 2, 1.0, 0, voicing[order[e]], 70 if e % 2 else 80)
        else:  # strummed: down-up pattern, each strum a fast roll across the strings
            for k, down in ((0, 1), (1, 1), (1.5, 0), (2.5, 0), (3, 1), (3.5, 0)):
                strings = voicing if down else voicing[::-1][:4]
                for j, p in enumerate(strings):
                    c.n(b0 + k + 0.012 * j, 0.6, 1, p, 78 if down else 62)
    _bar_loop(c, bar)
    return ["steel-string acoustic guitar" if steel else "nylon acoustic guitar"]


# Appended after the v1 styles so their seeds (by style position) stay the same.
MORE_STYLES = {
    "house": dict(fn=house, bpm=(118, 128), modes=("minor", "dorian", "major"),
                  names=["house", "house music", "deep house with piano chords", "electronic dance music", "edm house"],
                  main="house piano", moods=["danceable", "uplifting", "clubby"], kit="electro"),
    "dubstep": dict(fn=dubstep, bpm=(138, 142), modes=("minor",),
                    names=["dubstep", "dubstep wobble bass", "heavy dubstep drop", "bass music", "brostep"],
                    main="wobble bass", moods=["heavy", "aggressive", "dark"], kit="electro"),
    "drum_and_bass": dict(fn=drum_and_bass, bpm=(168, 176), modes=("minor",),
                          names=["drum and bass", "dnb", "liquid drum and bass", "jungle breakbeat", "drum n bass"],
                          main="breakbeat", moods=["fast", "rolling", "energetic"], kit="acoustic"),
    "ambient_pad": dict(fn=ambient_pad, bpm=(60, 80), modes=("major", "minor"),
                        names=["ambient", "ambient pad", "calm ambient soundscape", "atmospheric drone", "meditation music"],
                        main="synth pads", moods=["calm", "peaceful", "spacious"]),
    "trap": dict(fn=trap, bpm=(130, 150), modes=("minor",),
                 names=["trap", "trap beat with 808", "hip hop trap beat", "808 trap", "rap beat"],
                 main="808 bass", moods=["hard", "dark", "bouncy"], kit="808"),
    "metal": dict(fn=metal, bpm=(140, 180), modes=("minor",),
                  names=["metal", "heavy metal", "thrash metal riff", "metal guitars", "death metal"],
                  main="distorted guitar", moods=["brutal", "heavy", "aggressive"], kit="acoustic"),
    "blues": dict(fn=blues, bpm=(72, 110), modes=("major",),
                  names=["blues", "12 bar blues", "blues shuffle", "delta blues guitar", "blues jam"],
                  main="blues guitar", moods=["soulful", "gritty", "bluesy"], kit="acoustic"),
    "bossa_nova": dict(fn=bossa_nova, bpm=(120, 140), modes=("major", "dorian"),
                       names=["bossa nova", "brazilian bossa nova", "bossa nova guitar", "latin jazz bossa", "samba bossa"],
                       main="nylon guitar", moods=["breezy", "sunny", "relaxed"]),
    "classical_piano": dict(fn=classical_piano, bpm=(96, 140), modes=("major", "minor"),
                            names=["classical piano", "piano sonata", "mozart style piano", "baroque piano", "classical music"],
                            main="piano", moods=["elegant", "graceful", "lively"]),
    "choir": dict(fn=choir, bpm=(56, 80), modes=("major", "minor"),
                  names=["choir", "choral voices", "gregorian choir", "angelic choir singing", "vocal choir"],
                  main="choir", moods=["angelic", "sacred", "heavenly"]),
    "chiptune": dict(fn=chiptune, bpm=(130, 170), modes=("major", "minor"),
                     names=["chiptune", "8-bit music", "video game music", "retro game chiptune", "nes chiptune"],
                     main="square wave", moods=["retro", "playful", "bouncy"], kit="electro"),
    "big_band": dict(fn=big_band, bpm=(120, 170), modes=("major",),
                     names=["big band", "big band swing", "brass band", "swing jazz horns", "jazz big band brass"],
                     main="brass section", moods=["swinging", "bold", "brassy"]),
    "acoustic_guitar": dict(fn=acoustic_guitar, bpm=(76, 120), modes=("major", "minor"),
                            names=["acoustic guitar", "acoustic guitar strumming", "fingerstyle acoustic guitar",
                                   "singer songwriter guitar", "folk acoustic guitar"],
                            main="acoustic guitar", moods=["warm", "intimate", "gentle"]),
}
