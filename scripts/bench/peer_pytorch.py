#!/usr/bin/python3
"""PyTorch peer of src/train/gpt.ts, for the training-throughput benchmark.

Trains the same GPT (token + learned position embeddings, pre-norm blocks with a fused qkv
projection, causal softmax attention, GELU(tanh) MLP, final LayerNorm, head tied to the token
embedding) with the same AdamW (betas 0.9/0.95, eps 1e-8, weight decay 0.1 on 2-D weights,
global-norm clip 1.0) on random token batches, and prints one JSON line with its speed.

Run with Debian's /usr/bin/python3 and python3-torch. BLAS tuning (OPENBLAS_CORETYPE,
OPENBLAS_NUM_THREADS) comes from the environment, which scripts/bench/train.ts sets to what our
own OpenBLAS uses, so the comparison is between implementations rather than configurations.
"""

import argparse
import json
import math
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn


class Block(nn.Module):
    """Pre-norm residual block: x + attn(ln1(x)), then x + mlp(ln2(x))."""

    def __init__(self, width: int, heads: int):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(width, eps=1e-5)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.ln2 = nn.LayerNorm(width, eps=1e-5)
        self.fc = nn.Linear(width, 4 * width)
        self.fc_proj = nn.Linear(4 * width, width)

    def attention(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        H, D = self.heads, C // self.heads
        q, k, v = self.qkv(x).split(C, dim=2)  # [B, T, C] each
        q, k, v = (t.view(B, T, H, D).transpose(1, 2) for t in (q, k, v))  # [B, H, T, D]
        scores = (q * (1.0 / math.sqrt(D))) @ k.transpose(-2, -1) + mask[:T, :T]  # [B, H, T, T]
        y = scores.softmax(dim=-1) @ v  # [B, H, T, D]
        return self.proj(y.transpose(1, 2).reshape(B, T, C))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = x + self.attention(self.ln1(x), mask)
        return x + self.fc_proj(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))


class GPT(nn.Module):
    """Decoder-only transformer with the output head tied to the token embedding."""

    def __init__(self, vocab: int, layers: int, width: int, heads: int, context: int):
        super().__init__()
        self.wte = nn.Parameter(torch.randn(vocab, width) * 0.02)
        self.wpe = nn.Parameter(torch.randn(context, width) * 0.02)
        self.blocks = nn.ModuleList(Block(width, heads) for _ in range(layers))
        self.lnf = nn.LayerNorm(width, eps=1e-5)
        mask = torch.full((context, context), -1e9).triu(1)  # additive causal mask, as gpt.ts
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        T = ids.shape[1]
        x = F.embedding(ids, self.wte) + self.wpe[:T]  # [B, T, C]
        for block in self.blocks:
            x = block(x, self.mask)
        return self.lnf(x) @ self.wte.t()  # tied head: [B, T, V]


def peak_rss_mib() -> float:
    """VmHWM of this process. (getrusage's ru_maxrss would report the parent's peak when that
    was larger, because it survives the fork before exec.)"""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--vocab", type=int, default=256)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--width", type=int, default=128)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--context", type=int, default=64)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--steps", type=int, default=20, help="timed steps")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    p.add_argument("--threads", type=int, default=1,
                   help="torch intra-op threads; sgemm threads come from OPENBLAS_NUM_THREADS")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--device", default="cpu", help="cpu, or cuda as the peer of a GPU backend")
    args = p.parse_args()

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        sys.exit(f"torch {torch.__version__} has no CUDA device here (--device {args.device})")
    device = torch.device(args.device)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model = GPT(args.vocab, args.layers, args.width, args.heads, args.context).to(device)
    params = list(model.parameters())
    decay = [q for q in params if q.dim() == 2]  # weight decay on matrices and embeddings only
    no_decay = [q for q in params if q.dim() != 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
        lr=1e-3, betas=(0.9, 0.95), eps=1e-8,
    )
    B, T, V = args.batch, args.context, args.vocab

    def step() -> float:
        batch = torch.randint(0, V, (B, T + 1), device=device)
        logits = model(batch[:, :-1])
        loss = F.cross_entropy(logits.reshape(B * T, V), batch[:, 1:].reshape(B * T))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        return loss.item()  # waits for the device: the step's time includes the GPU's

    for _ in range(args.warmup):
        step()
    times = []
    loss = float("nan")
    for _ in range(args.steps):
        start = time.perf_counter()
        loss = step()
        times.append((time.perf_counter() - start) * 1000)
    ms = statistics.median(times)
    print(json.dumps({
        "impl": "pytorch",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "openblasThreads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "openblasCoretype": os.environ.get("OPENBLAS_CORETYPE"),
        "params": sum(q.numel() for q in params),
        "msPerStep": ms,
        "tokensPerSecond": B * T / (ms / 1000),
        "stepsMs": times,
        "lastLoss": loss,
        "peakRssMiB": peak_rss_mib(),
    }))


if __name__ == "__main__":
    main()
