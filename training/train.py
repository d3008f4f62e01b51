"""Train riffcord-small on the rendered corpus: VAE, then text encoder + UNet on cached latents.

    /usr/bin/python3 training/train.py [--corpus data/corpus] [--ckpt data/checkpoints]
                                       [--vae-steps N] [--unet-steps N] [--phase all|vae|latents|unet]

CPU only, fixed seeds, resumable: every phase checkpoints to --ckpt and continues from there when
run again with the same arguments (each step's batch is drawn from a generator seeded by the
step number, so a resumed run sees the same batches). Losses go to <ckpt>/train.log.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clip_bpe import BOS, EOS, ClipTokenizer  # noqa: E402
from model import VAE, TextEncoder, UNet, sd_alphas_cumprod  # noqa: E402

SEED = 1234
SIZE = 256


def log(ckpt, msg):
    line = f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {msg}"
    print(line, flush=True)
    with open(os.path.join(ckpt, "train.log"), "a") as f:
        f.write(line + "\n")


def load_corpus(corpus):
    clips = [json.loads(l) for l in open(os.path.join(corpus, "clips.jsonl"))]
    images = np.fromfile(os.path.join(corpus, "images.u8"), dtype=np.uint8)
    if images.size != len(clips) * SIZE * SIZE:
        sys.exit(f"{corpus}/images.u8 holds {images.size} bytes, expected {len(clips)} x 256 x 256; run training/convert-images.ts")
    return clips, images.reshape(len(clips), SIZE, SIZE)


def to_unit(u8):
    return torch.from_numpy(u8.astype(np.float32) / 127.5 - 1.0)


def save(path, obj):
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def lr_at(step, total, base, warmup=100):
    if step < warmup:
        return base * (step + 1) / warmup
    p = (step - warmup) / max(1, total - warmup)
    return base * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * p)))


# ------------------------------------------------------------------ VAE
def train_vae(args, clips, images):
    path = os.path.join(args.ckpt, "vae.pt")
    torch.manual_seed(SEED)
    vae = VAE(args.vae_config)
    opt = torch.optim.AdamW(vae.parameters(), lr=args.vae_lr, weight_decay=0.0)
    step = 0
    if os.path.exists(path):
        st = torch.load(path)
        vae.load_state_dict(st["model"]); step = st["step"]
        if st.get("opt") is not None:
            opt.load_state_dict(st["opt"])
        log(args.ckpt, f"vae: resumed at step {step}")
    train_idx = np.array([i for i, c in enumerate(clips) if c["split"] == "train"])
    crop = args.vae_crop
    t0 = time.time()
    while step < args.vae_steps:
        g = np.random.default_rng(SEED * 1000 + step)
        idx = g.choice(train_idx, args.vae_batch)
        rs, cs = g.integers(0, SIZE - crop + 1, args.vae_batch), g.integers(0, SIZE - crop + 1, args.vae_batch)
        x = to_unit(np.stack([images[i, r:r + crop, c:c + crop] for i, r, c in zip(idx, rs, cs)]))[:, None]
        for pg in opt.param_groups:
            pg["lr"] = lr_at(step, args.vae_steps, args.vae_lr)
        mean, logvar = vae.encoder(x)
        logvar = logvar.clamp(-30, 20)
        z = mean + torch.exp(0.5 * logvar) * torch.randn(mean.shape, generator=torch.Generator().manual_seed(step))
        y = vae.decoder(z)
        rec = (y - x).abs().mean()
        mse = (y - x).pow(2).mean()
        kl = 0.5 * (mean.pow(2) + logvar.exp() - 1 - logvar).mean()
        loss = rec + 0.5 * mse + args.kl_weight * kl
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(vae.parameters(), 1.0)
        opt.step()
        step += 1
        if step % 25 == 0 or step == args.vae_steps:
            log(args.ckpt, f"vae step {step} l1 {rec.item():.4f} mse {mse.item():.4f} kl {kl.item():.2f} "
                           f"{(time.time() - t0) / 25:.2f}s/step")
            t0 = time.time()
        if step % 100 == 0 or step == args.vae_steps:
            save(path, {"model": vae.state_dict(), "opt": opt.state_dict(), "step": step, "config": args.vae_config})
    return vae


def load_vae(ckpt):
    st = torch.load(os.path.join(ckpt, "vae.pt"))
    vae = VAE(st.get("config", "v1"))
    vae.load_state_dict(st["model"])
    return vae.eval()


# ------------------------------------------------------------------ latents + captions
def build_latents(args, clips, images, vae):
    path = os.path.join(args.ckpt, "latents.pt")
    if os.path.exists(path):
        return torch.load(path)
    # Reconstruction error is measured on every 10th clip (all test clips, index % 10 == 0, and
    # none of train) plus every 10th train clip (index % 10 == 5): decoding all would cost minutes.
    means, l1, probe = [], [], []
    with torch.no_grad():
        for s in range(0, len(clips), 32):
            x = to_unit(images[s:s + 32])[:, None]
            m, _ = vae.encoder(x)
            means.append(m)
            sel = [j for j in range(len(x)) if clips[s + j]["index"] % 10 in (0, 5)]
            if sel:
                l1.append((vae.decoder(m[sel]) - x[sel]).abs().mean(dim=(1, 2, 3)))
                probe.extend(s + j for j in sel)
    lat = torch.cat(means)
    l1_all = torch.full((len(clips),), float("nan"))
    l1_all[probe] = torch.cat(l1)
    l1 = l1_all
    train = torch.tensor([c["split"] == "train" for c in clips])
    scaling = float(1.0 / lat[train].std())
    test_l1 = float(l1[~train].nanmean())
    log(args.ckpt, f"latents: {tuple(lat.shape)}, std {lat[train].std():.4f} -> scaling factor {scaling:.5f}; "
                   f"VAE L1 on full 256x256 images: train {float(l1[train].nanmean()):.4f} ({int((~l1[train].isnan()).sum())} clips), test {test_l1:.4f} (pixels in [-1,1])")
    tok = ClipTokenizer()
    ids = torch.tensor([[tok(cap) for cap in c["captions"]] for c in clips], dtype=torch.int32)
    empty = torch.tensor(tok(""), dtype=torch.int32)
    used = sorted(set(ids.flatten().tolist()) | {BOS, EOS})
    lut = torch.zeros(49408, dtype=torch.int32)
    for i, t in enumerate(used):
        lut[t] = i + 1  # 0 = unknown
    out = {"latents": lat, "scaling": scaling, "ids": ids, "empty": empty, "lut": lut, "vocab": len(used) + 1,
           "vae_l1_train": float(l1[train].nanmean()), "vae_l1_test": test_l1}
    save(path, out)
    return out


# ------------------------------------------------------------------ UNet + text encoder
def ema_update(ema, model, decay):
    with torch.no_grad():
        for e, p in zip(ema.values(), model.state_dict().values()):
            if e.dtype.is_floating_point:
                e.mul_(decay).add_(p, alpha=1 - decay)
            else:
                e.copy_(p)


def train_unet(args, clips, data):
    path = os.path.join(args.ckpt, "unet.pt")
    torch.manual_seed(SEED + 1)
    text = TextEncoder(data["lut"], data["vocab"], dim=args.text_dim)
    unet = UNet(ctx_dim=args.text_dim, z=data["latents"].shape[1])
    params = list(text.parameters()) + list(unet.parameters())
    opt = torch.optim.AdamW(params, lr=args.unet_lr, weight_decay=0.01)
    ema = {"text": {k: v.clone() for k, v in text.state_dict().items()},
           "unet": {k: v.clone() for k, v in unet.state_dict().items()}}
    step, rewarm_from = 0, None
    if os.path.exists(path):
        st = torch.load(path)
        text.load_state_dict(st["text"]); unet.load_state_dict(st["unet"])
        ema = st["ema"]; step = st["step"]
        if st.get("opt") is not None:
            opt.load_state_dict(st["opt"])
        else:
            # Imported weights (training/import_onnx.py) come without Adam's moments: warm the
            # learning rate up again, or the first steps' raw gradients would undo them.
            rewarm_from = step
        log(args.ckpt, f"unet: resumed at step {step}" + (" without optimiser state (learning rate warmed up again)" if rewarm_from is not None else ""))
    acp = sd_alphas_cumprod().float()
    lat = data["latents"] * data["scaling"]
    ids, empty = data["ids"], data["empty"]
    train_idx = np.array([i for i, c in enumerate(clips) if c["split"] == "train"])
    log(args.ckpt, f"unet: {sum(p.numel() for p in unet.parameters()) / 1e6:.2f}M params, text encoder "
                   f"{sum(p.numel() for p in text.parameters()) / 1e6:.2f}M, vocab {data['vocab']}, {len(train_idx)} train clips")
    t0, run = time.time(), []
    while step < args.unet_steps:
        g = np.random.default_rng(SEED * 2000 + step)
        tg = torch.Generator().manual_seed(SEED * 2000 + step)
        b = args.unet_batch
        idx = g.choice(train_idx, b)
        cap = g.integers(0, ids.shape[1], b)
        tok = ids[idx, cap].clone()
        drop = torch.from_numpy(g.random(b) < args.cond_drop)
        tok[drop] = empty
        x0 = lat[idx]
        t = torch.randint(0, 1000, (b,), generator=tg)
        noise = torch.randn(x0.shape, generator=tg)
        a = acp[t][:, None, None, None]
        xt = a.sqrt() * x0 + (1 - a).sqrt() * noise
        for pg in opt.param_groups:
            pg["lr"] = lr_at(step, args.unet_steps, args.unet_lr, warmup=100)
            if rewarm_from is not None:
                pg["lr"] *= min(1.0, (step - rewarm_from + 1) / 100)
        pred = unet(xt, t.float(), text(tok))
        # Min-SNR-gamma weighting (Hang et al. 2023): caps the weight of the low-noise steps, whose
        # easy targets otherwise dominate the gradient; it converges in far fewer steps.
        snr = a.flatten() / (1 - a.flatten())
        weight = torch.clamp(snr, max=args.min_snr) / snr if args.min_snr > 0 else torch.ones_like(snr)
        loss = (F.mse_loss(pred, noise, reduction="none").mean(dim=(1, 2, 3)) * weight).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        decay = min(args.ema, (1 + step) / (10 + step))
        ema_update(ema["text"], text, decay)
        ema_update(ema["unet"], unet, decay)
        run.append(loss.item())
        if step % 50 == 0 or step == args.unet_steps:
            log(args.ckpt, f"unet step {step} loss {np.mean(run):.4f} lr {opt.param_groups[0]['lr']:.2e} "
                           f"{(time.time() - t0) / len(run):.2f}s/step")
            t0, run = time.time(), []
        if step % 200 == 0 or step == args.unet_steps:
            save(path, {"text": text.state_dict(), "unet": unet.state_dict(), "opt": opt.state_dict(), "ema": ema,
                        "step": step, "text_dim": args.text_dim})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default="data/corpus")
    ap.add_argument("--ckpt", default="data/checkpoints")
    ap.add_argument("--phase", default="all", choices=["all", "vae", "latents", "unet"])
    ap.add_argument("--vae-steps", type=int, default=800)
    ap.add_argument("--vae-batch", type=int, default=16)
    ap.add_argument("--vae-crop", type=int, default=128)
    ap.add_argument("--vae-lr", type=float, default=1e-3)
    ap.add_argument("--kl-weight", type=float, default=1e-5)
    ap.add_argument("--vae-config", default="v2", choices=["v1", "v2"])
    ap.add_argument("--unet-steps", type=int, default=2400)
    ap.add_argument("--unet-batch", type=int, default=32)
    ap.add_argument("--unet-lr", type=float, default=5e-4)
    ap.add_argument("--text-dim", type=int, default=128)
    ap.add_argument("--min-snr", type=float, default=5.0, help="min-SNR-gamma loss weight cap (0: plain MSE)")
    ap.add_argument("--cond-drop", type=float, default=0.1)
    ap.add_argument("--ema", type=float, default=0.998)
    ap.add_argument("--threads", type=int, default=int(os.environ.get("RIFFCORD_TRAIN_THREADS", "1")))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.ckpt, exist_ok=True)
    clips, images = load_corpus(args.corpus)
    t_start = time.time()
    if args.phase in ("all", "vae"):
        train_vae(args, clips, images)
        log(args.ckpt, f"vae phase done, {time.time() - t_start:.0f} s this run")
    if args.phase in ("all", "latents", "unet"):
        data = build_latents(args, clips, images, load_vae(args.ckpt))
    if args.phase in ("all", "unet"):
        t1 = time.time()
        train_unet(args, clips, data)
        log(args.ckpt, f"unet phase done, {time.time() - t1:.0f} s this run")
    log(args.ckpt, f"train.py finished phase {args.phase} in {time.time() - t_start:.0f} s")


if __name__ == "__main__":
    main()
