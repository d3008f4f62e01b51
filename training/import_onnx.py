"""Turn a shipped riffcord-small ONNX folder back into training checkpoints, so training can go on
from the model users have (data/ is not committed, and a new machine has none of it).

    /usr/bin/python3 training/import_onnx.py --model models/riffcord-small --corpus data/corpus2 --ckpt data/checkpoints2

Each module is exported afresh, with every tensor set to distinct random values, by the same
export call as training/export.py; an initializer of that fresh graph is then matched to the torch
tensor it came from by its values (directly, or transposed where the exporter folded a Linear's
transpose), and the shipped graph's initializer of the same name gives the trained value. The text
encoder's token table is remapped onto the corpus's caption vocabulary (rows of tokens the shipped
model did not know keep a fresh initialisation). Needs python3-onnx (Debian).

Writes <ckpt>/vae.pt and <ckpt>/unet.pt (model = EMA = the shipped weights, no optimiser state:
train.py then warms the learning rate up again) and, through train.py's own code, latents.pt.
"""
import argparse
import hashlib
import os
import sys
import tempfile

import numpy as np
import onnx
import torch
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export import export  # noqa: E402
from model import VAE, TextEncoder, UNet, VaeDecoderExport, VaeEncoderExport  # noqa: E402
from train import build_latents, load_corpus, log, save  # noqa: E402


def initializers(path):
    return {t.name: numpy_helper.to_array(t) for t in onnx.load(path).graph.initializer}


def key(a):
    return hashlib.sha1(np.ascontiguousarray(a).tobytes()).hexdigest()


def randomise(module):
    g = torch.Generator().manual_seed(12345)
    with torch.no_grad():
        for t in module.state_dict().values():
            if t.dtype.is_floating_point:
                t.copy_(torch.randn(t.shape, generator=g))


def import_module(module, shipped_path, export_args, skip=()):
    """Loads the shipped graph's weights into `module` (in place); returns the names it matched."""
    initial = {k: v.clone() for k, v in module.state_dict().items()}
    randomise(module)
    fresh_tensors = {k: v.clone() for k, v in module.state_dict().items()}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "m", "model.onnx")
        export(module, *export_args(path))
        fresh = initializers(path)
    shipped = initializers(shipped_path)
    index = {}
    for name, a in fresh.items():
        if a.dtype != np.float32:
            continue
        index.setdefault(key(a), (name, False))
        if a.ndim == 2:
            index.setdefault(key(a.T), (name, True))
    state, missing = {}, []
    for k, t in fresh_tensors.items():
        if k in skip or not t.dtype.is_floating_point:
            state[k] = t
            continue
        hit = index.get(key(t.numpy().astype(np.float32)))
        if hit is None:  # not in the graph (an unused layer), so its value cannot matter: keep its init
            missing.append(k)
            state[k] = initial[k]
            continue
        name, transposed = hit
        value = shipped[name]
        value = value.T if transposed else value
        state[k] = torch.from_numpy(np.ascontiguousarray(value)).reshape(t.shape).to(t.dtype)
    module.load_state_dict(state)
    # Check: exported again, the module gives the shipped graph's initializers exactly.
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "m", "model.onnx")
        export(module, *export_args(path))
        again = initializers(path)
    differ = [n for n, v in shipped.items() if n not in again or again[n].shape != v.shape or not np.array_equal(again[n], v)]
    if differ:
        sys.exit(f"{shipped_path}: re-exported weights differ from the shipped ones in {len(differ)} initializers: {differ[:8]}")
    print(f"{shipped_path}: {len(fresh_tensors) - len(missing)} tensors imported, re-export identical"
          + (f"; not in the graph (unused, kept at init): {', '.join(missing)}" if missing else ""))
    return module


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="models/riffcord-small")
    ap.add_argument("--corpus", default="data/corpus2")
    ap.add_argument("--ckpt", default="data/checkpoints2")
    ap.add_argument("--vae-config", default="v2")
    ap.add_argument("--step", type=int, required=True, help="the UNet step the shipped weights are (the model card says)")
    ap.add_argument("--vae-step", type=int, default=1600, help="the VAE step the shipped weights are")
    a = ap.parse_args()
    os.makedirs(a.ckpt, exist_ok=True)
    torch.manual_seed(0)

    vae = VAE(a.vae_config).eval()
    z = vae.z
    import_module(VaeEncoderExport(vae).eval(), f"{a.model}/vae_encoder/model.onnx",
                  lambda p: ((torch.rand(1, 3, 256, 256) * 2 - 1,), p, ["sample"], ["latent_sample"], {"sample": {0: "batch"}}))
    import_module(VaeDecoderExport(vae).eval(), f"{a.model}/vae_decoder/model.onnx",
                  lambda p: ((torch.randn(1, z, 32, 32),), p, ["latent_sample"], ["sample"], {"latent_sample": {0: "batch"}}))
    save(os.path.join(a.ckpt, "vae.pt"), {"model": vae.state_dict(), "opt": None, "step": a.vae_step, "config": a.vae_config,
                                          "imported_from": a.model})
    log(a.ckpt, f"import: VAE ({a.vae_config}, z={z}) from {a.model}")

    clips, images = load_corpus(a.corpus)
    args = argparse.Namespace(ckpt=a.ckpt)
    data = build_latents(args, clips, images, vae)

    # The shipped text encoder's own token table, then its rows moved onto the corpus's vocabulary.
    shipped_text = initializers(f"{a.model}/text_encoder/model.onnx")
    old_lut = next(v for v in shipped_text.values() if v.dtype == np.int64 and v.shape == (49408,))
    old_vocab = int(old_lut.max()) + 1
    dim = next(v.shape[1] for v in shipped_text.values() if v.ndim == 2 and v.shape[0] == old_vocab)
    old_text = TextEncoder(torch.from_numpy(old_lut), old_vocab, dim=dim).eval()
    ids = torch.tensor([[49406, 320, 49407] + [49407] * 74], dtype=torch.int32)
    import_module(old_text, f"{a.model}/text_encoder/model.onnx",
                  lambda p: ((ids,), p, ["input_ids"], ["last_hidden_state"], {"input_ids": {0: "batch"}}), skip=("lut",))
    text = TextEncoder(data["lut"], data["vocab"], dim=dim)
    state = old_text.state_dict()
    new_tok = text.tok.weight.detach().clone()
    new_lut, kept = data["lut"].long(), 0
    for token in torch.nonzero(new_lut).flatten().tolist():
        if old_lut[token] > 0:
            new_tok[new_lut[token]] = state["tok.weight"][int(old_lut[token])]
            kept += 1
    state["tok.weight"], state["lut"] = new_tok, new_lut
    text.load_state_dict(state)

    unet = UNet(ctx_dim=dim, z=z).eval()
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        states = old_text(ids)
    import_module(unet, f"{a.model}/unet/model.onnx",
                  lambda p: ((torch.randn(2, z, 32, 32, generator=g), torch.tensor([981.0, 981.0]), states.expand(2, -1, -1)), p,
                             ["sample", "timestep", "encoder_hidden_states"], ["out_sample"],
                             {"sample": {0: "batch"}, "timestep": {0: "steps"}, "encoder_hidden_states": {0: "batch"}}))
    ema = {"text": {k: v.clone() for k, v in text.state_dict().items()},
           "unet": {k: v.clone() for k, v in unet.state_dict().items()}}
    save(os.path.join(a.ckpt, "unet.pt"), {"text": text.state_dict(), "unet": unet.state_dict(), "opt": None, "ema": ema,
                                           "step": a.step, "text_dim": dim, "imported_from": a.model})
    log(a.ckpt, f"import: text encoder (dim {dim}; {kept} of {int((new_lut > 0).sum())} corpus tokens known to the shipped "
                f"model) and UNet at step {a.step} from {a.model}")


if __name__ == "__main__":
    main()
