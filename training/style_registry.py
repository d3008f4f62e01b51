"""The corpus's styles in one registry (v1's 12, then v2's additions) and the captions of a clip.

A style's position in STYLES seeds its clips, so new styles are only ever appended.
"""
import numpy as np

from styles import (DORIAN, MAJOR, MINOR, church_organ_bells, folk_fiddle, funk_bass, jazz_sax, lofi_hiphop,
                    marimba, orchestral_strings, piano_ballad, reggae, rock_guitar, synthwave, techno_drums)
from styles_more import MORE_STYLES

# name -> composer, bpm range, modes allowed, caption vocabulary, optional sample drum kit
V1_STYLES = {
    "jazz_sax": dict(fn=jazz_sax, bpm=(80, 150), modes=("major", "dorian"),
                     names=["jazz sax", "jazz saxophone", "smooth jazz saxophone solo", "jazz", "saxophone jazz combo"],
                     main="saxophone", moods=["smooth", "mellow", "swinging"]),
    "funk_bass": dict(fn=funk_bass, bpm=(92, 118), modes=("dorian", "minor"),
                      names=["funk bass", "slap bass funk", "funky bass groove", "funk", "funk slap bass line"],
                      main="slap bass", moods=["groovy", "funky", "tight"], kit="acoustic"),
    "rock_guitar": dict(fn=rock_guitar, bpm=(110, 160), modes=("major", "minor"),
                        names=["rock guitar", "electric guitar rock", "rock", "distorted guitar riff", "hard rock electric guitar"],
                        main="electric guitar", moods=["energetic", "heavy", "loud"], kit="acoustic"),
    "piano_ballad": dict(fn=piano_ballad, bpm=(58, 84), modes=("major", "minor"),
                         names=["piano ballad", "solo piano", "piano", "emotional piano ballad", "soft piano"],
                         main="piano", moods=["gentle", "emotional", "tender"]),
    "techno_drums": dict(fn=techno_drums, bpm=(124, 142), modes=("minor",),
                         names=["techno drums", "techno", "techno beat", "four on the floor techno", "electronic techno drums"],
                         main="drum machine", moods=["driving", "hypnotic", "pounding"], kit="techno"),
    "lofi_hiphop": dict(fn=lofi_hiphop, bpm=(68, 90), modes=("major", "dorian"),
                        names=["lo-fi hip hop", "lofi beat", "lofi hip hop beat", "chill lofi", "lo-fi beats to study to"],
                        main="electric piano", moods=["chill", "relaxed", "dreamy"], kit="acoustic"),
    "church_organ_bells": dict(fn=church_organ_bells, bpm=(56, 80), modes=("major", "minor"),
                               names=["church organ and bells", "church organ", "cathedral organ with bells", "pipe organ hymn", "church bells"],
                               main="church organ", moods=["sacred", "solemn", "majestic"]),
    "orchestral_strings": dict(fn=orchestral_strings, bpm=(66, 110), modes=("major", "minor"),
                               names=["orchestral strings", "string orchestra", "orchestra", "cinematic strings", "classical strings"],
                               main="violin", moods=["cinematic", "epic", "lush"]),
    "folk_fiddle": dict(fn=folk_fiddle, bpm=(100, 150), modes=("major",),
                        names=["acoustic folk fiddle", "folk fiddle", "fiddle", "irish fiddle reel", "folk music"],
                        main="fiddle", moods=["lively", "rustic", "cheerful"]),
    "reggae": dict(fn=reggae, bpm=(66, 86), modes=("major", "minor"),
                   names=["reggae", "reggae groove", "roots reggae", "reggae skank guitar", "one drop reggae"],
                   main="reggae guitar", moods=["laid-back", "sunny", "easy"], kit="acoustic"),
    "marimba": dict(fn=marimba, bpm=(90, 130), modes=("major",),
                    names=["marimba", "marimba melody", "mallet percussion marimba", "solo marimba", "marimba pattern"],
                    main="marimba", moods=["playful", "bouncy", "light"]),
    "synthwave": dict(fn=synthwave, bpm=(88, 118), modes=("minor",),
                      names=["synthwave", "retro synthwave", "80s synth", "synthwave with drum machine", "outrun synthwave"],
                      main="synthesizer", moods=["retro", "nostalgic", "neon"], kit="electro"),
}
STYLES = {**V1_STYLES, **MORE_STYLES}
MODES = {"major": MAJOR, "minor": MINOR, "dorian": DORIAN}

TEMPO_WORDS = ("slow", "medium", "fast")
MOOD_WORDS = {"major": ["happy", "bright", "uplifting"], "minor": ["sad", "dark", "melancholic"]}
ENERGY_WORDS = {"soft": (0.7, 0.85), "": (0.85, 1.0), "loud": (1.0, 1.12)}


def tempo_word(bpm):
    return "slow" if bpm < 88 else ("medium" if bpm < 120 else "fast")


def energy_word(energy):
    for word, (lo, hi) in ENERGY_WORDS.items():
        if lo <= energy < hi:
            return word
    return "loud"


def captions(style, meta):
    """Several wordings of one clip, all derived from what was rendered (genre x instrument x tempo x mood)."""
    s = STYLES[style]
    rng = np.random.default_rng(meta["seed"] + 7)
    tw = tempo_word(meta["bpm"])
    names = s["names"]
    mood = s["moods"][rng.integers(len(s["moods"]))]
    moods = MOOD_WORDS["major" if meta["mode"] == "major" else "minor"]
    mood2 = moods[rng.integers(len(moods))]
    ew = energy_word(meta["energy"])
    instr = meta["instruments"]
    mode = meta["mode"] if meta["mode"] != "dorian" else "minor"
    out = [
        names[0],
        names[1],
        f"{tw} {names[0]}",
        f"{mood2} {names[0]}",
        f"{mood2} {tw} {names[0]}",
        f"{tw} {names[2]}",
        f"{mood} {names[rng.integers(len(names))]}",
        f"{names[2]}, {tw} and {mood}",
        f"{mood2} {tw} {names[rng.integers(len(names))]}",
        f"{names[3]} with {', '.join(instr[:-1])} and {instr[-1]}" if len(instr) > 1 else f"{names[3]}, {instr[0]}",
        s["main"],
        f"{tw} {s['main']}",
        f"{mood2} {tw} {s['main']}",
        f"{ew} {names[0]}".strip(),
        f"{names[4]}, {meta['bpm']} bpm, {meta['key']} {mode}",
    ]
    return out
