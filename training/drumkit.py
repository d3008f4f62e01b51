"""Real drum samples for the corpus: Sonic Pi's sample library (CC0, Debian package sonic-pi-samples).

A style that names a kit has its drum-channel notes recorded as hits instead of MIDI; the renderer
mixes the kit's samples into the style's track at those times. General MIDI drum numbers pick the
sample, so composers write drums the same way for either path.
"""
import os
import subprocess

import numpy as np

SAMPLES_DIR = "/usr/share/sonic-pi/samples"
SR = 44100

# GM drum note -> Sonic Pi sample, per kit. Notes a kit lacks fall back to the nearest role.
KITS = {
    "acoustic": {36: "drum_heavy_kick", 38: "drum_snare_hard", 40: "drum_snare_soft", 37: "drum_snare_soft",
                 39: "perc_snap", 42: "drum_cymbal_closed", 44: "drum_cymbal_pedal", 46: "drum_cymbal_open",
                 49: "drum_splash_hard", 51: "drum_cymbal_soft", 45: "drum_tom_lo_hard", 47: "drum_tom_mid_hard",
                 50: "drum_tom_hi_hard", 54: "drum_cymbal_pedal", 70: "drum_cymbal_pedal"},
    "electro": {36: "bd_haus", 38: "elec_snare", 40: "elec_hi_snare", 37: "elec_wood", 39: "perc_snap2",
                42: "drum_cymbal_closed", 44: "drum_cymbal_pedal", 46: "drum_cymbal_open", 49: "elec_cymbal",
                51: "drum_cymbal_soft", 45: "elec_fuzz_tom", 50: "elec_fuzz_tom", 75: "elec_tick", 70: "elec_tick"},
    "808": {36: "bd_808", 38: "sn_dolf", 40: "sn_zome", 37: "elec_wood", 39: "perc_snap", 42: "elec_tick",
            44: "elec_tick", 46: "drum_cymbal_open", 49: "elec_cymbal", 51: "drum_cymbal_soft",
            45: "elec_fuzz_tom", 50: "elec_fuzz_tom", 75: "elec_tick", 70: "elec_tick"},
    "techno": {36: "bd_tek", 38: "sn_generic", 40: "elec_lo_snare", 37: "elec_wood", 39: "perc_snap2",
               42: "drum_cymbal_closed", 44: "drum_cymbal_pedal", 46: "drum_cymbal_open", 49: "elec_cymbal",
               51: "drum_cymbal_soft", 75: "elec_tick", 70: "elec_tick", 45: "elec_fuzz_tom", 50: "elec_fuzz_tom"},
}
# Per-sample gain so kicks, snares and hats sit at a usual mix balance.
GAINS = {"drum_cymbal_closed": 0.45, "drum_cymbal_pedal": 0.45, "drum_cymbal_open": 0.4, "elec_tick": 0.5,
         "drum_cymbal_soft": 0.35, "drum_splash_hard": 0.4, "elec_cymbal": 0.4}

_cache: dict = {}


def load_sample(name: str) -> np.ndarray:
    """Mono float32 at 44.1 kHz, decoded once by ffmpeg and cached."""
    if name not in _cache:
        path = os.path.join(SAMPLES_DIR, name + ".flac")
        raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-ac", "1", "-ar", str(SR), "-f", "f32le", "-"],
                             check=True, stdout=subprocess.PIPE).stdout
        x = np.frombuffer(raw, dtype="<f4").astype(np.float32)
        peak = float(np.abs(x).max()) or 1.0
        _cache[name] = x / peak
    return _cache[name]


def available() -> bool:
    return os.path.isdir(SAMPLES_DIR)


def mix_hits(track: np.ndarray, hits, kit: str, gain: float = 0.5) -> None:
    """Adds each (seconds, gm_note, velocity) hit of `kit` into `track` in place."""
    table = KITS[kit]
    for t, note, vel in hits:
        name = table.get(note)
        if name is None:
            continue
        s = load_sample(name)
        start = int(round(t * SR))
        if start >= len(track):
            continue
        n = min(len(s), len(track) - start)
        track[start:start + n] += s[:n] * (gain * GAINS.get(name, 1.0) * (vel / 127.0) ** 1.5)
