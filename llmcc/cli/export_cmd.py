"""`llmcc export --gguf CHECKPOINT_DIR OUT.gguf [--outtype f16|f32]`: a Hugging Face model
folder (LlamaForCausalLM or Qwen2ForCausalLM, as training saves it) as a GGUF that
`llmcc serve` (llama.cpp) loads."""

from __future__ import annotations

import argparse

from llmcc.gguf_export import OUTTYPES, export

DESCRIPTION = ("convert a Hugging Face checkpoint (LlamaForCausalLM, Qwen2ForCausalLM) into "
               "a GGUF that llmcc serve loads")


def main(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="llmcc export", description=DESCRIPTION)
    parser.add_argument("--gguf", nargs=2, required=True, metavar=("CHECKPOINT_DIR", "OUT.gguf"),
                        help="convert the checkpoint folder into this GGUF file")
    parser.add_argument("--outtype", choices=OUTTYPES, default="f16",
                        help="weight matrices as 16- or 32-bit floats (norms stay 32-bit; "
                             "default f16)")
    opts = parser.parse_args(args)
    checkpoint, out = opts.gguf
    result = export(checkpoint, out, outtype=opts.outtype)
    print(f"wrote {result.path}: {result.arch}, {result.tensors} tensors, vocabulary "
          f"{result.vocab}, {result.bytes / 2**20:.1f} MiB ({opts.outtype}); serve it with "
          f"llmcc serve --model {result.path}")
    return 0
