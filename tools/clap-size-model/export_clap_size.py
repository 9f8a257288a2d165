"""Builds a CLAP-size benchmark model: the real architecture of laion/clap-htsat-unfused (HTSAT audio tower,
RoBERTa text tower, 512-d projections) with RANDOM weights, exported to ONNX in the transformers.js layout
(onnx/audio_model.onnx, onnx/text_model.onnx, config.json, preprocessor_config.json, tokenizer files).

Its embeddings and tags are meaningless: it exists only so bench:encoder can measure a network of CLAP's size.
Never on the runtime path, never committed (the output folder is git-ignored).

usage: export_clap_size.py OUT_DIR --tokenizer-from DIR [--seed N] [--opset N]
The tokenizer files are copied from DIR (the demo model's: the real RoBERTa files come from the model hub,
which this project's machines cannot reach); the text tower keeps RoBERTa's vocabulary size, so every id the
copied tokenizer produces is valid and the tower does RoBERTa's amount of work per token.
"""
import argparse, json, shutil, sys, time
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch
from transformers import ClapAudioModelWithProjection, ClapConfig, ClapTextModelWithProjection


class AudioTower(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_features):
        return self.model(input_features=input_features).audio_embeds


class TextTower(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return self.model(input_ids=input_ids, attention_mask=attention_mask).text_embeds


def export(module, args, path, input_names, output_name, dynamic_axes, opset):
    torch.onnx.export(
        module, args, str(path), input_names=input_names, output_names=[output_name],
        dynamic_axes=dynamic_axes, opset_version=opset, dynamo=False,
    )


def check_parity(tower, path, frames, mels):
    """The exported audio tower against torch on a batch size the trace did not see (the batch axis is dynamic)."""
    features = torch.randn(3, 1, frames, mels)
    with torch.no_grad():
        expected = tower(features).numpy()
    got = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"input_features": features.numpy()})[0]
    worst = float(np.abs(got - expected).max() / np.abs(expected).max())
    print(f"onnxruntime vs torch on a batch of 3: worst difference {worst:.1e} of the largest output", flush=True)
    if not worst < 1e-3:
        raise SystemExit(f"the exported audio tower disagrees with torch ({worst:.1e})")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--tokenizer-from", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--opset", type=int, default=17)
    a = parser.parse_args()
    out, source = Path(a.out), Path(a.tokenizer_from)
    (out / "onnx").mkdir(parents=True, exist_ok=True)
    torch.manual_seed(a.seed)

    # ClapConfig's defaults are laion/clap-htsat-unfused's: HTSAT (depths 2-2-6-2, 96-d patches, 64 mel bins,
    # no fusion), RoBERTa-base (12 layers, 768-d, 50265 tokens), projection_dim 512.
    config = ClapConfig()
    started = time.time()
    audio = ClapAudioModelWithProjection(config.audio_config).eval()
    text = ClapTextModelWithProjection(config.text_config).eval()
    params = lambda m: sum(p.numel() for p in m.parameters())
    print(f"random-weight CLAP: audio tower {params(audio)/1e6:.1f} M parameters, text tower {params(text)/1e6:.1f} M", flush=True)

    frames, mels = 1001, config.audio_config.num_mel_bins
    with torch.no_grad():
        # The wrappers are put in eval mode too: the exporter restores the wrapper's mode on all its children afterwards.
        export(AudioTower(audio).eval(), (torch.randn(2, 1, frames, mels),), out / "onnx" / "audio_model.onnx",
               ["input_features"], "audio_embeds", {"input_features": {0: "batch_size"}, "audio_embeds": {0: "batch_size"}}, a.opset)
        print(f"onnx/audio_model.onnx written ({time.time() - started:.0f} s)", flush=True)
        ids = torch.randint(3, 100, (2, 12))
        export(TextTower(text).eval(), (ids, torch.ones_like(ids)), out / "onnx" / "text_model.onnx",
               ["input_ids", "attention_mask"], "text_embeds",
               {"input_ids": {0: "batch_size", 1: "sequence_length"}, "attention_mask": {0: "batch_size", 1: "sequence_length"},
                "text_embeds": {0: "batch_size"}}, a.opset)
        print(f"onnx/text_model.onnx written ({time.time() - started:.0f} s)", flush=True)

    check_parity(AudioTower(audio).eval(), out / "onnx" / "audio_model.onnx", frames, mels)

    for name in ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "preprocessor_config.json"]:
        shutil.copy(source / name, out / name)
    cfg = config.to_dict()
    cfg.update({
        "architectures": ["ClapModel"],
        "benchmark_only": True,
        "benchmark_note": "CLAP-size benchmark model: the architecture of laion/clap-htsat-unfused with RANDOM weights. "
                          "Its embeddings and tags are meaningless; it exists to measure speed.",
        "benchmark_seed": a.seed,
    })
    (out / "config.json").write_text(json.dumps(cfg, indent=2, default=str))
    (out / "README.md").write_text(
        "# CLAP-size benchmark model (random weights)\n\n"
        "Written by tools/clap-size-model. The architecture of laion/clap-htsat-unfused (HTSAT audio tower, RoBERTa\n"
        "text tower, 512-d projections) with random weights: its embeddings and tags are meaningless. It exists so\n"
        "bench:encoder can measure a network of CLAP's size. The tokenizer files are the demo model's.\n")
    print(f"written to {out}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
