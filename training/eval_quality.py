"""Quality figures for riffcord-small from spectrogram images (numpy + scipy only).

    /usr/bin/python3 training/eval_quality.py [--corpus data/corpus] [--gen data/eval] [--out data/eval/figures.json]

Embedding ("log-mel statistics"): a spectrogram image pixel p gives x = (255 - p) / 255 =
(mel / max) ^ 0.25, so log(x + 0.01) is a compressed log-mel value. The 256 mel rows are pooled to
32 bands; per band the mean over time, the standard deviation over time and the mean absolute
frame-to-frame change (spectral flux) give 96 features.

Figures:
- style classifier: multinomial logistic regression (L2, L-BFGS) on standardised features of the
  real training clips; accuracy on held-out real clips (the ceiling) and on generated clips
  (<gen>/gen/<style>__<seed>.png, prompt = the style's first caption), with confusion matrices;
- Frechet distance on the standardised features projected to 24 PCA dims (fit on real train):
  generated vs held-out, held-out vs an equal-size train sample, and shuffled-pixel noise vs held-out;
- diversity: mean pairwise L1 between images of the same prompt over seeds, beside the same
  figure for held-out real clips of one style;
- morphs: <gen>/morph/<a>__<b>__<seed>__<alpha>.png, classifier probability of a and b along alpha;
- the decoded-audio domain: <gen>/gen-audio/*.u8 are the generated images turned into audio by
  the spectrogram engine and analysed again (what a listener hears), scored by the same classifier;
- common prompts: <gen>/common[-audio]/<expected style>__<i>.png|u8, accuracy against the style the
  prompt should produce;
- VAE: <gen>/vae/heldout_recon.u8, mean absolute error in grey levels on held-out clips, and the
  share of near-white pixels (>= 215) in generated images beside real held-out ones.
"""
import argparse
import glob
import json
import os

import numpy as np
from PIL import Image
from scipy import linalg, optimize

BANDS = 32


def features(img):
    x = (255.0 - img.astype(np.float64)) / 255.0
    lg = np.log(x + 0.01)[::-1]  # row 0 = lowest band
    b = lg.reshape(BANDS, 256 // BANDS, -1).mean(axis=1)
    return np.concatenate([b.mean(axis=1), b.std(axis=1), np.abs(np.diff(b, axis=1)).mean(axis=1)])


NEAR_WHITE = 215  # the lightest ~16 % of real corpus pixels


def load_png(path):
    return np.asarray(Image.open(path).convert("RGB"))[:, :, 0]


def load_any(path):
    if path.endswith(".u8"):
        return np.fromfile(path, dtype=np.uint8).reshape(256, 256)
    return load_png(path)


def score_folder(folder, clf, sidx, styles):
    """Classifier accuracy of images named <expected style>__*.{png,u8}, overall and per style."""
    files = sorted(glob.glob(os.path.join(folder, "*.png")) + glob.glob(os.path.join(folder, "*.u8")))
    if not files:
        return None, None, None
    true_style = [os.path.basename(f).split("__")[0] for f in files]
    imgs = [load_any(f) for f in files]
    G = np.stack([features(im) for im in imgs])
    gy = np.array([sidx[s] for s in true_style])
    gp = clf.proba(G).argmax(1)
    per = {s: [int((gp[gy == i] == i).sum()), int((gy == i).sum())] for i, s in enumerate(styles) if (gy == i).any()}
    mistaken = {s: sorted({styles[p] for p in gp[gy == i] if p != i}) for i, s in enumerate(styles) if (gy == i).any()}
    out = {"n": len(files), "accuracy": float((gp == gy).mean()), "per_style": per, "mistaken_for": mistaken,
           "styles_at_7_of_8_or_better": int(sum(1 for c, n in per.values() if c >= 0.875 * n))}
    return out, G, imgs


class LogReg:
    def __init__(self, l2=1e-2):
        self.l2 = l2

    def fit(self, X, y, k):
        self.mu, self.sd = X.mean(0), X.std(0) + 1e-8
        Z = (X - self.mu) / self.sd
        n, d = Z.shape
        Y = np.eye(k)[y]

        def f(w):
            W = w.reshape(d + 1, k)
            logits = Z @ W[:-1] + W[-1]
            logits -= logits.max(1, keepdims=True)
            P = np.exp(logits)
            P /= P.sum(1, keepdims=True)
            loss = -np.sum(Y * np.log(P + 1e-12)) / n + self.l2 * np.sum(W[:-1] ** 2)
            G = np.vstack([Z.T @ (P - Y) / n + 2 * self.l2 * W[:-1], (P - Y).mean(0)])
            return loss, G.ravel()

        r = optimize.minimize(f, np.zeros((d + 1) * k), jac=True, method="L-BFGS-B", options={"maxiter": 500})
        self.W = r.x.reshape(d + 1, k)
        return self

    def proba(self, X):
        Z = (X - self.mu) / self.sd
        logits = Z @ self.W[:-1] + self.W[-1]
        logits -= logits.max(1, keepdims=True)
        P = np.exp(logits)
        return P / P.sum(1, keepdims=True)


def frechet(a, b):
    m1, m2 = a.mean(0), b.mean(0)
    c1, c2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean, _ = linalg.sqrtm(c1 @ c2, disp=False)
    covmean = covmean.real
    return float(np.sum((m1 - m2) ** 2) + np.trace(c1 + c2 - 2 * covmean))


def pairwise_l1(imgs):
    d = [np.abs(imgs[i].astype(np.float64) - imgs[j]).mean() / 255 for i in range(len(imgs)) for j in range(i + 1, len(imgs))]
    return float(np.mean(d)) if d else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default="data/corpus")
    ap.add_argument("--gen", default="data/eval")
    ap.add_argument("--out", default="data/eval/figures.json")
    a = ap.parse_args()
    clips = [json.loads(l) for l in open(os.path.join(a.corpus, "clips.jsonl"))]
    images = np.fromfile(os.path.join(a.corpus, "images.u8"), dtype=np.uint8).reshape(len(clips), 256, 256)
    styles = list(dict.fromkeys(c["style"] for c in clips))
    sidx = {s: i for i, s in enumerate(styles)}
    F = np.stack([features(im) for im in images])
    y = np.array([sidx[c["style"]] for c in clips])
    tr = np.array([c["split"] == "train" for c in clips])
    clf = LogReg().fit(F[tr], y[tr], len(styles))
    res = {"styles": styles, "embedding": "96 log-mel statistics (32 bands x mean/std/flux), standardised"}

    def confusion(true, pred):
        m = np.zeros((len(styles), len(styles)), dtype=int)
        for t, p in zip(true, pred):
            m[t, p] += 1
        return m.tolist()

    p_te = clf.proba(F[~tr]).argmax(1)
    res["real_heldout"] = {"n": int((~tr).sum()), "accuracy": float((p_te == y[~tr]).mean()),
                           "confusion": confusion(y[~tr], p_te)}
    res["real_train_accuracy"] = float((clf.proba(F[tr]).argmax(1) == y[tr]).mean())

    gen_files = sorted(glob.glob(os.path.join(a.gen, "gen", "*.png")))
    for key, folder in (("generated_audio", "gen-audio"), ("common_prompts", "common"), ("common_prompts_audio", "common-audio"),
                        ("real_heldout_audio", "real-audio")):
        r, _, _ = score_folder(os.path.join(a.gen, folder), clf, sidx, styles)
        if r:
            res[key] = r
    vae_path = os.path.join(a.gen, "vae", "heldout_recon.u8")
    if os.path.exists(vae_path):
        held_idx = json.load(open(os.path.join(a.gen, "vae", "heldout_index.json")))
        rec = np.fromfile(vae_path, dtype=np.uint8).reshape(len(held_idx), 256, 256).astype(np.float64)
        real = images[held_idx].astype(np.float64)
        res["vae"] = {"heldout_clips": len(held_idx), "mean_abs_error_grey_levels": float(np.abs(rec - real).mean()),
                      "near_white_share_real": float((real >= NEAR_WHITE).mean()),
                      "near_white_share_reconstructed": float((rec >= NEAR_WHITE).mean())}
    if gen_files:
        g_style = [os.path.basename(f).split("__")[0] for f in gen_files]
        g_imgs = [load_png(f) for f in gen_files]
        G = np.stack([features(im) for im in g_imgs])
        gy = np.array([sidx[s] for s in g_style])
        gp = clf.proba(G).argmax(1)
        per = {s: [int((gp[gy == i] == i).sum()), int((gy == i).sum())] for i, s in enumerate(styles) if (gy == i).any()}
        res["generated"] = {"n": len(gen_files), "accuracy": float((gp == gy).mean()), "per_style": per,
                            "styles_at_7_of_8_or_better": int(sum(1 for c, n in per.values() if c >= 0.875 * n)),
                            "near_white_share": float(np.mean([(im >= NEAR_WHITE).mean() for im in g_imgs])),
                            "confusion": confusion(gy, gp)}
        # Frechet distances
        mu, sd = F[tr].mean(0), F[tr].std(0) + 1e-8
        Zt = (F[tr] - mu) / sd
        _, _, Vt = np.linalg.svd(Zt - Zt.mean(0), full_matrices=False)
        P = Vt[:24].T
        emb = lambda X: ((X - mu) / sd) @ P  # noqa: E731
        rng = np.random.default_rng(0)
        held = emb(F[~tr])
        train_sample = emb(F[tr][rng.choice(tr.sum(), size=(~tr).sum(), replace=False)])
        noise = np.stack([features(rng.permutation(im.ravel()).reshape(256, 256)) for im in images[~tr]])
        res["frechet"] = {"dims": 24, "generated_vs_heldout": frechet(emb(G), held),
                          "train_vs_heldout": frechet(train_sample, held),
                          "shuffled_pixels_vs_heldout": frechet(emb(noise), held)}
        # Diversity
        div_gen = {s: pairwise_l1([im for im, gs in zip(g_imgs, g_style) if gs == s]) for s in styles if s in g_style}
        div_real = {s: pairwise_l1([images[i] for i, c in enumerate(clips) if c["style"] == s and c["split"] == "test"][:8])
                    for s in styles}
        res["diversity_mean_pairwise_l1"] = {"generated_same_prompt": float(np.mean(list(div_gen.values()))),
                                             "real_heldout_same_style": float(np.mean(list(div_real.values()))),
                                             "generated_per_style": div_gen}
    morph_files = sorted(glob.glob(os.path.join(a.gen, "morph", "*.png")))
    if morph_files:
        morphs = {}
        for f in morph_files:
            sa, sb, seed, alpha = os.path.basename(f)[:-4].split("__")
            p = clf.proba(features(load_png(f))[None])[0]
            morphs.setdefault(f"{sa} -> {sb}", {}).setdefault(alpha, []).append([float(p[sidx[sa]]), float(p[sidx[sb]])])
        res["morphs"] = {k: {al: np.mean(v, axis=0).round(3).tolist() for al, v in sorted(d.items())} for k, d in morphs.items()}
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    json.dump(res, open(a.out, "w"), indent=1)
    print(json.dumps({k: v for k, v in res.items() if k not in ("real_heldout", "generated", "styles")}, indent=1))
    print("real held-out accuracy", res["real_heldout"]["accuracy"])
    if "generated" in res:
        print("generated accuracy (image)", res["generated"]["accuracy"], res["generated"]["per_style"])


if __name__ == "__main__":
    main()
