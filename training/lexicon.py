"""Builds the model folder's lexicon.json: prompt words (prompt_terms.py) plus what each style is.

The pipeline reads it to turn any prompt into a caption of the form the model was trained on
("{mood} {tempo} {style}"), and to say what it understood.
"""
from prompt_terms import ALIASES, FALLBACK_STYLE, TERMS
from seed_loops import beats_for, style_seed_images
from style_registry import MOOD_WORDS, STYLES

TEMPO_BPM = {"slow": (0, 88), "medium": (88, 120), "fast": (120, 1000)}  # style_registry.tempo_word's bounds


def build_lexicon():
    styles = {}
    seeds = style_seed_images()
    beats = {sid: beats_for(s["bpm"]) for sid, s in STYLES.items()}
    for sid, s in STYLES.items():
        modes = sorted({"major" if m == "major" else "minor" for m in s["modes"]})
        styles[sid] = {"caption": s["names"][0], "label": s["names"][0], "bpm": list(s["bpm"]), "modes": modes,
                       "seedImage": seeds[sid], "seedBeats": beats[sid] if seeds[sid] else None}
    terms = {}
    for phrase, t in TERMS.items():
        kind, label, weights = t[0], t[1], t[2]
        extra = t[3] if len(t) > 3 else {}
        for sid in weights:
            if sid not in STYLES:
                raise ValueError(f"prompt term {phrase!r} points at unknown style {sid!r}")
        terms[phrase] = {"kind": kind, "label": label, "styles": weights, **extra}
    moods = {word: mode for mode, words in MOOD_WORDS.items() for word in words}
    for phrase, t in terms.items():
        if "mood" in t and t["mood"] not in moods:
            raise ValueError(f"prompt term {phrase!r} names mood {t['mood']!r}, which no caption uses")
    if FALLBACK_STYLE not in STYLES:
        raise ValueError(f"fallback style {FALLBACK_STYLE!r} is not a style")
    return {"version": 1, "styles": styles, "terms": terms, "aliases": ALIASES, "moods": moods,
            "tempos": {k: list(v) for k, v in TEMPO_BPM.items()}, "fallback": FALLBACK_STYLE}
