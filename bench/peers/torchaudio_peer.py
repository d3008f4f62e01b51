#!/usr/bin/python3
"""The torchaudio peer of bench/spectrogram.ts: a careful torchaudio user turning a Riffusion
spectrogram image into audio (pseudo-inverse of the mel filterbank, then 32 Griffin-Lim iterations
with momentum at Riffusion's STFT sizes), on all cores.

usage: torchaudio_peer.py IMAGE OUT.wav   (Debian python3-torchaudio, python3-pil)
Prints one JSON line: {"ms": in-process wall time of the conversion (image read to WAV written,
imports excluded), "cpu_ms": the process's CPU time over the same stretch (all threads)}.
"""
import json, sys, time
import numpy as np, torch, torchaudio
from PIL import Image

def main(image_path, out_path):
    t0 = time.perf_counter()
    c0 = time.process_time()
    a = np.asarray(Image.open(image_path).convert("RGB"), dtype=np.float32)[::-1, :, 0]
    mel = torch.from_numpy(((255.0 - a) / 255.0) ** 4.0 * 30e6).float()   # (512, T)
    fb = torchaudio.functional.melscale_fbanks(8821, 0.0, 10000.0, 512, 44100, None, "htk")  # (8821, 512)
    mag = torch.clamp(torch.linalg.pinv(fb.T) @ mel, min=0.0)              # (8821, T)
    torch.manual_seed(0)
    gl = torchaudio.transforms.GriffinLim(n_fft=17640, n_iter=32, win_length=4410, hop_length=441,
                                          power=1.0, momentum=0.99, rand_init=True)
    x = gl(mag)
    x = x / x.abs().max().clamp(min=1e-12) * 0.9
    torchaudio.save(out_path, x[None], 44100)
    print(json.dumps({"ms": (time.perf_counter() - t0) * 1000, "cpu_ms": (time.process_time() - c0) * 1000}))

if __name__ == "__main__":
    torch.set_num_threads(2)
    main(sys.argv[1], sys.argv[2])
