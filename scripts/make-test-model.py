#!/usr/bin/python3
"""
Writes tiny random-weight Stable Diffusion 1.x-shaped ONNX pipelines for riffcord's tests.

Run with Debian's Python (it has torch):  /usr/bin/python3 scripts/make-test-model.py
Outputs (fixed seed, so re-running gives the same weights):
  test/fixtures/tiny-sd/       fp32 I/O, dynamic batch/height/width, int64 input_ids,
                               int64 timestep of shape [batch], vae_encoder -> latent_sample
  test/fixtures/tiny-sd-fp16/  float16 I/O, fixed batch 1, int32 input_ids, float16 scalar
                               timestep, vae_encoder -> latent_parameters (mean + logvar)

The modules are not Stable Diffusion networks: they only share SD's input/output names, dtypes
and shape conventions (latent 4x8x8, image 3x64x64, text hidden 32, 77 tokens), so the pipeline
code paths are exercised exactly as with a real export. The fp16 variant keeps fp32 weights
internally and casts at its inputs/outputs, because torch's CPU kernels cannot trace half convs;
what riffcord has to handle (float16 tensors crossing the session boundary) is the same.

The tokenizer files are real CLIP BPE (same byte alphabet, same </w> convention, same merge
order) built from assets/clip/bpe_simple_vocab_16e6.txt.gz, truncated to the first
MERGES merges so the fixture stays small.
"""
import gzip
import json
import math
import os
import shutil
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'training'))
from clip_bpe import bytes_to_unicode  # noqa: E402  (the one CLIP byte alphabet of the project)
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BPE_GZ = os.path.join(ROOT, 'assets', 'clip', 'bpe_simple_vocab_16e6.txt.gz')
MERGES = 3000
TEXT_HIDDEN = 32
TOKENS = 77
HASH_VOCAB = 1024
LATENT = 4
LATENT_SIZE = 8
IMAGE_SIZE = 64
HIDDEN = 32


def write_tokenizer(out_dir):
    with gzip.open(BPE_GZ, 'rt', encoding='utf-8') as f:
        lines = f.read().split('\n')
    merges = [tuple(l.split()) for l in lines[1:1 + MERGES]]
    chars = list(bytes_to_unicode().values())
    vocab = chars + [c + '</w>' for c in chars] + [''.join(m) for m in merges]
    vocab += ['<|startoftext|>', '<|endoftext|>']
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, 'vocab.json'), 'w', encoding='utf-8') as f:
        json.dump({tok: i for i, tok in enumerate(vocab)}, f, ensure_ascii=False, separators=(',', ':'))
    with open(os.path.join(out_dir, 'merges.txt'), 'w', encoding='utf-8') as f:
        f.write('#version: 0.2\n')
        f.write('\n'.join(' '.join(m) for m in merges) + '\n')
    special = {
        'bos_token': '<|startoftext|>',
        'eos_token': '<|endoftext|>',
        'pad_token': '<|endoftext|>',
        'unk_token': '<|endoftext|>',
    }
    with open(os.path.join(out_dir, 'special_tokens_map.json'), 'w') as f:
        json.dump(special, f, indent=1)
    with open(os.path.join(out_dir, 'tokenizer_config.json'), 'w') as f:
        json.dump({**special, 'tokenizer_class': 'CLIPTokenizer', 'model_max_length': TOKENS,
                   'do_lower_case': True}, f, indent=1)


class TextEncoder(nn.Module):
    def __init__(self, half):
        super().__init__()
        self.half_io = half
        self.tok = nn.Embedding(HASH_VOCAB, TEXT_HIDDEN)
        self.pos = nn.Embedding(TOKENS, TEXT_HIDDEN)
        self.mix = nn.Linear(TEXT_HIDDEN, TEXT_HIDDEN)
        self.norm = nn.LayerNorm(TEXT_HIDDEN)

    def forward(self, input_ids):
        ids = torch.remainder(input_ids.long(), HASH_VOCAB)
        positions = torch.arange(TOKENS).unsqueeze(0)
        h = self.tok(ids) + self.pos(positions)
        # a causal running mean so later tokens see earlier ones, like CLIP's causal attention
        h = torch.cumsum(h, dim=1) / torch.arange(1, TOKENS + 1).float().view(1, TOKENS, 1)
        h = self.norm(h + torch.tanh(self.mix(h)))
        pooled = h[:, -1]
        if self.half_io:
            return h.half(), pooled.half()
        return h, pooled


class UNet(nn.Module):
    def __init__(self, half):
        super().__init__()
        self.half_io = half
        self.conv_in = nn.Conv2d(LATENT, HIDDEN, 3, padding=1)
        self.time = nn.Linear(HIDDEN, HIDDEN)
        self.text = nn.Linear(TEXT_HIDDEN, HIDDEN)
        self.mid = nn.Conv2d(HIDDEN, HIDDEN, 3, padding=1)
        self.conv_out = nn.Conv2d(HIDDEN, LATENT, 3, padding=1)
        with torch.no_grad():
            self.conv_out.weight.mul_(0.5)

    def forward(self, sample, timestep, encoder_hidden_states):
        x = sample.float()
        t = timestep.float().reshape(-1)
        half = HIDDEN // 2
        freqs = torch.exp(-math.log(10000.0) * torch.arange(half).float() / half)
        args = t.unsqueeze(1) * freqs.unsqueeze(0)
        emb = self.time(torch.cat([torch.sin(args), torch.cos(args)], dim=1))
        txt = self.text(encoder_hidden_states.float().mean(dim=1))
        h = torch.nn.functional.silu(self.conv_in(x) + emb[:, :, None, None] + txt[:, :, None, None])
        h = torch.nn.functional.silu(self.mid(h))
        out = self.conv_out(h)
        return out.half() if self.half_io else out


class VaeEncoder(nn.Module):
    def __init__(self, half):
        super().__init__()
        self.half_io = half
        self.conv = nn.Conv2d(3, LATENT * (2 if half else 1), 8, stride=8)

    def forward(self, sample):
        out = self.conv(sample.float())
        return out.half() if self.half_io else out


class VaeDecoder(nn.Module):
    def __init__(self, half):
        super().__init__()
        self.half_io = half
        self.conv = nn.ConvTranspose2d(LATENT, 3, 8, stride=8)

    def forward(self, latent_sample):
        out = torch.tanh(self.conv(latent_sample.float())) * 1.2
        return out.half() if self.half_io else out


def export(module, args, path, input_names, output_names, dynamic_axes):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    module.eval()
    with torch.no_grad():
        torch.onnx.export(module, args, path, input_names=input_names, output_names=output_names,
                          dynamic_axes=dynamic_axes, opset_version=14, do_constant_folding=True)


def make(out_dir, half):
    torch.manual_seed(1234 if not half else 4321)
    if os.path.isdir(out_dir):
        shutil.rmtree(out_dir)
    fdt = torch.float16 if half else torch.float32
    batch_axes = (lambda *names: {}) if half else (lambda *names: {n: {0: 'batch'} for n in names})
    ids = torch.zeros((1, TOKENS), dtype=torch.int32 if half else torch.int64)
    export(TextEncoder(half), (ids,), os.path.join(out_dir, 'text_encoder', 'model.onnx'),
           ['input_ids'], ['last_hidden_state', 'pooler_output'],
           batch_axes('input_ids', 'last_hidden_state', 'pooler_output'))
    sample = torch.zeros((1 if half else 2, LATENT, LATENT_SIZE, LATENT_SIZE), dtype=fdt)
    timestep = torch.tensor(10.0, dtype=torch.float16) if half else torch.tensor([10, 10], dtype=torch.int64)
    hidden = torch.zeros((1 if half else 2, TOKENS, TEXT_HIDDEN), dtype=fdt)
    unet_axes = {} if half else {
        'sample': {0: 'batch', 2: 'height', 3: 'width'}, 'timestep': {0: 'batch'},
        'encoder_hidden_states': {0: 'batch', 1: 'sequence'}, 'out_sample': {0: 'batch', 2: 'height', 3: 'width'}}
    export(UNet(half), (sample, timestep, hidden), os.path.join(out_dir, 'unet', 'model.onnx'),
           ['sample', 'timestep', 'encoder_hidden_states'], ['out_sample'], unet_axes)
    image = torch.zeros((1, 3, IMAGE_SIZE, IMAGE_SIZE), dtype=fdt)
    enc_out = 'latent_parameters' if half else 'latent_sample'
    img_axes = {} if half else {'sample': {0: 'batch', 2: 'height', 3: 'width'},
                                enc_out: {0: 'batch', 2: 'height', 3: 'width'}}
    export(VaeEncoder(half), (image,), os.path.join(out_dir, 'vae_encoder', 'model.onnx'),
           ['sample'], [enc_out], img_axes)
    latent = torch.zeros((1, LATENT, LATENT_SIZE, LATENT_SIZE), dtype=fdt)
    dec_axes = {} if half else {'latent_sample': {0: 'batch', 2: 'height', 3: 'width'},
                                'sample': {0: 'batch', 2: 'height', 3: 'width'}}
    export(VaeDecoder(half), (latent,), os.path.join(out_dir, 'vae_decoder', 'model.onnx'),
           ['latent_sample'], ['sample'], dec_axes)
    write_tokenizer(os.path.join(out_dir, 'tokenizer'))
    os.makedirs(os.path.join(out_dir, 'scheduler'), exist_ok=True)
    with open(os.path.join(out_dir, 'scheduler', 'scheduler_config.json'), 'w') as f:
        json.dump({'_class_name': 'PNDMScheduler', 'num_train_timesteps': 1000, 'beta_start': 0.00085,
                   'beta_end': 0.012, 'beta_schedule': 'scaled_linear', 'set_alpha_to_one': False,
                   'skip_prk_steps': True, 'steps_offset': 1, 'clip_sample': False,
                   'prediction_type': 'epsilon'}, f, indent=1)
    with open(os.path.join(out_dir, 'model_index.json'), 'w') as f:
        json.dump({'_class_name': 'OnnxStableDiffusionPipeline', '_diffusers_version': '0.14.0',
                   'text_encoder': ['diffusers', 'OnnxRuntimeModel'], 'unet': ['diffusers', 'OnnxRuntimeModel'],
                   'vae_encoder': ['diffusers', 'OnnxRuntimeModel'], 'vae_decoder': ['diffusers', 'OnnxRuntimeModel'],
                   'tokenizer': ['transformers', 'CLIPTokenizer'], 'scheduler': ['diffusers', 'PNDMScheduler'],
                   'safety_checker': [None, None], 'feature_extractor': [None, None],
                   'requires_safety_checker': False}, f, indent=1)
    model_id = 'tiny-sd-fp16' if half else 'tiny-sd'
    with open(os.path.join(out_dir, 'riffcord.json'), 'w') as f:
        json.dump({'id': model_id, 'displayName': 'Tiny random test model' + (' (fp16)' if half else ''),
                   'image': {'width': IMAGE_SIZE, 'height': IMAGE_SIZE},
                   'latent': {'channels': LATENT, 'downsample': IMAGE_SIZE // LATENT_SIZE, 'scalingFactor': 0.18215},
                   'maxTokens': TOKENS,
                   'spectrogram': {'numFrequencies': IMAGE_SIZE, 'maxFrequency': 10000},
                   'defaults': {'steps': 4, 'guidance': 7, 'denoising': 0.75}}, f, indent=1)


class IntInputDecoder(nn.Module):
    """A vae_decoder with the right names but an int64 input: riffcord must refuse it at load."""

    def __init__(self):
        super().__init__()
        self.conv = nn.ConvTranspose2d(LATENT, 3, 8, stride=8)

    def forward(self, latent_sample):
        return self.conv(latent_sample.float())


def make_bad(out_dir):
    torch.manual_seed(99)
    latent = torch.zeros((1, LATENT, LATENT_SIZE, LATENT_SIZE), dtype=torch.int64)
    export(IntInputDecoder(), (latent,), os.path.join(out_dir, 'vae_decoder_int64_input.onnx'),
           ['latent_sample'], ['sample'], {})


if __name__ == '__main__':
    base = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, 'test', 'fixtures')
    make(os.path.join(base, 'tiny-sd'), half=False)
    make(os.path.join(base, 'tiny-sd-fp16'), half=True)
    make_bad(os.path.join(base, 'bad-onnx'))
    print('wrote', base)
