"""Render the riffcord training corpus: procedural MIDI per style -> fluidsynth -> 5.12 s mono clips.

    /usr/bin/python3 training/render_corpus.py [--per-style 150] [--out data/corpus] [--styles a,b]

One MIDI file per style holds all its clips in 10 s slots (the soundfont loads once per style);
each clip's 5.12 s crop is cut from inside its slot. Everything derives from fixed seeds.
Writes <out>/wav/<style>_<i>.wav (16-bit mono 44.1 kHz) and <out>/clips.jsonl.
"""
import argparse
import json
import os
import subprocess
import sys
import wave
from concurrent.futures import ThreadPoolExecutor

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from midi import MidiWriter  # noqa: E402
import drumkit  # noqa: E402
from style_registry import MODES, STYLES, captions  # noqa: E402
from styles import KEYS, Ctx  # noqa: E402

SR = 44100
CLIP_SAMPLES = 225792  # 5.12 s
SLOT = 10.0
# MuseScore General (MIT, Debian's musescore-general-soundfont-lossless) where installed: better
# samples than FluidR3 GM (MIT, fluid-soundfont-gm), which stays the fallback.
SOUNDFONTS = ["/usr/share/sounds/sf2/MuseScore_General_Full.sf2", "/usr/share/sounds/sf2/FluidR3_GM.sf2"]
SOUNDFONT = next((f for f in SOUNDFONTS if os.path.exists(f)), SOUNDFONTS[-1])
BASE_SEED = 20261124


def compose_style(style, n):
    s = STYLES[style]
    mw = MidiWriter()
    metas, hits, subs = [], [], []
    style_idx = list(STYLES).index(style)
    for i in range(n):
        seed = BASE_SEED + style_idx * 100_000 + i
        rng = np.random.default_rng(seed)
        bpm = int(rng.integers(s["bpm"][0], s["bpm"][1] + 1))
        root = int(rng.integers(0, 12))
        mode = s["modes"][rng.integers(len(s["modes"]))]
        t0 = i * SLOT
        mw.all_off(t0)
        ctx = Ctx(mw, t0 + 0.05, rng, bpm, root, MODES[mode])
        ctx.kit = s.get("kit") if drumkit.available() else None
        ctx.energy = float(rng.uniform(0.72, 1.1))
        instruments = s["fn"](ctx)
        hits.extend(ctx.hits)
        subs.extend(ctx.subs)
        mw.all_off(t0 + 0.05 + 7.7)
        offset = float(rng.uniform(0.4, 2.3))
        meta = dict(id=f"{style}_{i:04d}", style=style, index=i, seed=seed, bpm=bpm, key=KEYS[root], mode=mode,
                    energy=round(ctx.energy, 3), kit=ctx.kit, instruments=instruments, offset=round(offset, 4),
                    split="test" if i % 10 == 0 else "train")
        meta["captions"] = captions(style, meta)
        metas.append(meta)
    return mw, metas, hits, subs


def synth_808(track, subs, gain=0.55):
    """Sine sub-bass with a short pitch drop and an exponential decay: the trap 808."""
    for t, pitch, dur, vel in subs:
        start = int(round(t * SR))
        n = min(int((dur + 0.25) * SR), len(track) - start)
        if n <= 0:
            continue
        tt = np.arange(n) / SR
        f = 440.0 * 2 ** ((pitch - 69) / 12)
        freq = f * (1 + 0.6 * np.exp(-tt / 0.02))
        phase = 2 * np.pi * np.cumsum(freq) / SR
        env = np.exp(-tt / max(0.15, dur * 0.7)) * np.minimum(1, tt / 0.003)
        track[start:start + n] += gain * (vel / 127.0) * np.tanh(1.5 * np.sin(phase)) * env


def render_style(style, n, out):
    mw, metas, hits, subs = compose_style(style, n)
    tmp = os.path.join(out, "tmp")
    os.makedirs(tmp, exist_ok=True)
    mid = os.path.join(tmp, f"{style}.mid")
    wav_all = os.path.join(tmp, f"{style}.wav")
    with open(mid, "wb") as f:
        f.write(mw.to_bytes())
    subprocess.run(["fluidsynth", "-ni", "-q", "-g", "0.4", "-F", wav_all, "-r", str(SR), "-T", "wav", "-O", "s16",
                    SOUNDFONT, mid], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with wave.open(wav_all, "rb") as w:
        ch = w.getnchannels()
        assert w.getframerate() == SR and w.getsampwidth() == 2
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, ch).astype(np.float32)
    mono = pcm.mean(axis=1) / 32768.0
    kit = STYLES[style].get("kit") if drumkit.available() else None
    if kit:
        drumkit.mix_hits(mono, hits, kit)
    if subs:
        synth_808(mono, subs)
    os.makedirs(os.path.join(out, "wav"), exist_ok=True)
    for m in metas:
        start = int(round((m["index"] * SLOT + m["offset"]) * SR))
        clip = mono[start:start + CLIP_SAMPLES]
        if len(clip) < CLIP_SAMPLES:
            clip = np.pad(clip, (0, CLIP_SAMPLES - len(clip)))
        peak = float(np.abs(clip).max())
        m["peak_before_norm"] = round(peak, 5)
        m["soundfont"] = os.path.basename(SOUNDFONT)
        if peak > 0:
            clip = clip * (0.89 / peak)  # -1 dBFS peak; the image is max-normalised anyway
        with wave.open(os.path.join(out, "wav", m["id"] + ".wav"), "wb") as w:
            w.setnchannels(1); w.setsampwidth(2); w.setframerate(SR)
            w.writeframes(np.round(clip * 32767).astype("<i2").tobytes())
    os.remove(wav_all)
    return metas


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-style", type=int, default=150)
    ap.add_argument("--out", default="data/corpus")
    ap.add_argument("--styles", default=",".join(STYLES))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--fallback-sounds", action="store_true",
                    help="render with FluidR3 GM and General MIDI drums when MuseScore General or Sonic Pi's samples "
                         "are missing (a different corpus from the one riffcord-small was trained on)")
    a = ap.parse_args()
    missing = [pkg for pkg, ok in (("musescore-general-soundfont-lossless", SOUNDFONT == SOUNDFONTS[0]),
                                   ("sonic-pi-samples", drumkit.available())) if not ok]
    if missing and not a.fallback_sounds:
        sys.exit(f"riffcord-small's corpus is rendered with MuseScore General and Sonic Pi's drum samples; missing: "
                 f"{', '.join(missing)}. Install them (apt-get install {' '.join(missing)}), or pass --fallback-sounds "
                 f"to render with FluidR3 GM and General MIDI drums instead (a different corpus: a model trained or "
                 f"scored on it does not match the shipped one).")
    print(f"sounds: {os.path.basename(SOUNDFONT)}, drums: {'Sonic Pi samples' if drumkit.available() else 'General MIDI (soundfont)'}")
    styles = [s for s in a.styles.split(",") if s]
    for s in styles:
        if s not in STYLES:
            sys.exit(f"unknown style {s!r}; known: {', '.join(STYLES)}")
    os.makedirs(a.out, exist_ok=True)
    with ThreadPoolExecutor(a.workers) as ex:
        results = list(ex.map(lambda s: render_style(s, a.per_style, a.out), styles))
    with open(os.path.join(a.out, "clips.jsonl"), "w") as f:
        for metas in results:
            for m in metas:
                f.write(json.dumps(m) + "\n")
    print(f"rendered {sum(len(r) for r in results)} clips of {len(styles)} styles into {a.out}")


if __name__ == "__main__":
    main()
