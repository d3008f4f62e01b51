"""riffcord-small: a small latent diffusion model for 256x256 greyscale spectrograms.

VAE   : 256x256 grey -> pixel-unshuffle -> convs -> Zx32x32 latent (KL-regularised, factor 8; v1 Z=4,
        v2 Z=8 with wider inner levels); the decoder mirrors it and ends in a pixel shuffle, so no
        conv runs at 256x256.
Text  : CLIP ids -> lookup table to the caption vocabulary -> embedding -> 2-layer transformer.
UNet  : 32/16/8 latent resolutions, self + cross attention at 16 and 8, epsilon prediction.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def gn(c):
    return nn.GroupNorm(8 if c % 8 == 0 else 4, c)


class Res(nn.Module):
    def __init__(self, cin, cout, temb=0):
        super().__init__()
        self.n1, self.c1 = gn(cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.n2, self.c2 = gn(cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.t = nn.Linear(temb, cout) if temb else None
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, t=None):
        h = self.c1(F.silu(self.n1(x)))
        if self.t is not None:
            h = h + self.t(t)[:, :, None, None]
        h = self.c2(F.silu(self.n2(h)))
        return self.skip(x) + h


# ---------------------------------------------------------------- VAE
# (latent channels, widths at 128/64/32): v1 shipped (4, (32, 48, 64)); v2 widens where it is cheap.
VAE_CONFIGS = {"v1": dict(z=4, ch=(32, 48, 64)), "v2": dict(z=8, ch=(32, 64, 96))}


class Encoder(nn.Module):
    def __init__(self, z=4, ch=(32, 48, 64)):
        super().__init__()
        c0, c1, c2 = ch
        self.net = nn.Sequential(
            nn.PixelUnshuffle(2),                      # 1x256 -> 4x128
            nn.Conv2d(4, c0, 3, padding=1), nn.SiLU(),
            nn.Conv2d(c0, c0, 3, padding=1),
            nn.Conv2d(c0, c1, 3, stride=2, padding=1),  # 64
            Res(c1, c1),
            nn.Conv2d(c1, c2, 3, stride=2, padding=1),  # 32
            Res(c2, c2), Res(c2, c2),
            gn(c2), nn.SiLU(), nn.Conv2d(c2, 2 * z, 3, padding=1),
        )

    def forward(self, x):
        return self.net(x).chunk(2, dim=1)  # mean, logvar


class Decoder(nn.Module):
    def __init__(self, z=4, ch=(32, 48, 64)):
        super().__init__()
        c0, c1, c2 = ch
        self.net = nn.Sequential(
            nn.Conv2d(z, c2, 3, padding=1),
            Res(c2, c2), Res(c2, c2),
            nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(c2, c1, 3, padding=1),  # 64
            Res(c1, c1),
            nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(c1, c0, 3, padding=1),  # 128
            gn(c0), nn.SiLU(), nn.Conv2d(c0, c0, 3, padding=1),
            gn(c0), nn.SiLU(), nn.Conv2d(c0, 4, 3, padding=1),
            nn.PixelShuffle(2),                          # 1x256
        )

    def forward(self, z):
        return self.net(z)


class VAE(nn.Module):
    def __init__(self, config="v1"):
        super().__init__()
        cfg = VAE_CONFIGS[config]
        self.config, self.z = config, cfg["z"]
        self.encoder, self.decoder = Encoder(**cfg), Decoder(**cfg)


class VaeEncoderExport(nn.Module):
    """sample [B,3,256,256] in [-1,1] -> latent_sample [B,Z,32,32] (the posterior mean, unscaled)."""

    def __init__(self, vae):
        super().__init__()
        self.enc = vae.encoder

    def forward(self, sample):
        return self.enc(sample.mean(dim=1, keepdim=True))[0]


class VaeDecoderExport(nn.Module):
    """latent_sample [B,Z,32,32] (unscaled) -> sample [B,3,256,256] in [-1,1], R=G=B."""

    def __init__(self, vae):
        super().__init__()
        self.dec = vae.decoder

    def forward(self, latent_sample):
        y = self.dec(latent_sample).clamp(-1, 1)
        return y.expand(-1, 3, -1, -1).contiguous()


class MHA(nn.Module):
    def __init__(self, dim, heads, kv_dim=None):
        super().__init__()
        kv_dim = kv_dim or dim
        self.h, self.d = heads, dim // heads
        self.q, self.k, self.v = nn.Linear(dim, dim), nn.Linear(kv_dim, dim), nn.Linear(kv_dim, dim)
        self.o = nn.Linear(dim, dim)

    def forward(self, x, ctx=None):
        ctx = x if ctx is None else ctx
        b, n, _ = x.shape
        m = ctx.shape[1]
        q = self.q(x).reshape(b, n, self.h, self.d).transpose(1, 2)
        k = self.k(ctx).reshape(b, m, self.h, self.d).transpose(1, 2)
        v = self.v(ctx).reshape(b, m, self.h, self.d).transpose(1, 2)
        a = torch.softmax(torch.matmul(q, k.transpose(2, 3)) * (self.d ** -0.5), dim=-1)
        return self.o(torch.matmul(a, v).transpose(1, 2).reshape(b, n, self.h * self.d))


class Block(nn.Module):
    """Pre-LN transformer block."""

    def __init__(self, dim, heads):
        super().__init__()
        self.n1, self.attn = nn.LayerNorm(dim), MHA(dim, heads)
        self.n2, self.ff = nn.LayerNorm(dim), nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x):
        x = x + self.attn(self.n1(x))
        return x + self.ff(self.n2(x))


# ---------------------------------------------------------------- text encoder
class TextEncoder(nn.Module):
    def __init__(self, lut, vocab_size, dim=128, layers=2, heads=4, max_len=77):
        super().__init__()
        self.register_buffer("lut", lut.long())  # 49408 CLIP ids -> small vocab ids (0 = unknown)
        self.tok = nn.Embedding(vocab_size, dim)
        self.pos = nn.Parameter(torch.randn(max_len, dim) * 0.02)
        self.tf = nn.Sequential(*[Block(dim, heads) for _ in range(layers)])
        self.norm = nn.LayerNorm(dim)
        self.dim = dim

    def forward(self, input_ids):
        ids = self.lut[input_ids.long()]
        return self.norm(self.tf(self.tok(ids) + self.pos))


# ---------------------------------------------------------------- UNet
class Attn(nn.Module):
    def __init__(self, c, ctx_dim, heads=4, self_attn=True):
        super().__init__()
        self.norm = gn(c)
        self.proj_in = nn.Conv2d(c, c, 1)
        self.n1 = nn.LayerNorm(c)
        self.self_attn = MHA(c, heads) if self_attn else None
        self.n2 = nn.LayerNorm(c)
        self.cross = MHA(c, heads, kv_dim=ctx_dim)
        self.n3 = nn.LayerNorm(c)
        self.ff = nn.Sequential(nn.Linear(c, 2 * c), nn.GELU(), nn.Linear(2 * c, c))
        self.proj_out = nn.Conv2d(c, c, 1)

    def forward(self, x, ctx):
        b, c, h, w = x.shape
        y = self.proj_in(self.norm(x)).flatten(2).transpose(1, 2)
        if self.self_attn is not None:
            q = self.n1(y)
            y = y + self.self_attn(q)
        y = y + self.cross(self.n2(y), ctx)
        y = y + self.ff(self.n3(y))
        return x + self.proj_out(y.transpose(1, 2).reshape(b, c, h, w))


def timestep_embedding(t, dim):
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


class UNet(nn.Module):
    def __init__(self, ch=(48, 96, 128), ctx_dim=128, z=4, self_attn_16=False):
        super().__init__()
        c0, c1, c2 = ch
        te = 4 * c0
        self.c0 = c0
        self.temb = nn.Sequential(nn.Linear(c0, te), nn.SiLU(), nn.Linear(te, te))
        self.conv_in = nn.Conv2d(z, c0, 3, padding=1)
        self.d0 = Res(c0, c0, te)
        self.down0 = nn.Conv2d(c0, c0, 3, stride=2, padding=1)
        self.d1, self.a1 = Res(c0, c1, te), Attn(c1, ctx_dim, self_attn=self_attn_16)
        self.down1 = nn.Conv2d(c1, c1, 3, stride=2, padding=1)
        self.d2, self.a2 = Res(c1, c2, te), Attn(c2, ctx_dim)
        self.m1, self.ma, self.m2 = Res(c2, c2, te), Attn(c2, ctx_dim), Res(c2, c2, te)
        self.u2, self.ua2 = Res(c2 + c2, c2, te), Attn(c2, ctx_dim)
        self.up2 = nn.Conv2d(c2, c1, 3, padding=1)
        self.u1, self.ua1 = Res(c1 + c1, c1, te), Attn(c1, ctx_dim, self_attn=self_attn_16)
        self.up1 = nn.Conv2d(c1, c0, 3, padding=1)
        self.u0 = Res(c0 + c0, c0, te)
        self.out = nn.Sequential(gn(c0), nn.SiLU(), nn.Conv2d(c0, z, 3, padding=1))

    def forward(self, sample, timestep, encoder_hidden_states):
        t = self.temb(timestep_embedding(timestep, self.c0))
        ctx = encoder_hidden_states
        h0 = self.d0(self.conv_in(sample), t)                       # 32
        h1 = self.a1(self.d1(self.down0(h0), t), ctx)               # 16
        h2 = self.a2(self.d2(self.down1(h1), t), ctx)               # 8
        m = self.m2(self.ma(self.m1(h2, t), ctx), t)
        u = self.ua2(self.u2(torch.cat([m, h2], 1), t), ctx)
        u = self.up2(F.interpolate(u, scale_factor=2.0, mode="nearest"))  # 16
        u = self.ua1(self.u1(torch.cat([u, h1], 1), t), ctx)
        u = self.up1(F.interpolate(u, scale_factor=2.0, mode="nearest"))  # 32
        u = self.u0(torch.cat([u, h0], 1), t)
        return self.out(u)


def sd_alphas_cumprod(n=1000, beta_start=0.00085, beta_end=0.012):
    betas = torch.linspace(beta_start ** 0.5, beta_end ** 0.5, n, dtype=torch.float64) ** 2
    return torch.cumprod(1.0 - betas, dim=0)
