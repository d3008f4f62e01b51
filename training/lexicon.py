"""Builds the model folder's lexicon.json: prompt words (prompt_terms.py) plus what each style is.

The pipeline reads it to turn any prompt into a caption of the form the model was trained on
("{mood} {tempo} {style}"), and to say what it understood.

    /usr/bin/python3 training/lexicon.py --model v1 > models/riffcord-small/lexicon.json

A model that knows fewer styles (v1's 12) gets stand-ins: each missing style's words point at the
nearest style it knows (house -> techno drums), and the mood words are the ones its captions used.
export.py writes the v2 lexicon with every style.
"""
import argparse
import json
import sys

from prompt_terms import ALIASES, FALLBACK_STYLE, TERMS
from seed_loops import beats_for, style_seed_images
from style_registry import MOOD_WORDS, STYLES, V1_STYLES

TEMPO_BPM = {"slow": (0, 88), "medium": (88, 120), "fast": (120, 1000)}  # style_registry.tempo_word's bounds

# For v1 (12 styles): the style that stands in for each v2 style it never learned.
V1_STAND_INS = {"house": "techno_drums", "dubstep": "techno_drums", "drum_and_bass": "techno_drums",
                "ambient_pad": "synthwave", "trap": "lofi_hiphop", "metal": "rock_guitar", "blues": "rock_guitar",
                "bossa_nova": "jazz_sax", "classical_piano": "piano_ballad", "choir": "church_organ_bells",
                "chiptune": "synthwave", "big_band": "jazz_sax", "acoustic_guitar": "folk_fiddle"}
# v1's captions named moods by mode with these words.
V1_MOOD_WORDS = {"major": ["bright", "happy", "uplifting"], "minor": ["dark", "melancholic", "moody"]}


def build_lexicon(model="v2"):
    known = STYLES if model == "v2" else V1_STYLES
    stand_ins = {} if model == "v2" else V1_STAND_INS
    mood_words = MOOD_WORDS if model == "v2" else V1_MOOD_WORDS
    styles = {}
    seeds = style_seed_images()
    for sid, s in known.items():
        modes = sorted({"major" if m == "major" else "minor" for m in s["modes"]})
        styles[sid] = {"caption": s["names"][0], "label": s["names"][0], "bpm": list(s["bpm"]), "modes": modes,
                       "seedImage": seeds[sid], "seedBeats": beats_for(s["bpm"]) if seeds[sid] else None}
    moods = {word: mode for mode, words in mood_words.items() for word in words}
    v2_moods = {word: mode for mode, words in MOOD_WORDS.items() for word in words}
    terms = {}
    for phrase, t in TERMS.items():
        kind, label, weights = t[0], t[1], t[2]
        extra = dict(t[3]) if len(t) > 3 else {}
        mapped = {}
        for sid, w in weights.items():
            if sid not in STYLES:
                raise ValueError(f"prompt term {phrase!r} points at unknown style {sid!r}")
            target = stand_ins.get(sid, sid)
            mapped[target] = max(mapped.get(target, 0), w)  # a stand-in for two styles counts once
        if "mood" in extra and extra["mood"] not in moods:
            mode = v2_moods.get(extra["mood"])
            if mode is None:
                raise ValueError(f"prompt term {phrase!r} names mood {extra['mood']!r}, which no caption uses")
            extra["mood"] = mood_words[mode][0] if extra["mood"] in ("happy", "sad") and mode == "major" else \
                {"sad": "melancholic"}.get(extra["mood"], mood_words[mode][0])
        terms[phrase] = {"kind": kind, "label": label, "styles": mapped, **extra}
    if FALLBACK_STYLE not in styles:
        raise ValueError(f"fallback style {FALLBACK_STYLE!r} is not a style")
    return {"version": 1, "styles": styles, "terms": terms, "aliases": ALIASES, "moods": moods,
            "tempos": {k: list(v) for k, v in TEMPO_BPM.items()}, "fallback": FALLBACK_STYLE,
            "standIns": stand_ins}


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=["v1", "v2"], default="v2")
    json.dump(build_lexicon(ap.parse_args().model), sys.stdout, indent=1)
