"""Seed images for riffcord-small's radio: drum loops whose 5.12 s hold a whole number of beats.

    /usr/bin/python3 training/seed_loops.py --out data/seed-loops

Riffusion keeps consecutive radio clips on one beat by generating every clip from the same seed
image (img2img at denoising ~0.75): the seed's beat grid survives the denoising, and when 5.12 s
is a whole number of beats the grid runs on across every join. One loop per beat count; a
style's loop is the one whose tempo is nearest its own (style_registry bpm ranges), and styles
without drums get none. Drums are Sonic Pi's CC0 samples (drumkit.py). Each loop is rendered
twice over and the second pass kept, so the tails of the last beat wrap into the first.
Writes <out>/<id>.wav; training/export-seed-images.sh turns them into the model's PNGs.
"""
import argparse
import os
import sys
import wave

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import drumkit  # noqa: E402
from style_registry import STYLES  # noqa: E402

SR = 44100
CLIP_SAMPLES = 225792  # 5.12 s
CLIP_SECONDS = CLIP_SAMPLES / SR
BPM_PER_BEAT = 60.0 / CLIP_SECONDS  # 11.71875: the tempo at which 5.12 s holds exactly one beat
# Styles whose music has no drum kit: a beat seed would add drums they never play.
BEATLESS = {"piano_ballad", "church_organ_bells", "orchestral_strings", "ambient_pad", "classical_piano", "choir",
            "marimba", "acoustic_guitar", "folk_fiddle"}


def beats_for(bpm_range):
    return int(round(sum(bpm_range) / 2 / BPM_PER_BEAT))


def loop_id(beats):
    return f"rc_beat_{round(beats * BPM_PER_BEAT):03d}"


def style_seed_images():
    """style id -> seed image id (or None for beatless styles)."""
    return {sid: (None if sid in BEATLESS else loop_id(beats_for(s["bpm"]))) for sid, s in STYLES.items()}


def render_loop(beats):
    beat = CLIP_SECONDS / beats
    hits = []
    for cycle in range(2):
        for b in range(beats):
            t = cycle * CLIP_SECONDS + b * beat
            hits.append((t, 36 if b % 2 == 0 else 38, 118 if b % 2 == 0 else 110))
            hits.append((t, 42, 80))
            hits.append((t + beat / 2, 42, 60))
            if b % 4 == 3:
                hits.append((t + beat * 0.75, 36, 90))
    track = np.zeros(2 * CLIP_SAMPLES + SR, dtype=np.float32)
    drumkit.mix_hits(track, hits, "acoustic", gain=0.6)
    loop = track[CLIP_SAMPLES:2 * CLIP_SAMPLES].copy()
    return loop * (0.89 / float(np.abs(loop).max()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="data/seed-loops")
    a = ap.parse_args()
    if not drumkit.available():
        sys.exit("Sonic Pi's samples are missing: apt-get install sonic-pi-samples")
    os.makedirs(a.out, exist_ok=True)
    wanted = sorted({beats_for(s["bpm"]) for sid, s in STYLES.items() if sid not in BEATLESS})
    for beats in wanted:
        path = os.path.join(a.out, loop_id(beats) + ".wav")
        with wave.open(path, "wb") as w:
            w.setnchannels(1); w.setsampwidth(2); w.setframerate(SR)
            w.writeframes(np.round(render_loop(beats) * 32767).astype("<i2").tobytes())
        print(f"{path}: {beats} beats in 5.12 s = {beats * BPM_PER_BEAT:.3f} bpm")


if __name__ == "__main__":
    main()
