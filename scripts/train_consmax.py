#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""train_consmax.py - train a ConSmax twin of stories260K and its softmax twin.

ConSmax (arXiv 2402.10930) replaces softmax(s) by exp(s - beta_h) / gamma_h
with beta, gamma learned per head; it is meant for models trained with it.
No dataset ships, so both twins are distilled from stories260K on text it
samples (temperature 1, fixed seeds): the teacher's full next-token
distribution is the target (soft cross-entropy).  Both twins start from the
same random initialisation, see the same batches in the same order with the
same optimiser and differ only in the attention normalisation.

The ConSmax twin is trained on what the card computes (hw/consmax.c): the
score s is quantised q = clamp(rint(s * inv_step), -128, 127) (inv_step =
127 / score_range, the same for every head unless --learn-range learns each
head's range) and p = exp(q / inv_step - beta) / gamma; the rounding passes
gradients straight through, the clamp passes none to the score (the card
saturates there too) but, with --learn-range, one to the head's range.

--resume DIR continues both twins from DIR: their torch state if there,
else the committed files (llama2.c checkpoints and the packed model's
beta, gamma, inv_step), with a fresh schedule of --iters iterations.

--ema DECAY evaluates and saves an exponential moving average of the
weights instead of the last iterate (the average starts at the starting
weights); what a later --resume continues from is then that average.

Writes into --out:
  softmax260K.bin        llama2.c checkpoint of the softmax twin
  consmax260K.bin        llama2.c checkpoint of the ConSmax twin (weights only)
  consmax260K.csa        CSA packed model (f32) with its ConSmax sections:
                         per layer [head][3] (beta, gamma, inv_step) and the
                         device tables (docs/model-format.md)
  heldout.txt            held-out texts sampled from the teacher (token ids)
  train-log-*.txt        losses and held-out perplexities per twin
  *.pt                   the torch state of each twin and the sampled
                         training text (not committed)

Needs Debian's python3-torch (an optional dependency: nothing in `make
test` uses it).  Deterministic for a given torch build and thread count.
"""
import argparse
import math
import multiprocessing
import os
import struct
import sys
import time
import zlib

import torch
import torch.nn.functional as F
from torch import nn

BOS = 1


class Config:
    FIELDS = ("dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads",
              "vocab_size", "seq_len")

    def __init__(self, values):
        for k, v in zip(self.FIELDS, values):
            setattr(self, k, v)
        self.shared_classifier = self.vocab_size > 0
        self.vocab_size = abs(self.vocab_size)
        self.head_size = self.dim // self.n_heads

    def header(self):
        vocab = self.vocab_size if self.shared_classifier else -self.vocab_size
        return struct.pack("<7i", self.dim, self.hidden_dim, self.n_layers,
                           self.n_heads, self.n_kv_heads, vocab, self.seq_len)


def rope_tables(cfg, n):
    """cos/sin [n][head_size/2] as llama2.c's run.c computes them (f32)."""
    hs = cfg.head_size
    j = torch.arange(0, hs, 2, dtype=torch.float32)
    freq = 1.0 / torch.pow(torch.tensor(10000.0), j / hs)
    ang = torch.arange(n, dtype=torch.float32)[:, None] * freq[None, :]
    return torch.cos(ang), torch.sin(ang)


def rope(x, cos, sin):
    """x [B, H, T, hs]: rotates the pairs (2i, 2i+1) by pos * freq_i."""
    x0, x1 = x[..., 0::2], x[..., 1::2]
    y0 = x0 * cos - x1 * sin
    y1 = x0 * sin + x1 * cos
    return torch.stack((y0, y1), dim=-1).flatten(-2)


class CardGrid(torch.autograd.Function):
    """The card's int8 score: clamp(rint(v), -128, 127).  Gradient: straight
    through the rounding, zero where it saturates."""

    @staticmethod
    def forward(ctx, v):
        inside = (v > -128.0) & (v < 127.0)
        ctx.save_for_backward(inside)
        q = torch.clamp(v, -128.0, 127.0)
        return torch.round(q, out=q)	# half to even, as csa_round_even()

    @staticmethod
    def backward(ctx, grad):
        (inside,) = ctx.saved_tensors
        return grad * inside


def card_scores(s, inv_step, mask):
    """Scores as the card sees them: the grid times the step, masked
    positions -inf (after the step, so a learned step gets no NaN)."""
    return (CardGrid.apply(s * inv_step) * (1.0 / inv_step)).masked_fill(~mask, float("-inf"))


class ConSmax(nn.Module):
    """exp(s - beta) / gamma per head on the card's int8 score grid
    (ConSmaxV2 of the paper's code: beta0 = 2, gamma0 = 100)."""

    def __init__(self, n_heads, score_range, beta0=2.0, gamma0=100.0, learn_range=False):
        super().__init__()
        self.beta = nn.Parameter(torch.full((n_heads, 1, 1), beta0))
        self.gamma = nn.Parameter(torch.full((n_heads, 1, 1), gamma0))
        # ln of each head's score range: the grid's top, 127 / inv_step, is
        # where scores saturate; learned (--learn-range) it gets its gradient
        # from the saturated scores only
        self.learn_range = learn_range
        self.fixed_inv_step = 127.0 / score_range
        self.log_range = nn.Parameter(torch.full((n_heads, 1, 1), math.log(score_range)),
                                      requires_grad=learn_range)
        # --blend-iters: while training, the weights are blend x ConSmax +
        # (1 - blend) x softmax of the same scores, blend rising to 1, so a
        # teacher-initialised twin moves to ConSmax without first losing
        # what it knows; evaluation and export are always pure ConSmax
        self.blend = 1.0

    @property
    def inv_step(self):
        if not self.learn_range:
            return self.fixed_inv_step	# exactly 127 / range, as before
        return 127.0 / torch.exp(self.log_range)

    def forward(self, s, mask):
        # exp(x - beta) / gamma = exp(x - (beta + ln gamma)): one pass less
        x = card_scores(s, self.inv_step, mask)
        c = self.beta + torch.log(self.gamma)
        if self.training:
            # how far each row is from summing to 1 (ln of its sum):
            # the self-normalisation penalty of train()
            self.penalty = (torch.logsumexp(x, dim=-1) - c[..., 0]).pow(2).mean()
            if self.blend < 1.0:
                return (self.blend * torch.exp(x - c) +
                        (1.0 - self.blend) * torch.softmax(x, dim=-1))
        return torch.exp(x - c)


class Model(nn.Module):
    def __init__(self, cfg, attention="softmax", score_range=8.0, learn_range=False):
        super().__init__()
        self.cfg = cfg
        d, kv = cfg.dim, cfg.head_size * cfg.n_kv_heads
        self.tok = nn.Embedding(cfg.vocab_size, d)
        self.rms_att = nn.ParameterList([nn.Parameter(torch.ones(d)) for _ in range(cfg.n_layers)])
        self.rms_ffn = nn.ParameterList([nn.Parameter(torch.ones(d)) for _ in range(cfg.n_layers)])
        lin = lambda i, o: nn.Linear(i, o, bias=False)
        self.wq = nn.ModuleList([lin(d, d) for _ in range(cfg.n_layers)])
        self.wk = nn.ModuleList([lin(d, kv) for _ in range(cfg.n_layers)])
        self.wv = nn.ModuleList([lin(d, kv) for _ in range(cfg.n_layers)])
        self.wo = nn.ModuleList([lin(d, d) for _ in range(cfg.n_layers)])
        self.w1 = nn.ModuleList([lin(d, cfg.hidden_dim) for _ in range(cfg.n_layers)])
        self.w2 = nn.ModuleList([lin(cfg.hidden_dim, d) for _ in range(cfg.n_layers)])
        self.w3 = nn.ModuleList([lin(d, cfg.hidden_dim) for _ in range(cfg.n_layers)])
        self.rms_final = nn.Parameter(torch.ones(d))
        self.wcls = None if cfg.shared_classifier else lin(d, cfg.vocab_size)
        # llama2.c's model.py initialisation (the ConSmax constants come
        # after, so both twins draw the same weights from the same seed)
        for name, p in self.named_parameters():
            if p.dim() == 2:
                std = 0.02
                if name.startswith(("wo.", "w2.")):
                    std = 0.02 / math.sqrt(2 * cfg.n_layers)
                nn.init.normal_(p, mean=0.0, std=std)
        self.attention = attention
        self.consmax = None
        if attention == "consmax":
            self.consmax = nn.ModuleList([ConSmax(cfg.n_heads, score_range,
                                                  learn_range=learn_range)
                                          for _ in range(cfg.n_layers)])
        cos, sin = rope_tables(cfg, cfg.seq_len)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)

    @staticmethod
    def rmsnorm(x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * w

    def forward(self, tokens, start=0, cache=None, record=None, hidden=None):
        """tokens [B, T] at positions start.. ; cache: list of (k, v) per
        layer, extended in place (sampling); record: a list that gets each
        layer's scores; hidden: a list that gets the residual stream after
        each layer.  Returns logits [B, T, V]."""
        cfg = self.cfg
        B, T = tokens.shape
        H, KV, hs = cfg.n_heads, cfg.n_kv_heads, cfg.head_size
        cos, sin = self.cos[start:start + T], self.sin[start:start + T]
        total = start + T
        mask = torch.ones(T, total, dtype=torch.bool).tril(diagonal=start)
        x = self.tok(tokens)
        for l in range(cfg.n_layers):
            h = self.rmsnorm(x, self.rms_att[l])
            q = self.wq[l](h).view(B, T, H, hs).transpose(1, 2)
            k = self.wk[l](h).view(B, T, KV, hs).transpose(1, 2)
            v = self.wv[l](h).view(B, T, KV, hs).transpose(1, 2)
            q, k = rope(q, cos, sin), rope(k, cos, sin)
            if cache is not None:
                if len(cache) > l:
                    k = torch.cat((cache[l][0], k), dim=2)
                    v = torch.cat((cache[l][1], v), dim=2)
                    cache[l] = (k, v)
                else:
                    cache.append((k, v))
            k = k.repeat_interleave(H // KV, dim=1)
            v = v.repeat_interleave(H // KV, dim=1)
            s = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(hs))
            if record is not None:
                record.append(s.detach())
            if self.consmax is None:
                p = torch.softmax(s.masked_fill(~mask, float("-inf")), dim=-1)
            else:
                p = self.consmax[l](s, mask)
            a = (p @ v).transpose(1, 2).reshape(B, T, cfg.dim)
            x = x + self.wo[l](a)
            h = self.rmsnorm(x, self.rms_ffn[l])
            x = x + self.w2[l](F.silu(self.w1[l](h)) * self.w3[l](h))
            if hidden is not None:
                hidden.append(x)
        x = self.rmsnorm(x, self.rms_final)
        return x @ (self.tok.weight if self.wcls is None else self.wcls.weight).t()

    # ---- llama2.c checkpoints -------------------------------------------
    def tensors(self):
        """(name, tensor) in llama2.c's file order, without the RoPE tables."""
        L = range(self.cfg.n_layers)
        out = [("tok", self.tok.weight)]
        out += [("rms_att", self.rms_att[l]) for l in L]
        for w in ("wq", "wk", "wv", "wo"):
            out += [(w, getattr(self, w)[l].weight) for l in L]
        out += [("rms_ffn", self.rms_ffn[l]) for l in L]
        for w in ("w1", "w2", "w3"):
            out += [(w, getattr(self, w)[l].weight) for l in L]
        out.append(("rms_final", self.rms_final))
        return out

    def load_llama2c(self, path):
        with open(path, "rb") as f:
            f.seek(28)
            raw = f.read()
        flat = torch.frombuffer(bytearray(raw), dtype=torch.float32)
        off = 0
        with torch.no_grad():
            for _, t in self.tensors():
                t.copy_(flat[off:off + t.numel()].view_as(t))
                off += t.numel()
            off += self.cfg.seq_len * self.cfg.head_size  # freq_cis real + imag
            if self.wcls is not None:
                self.wcls.weight.copy_(flat[off:off + self.wcls.weight.numel()]
                                       .view_as(self.wcls.weight))
                off += self.wcls.weight.numel()
        if off != flat.numel():
            sys.exit(f"{path}: {flat.numel()} floats, expected {off}")

    def save_llama2c(self, path):
        cos, sin = rope_tables(self.cfg, self.cfg.seq_len)
        parts = [self.cfg.header()]
        parts += [t.detach().contiguous().numpy().tobytes() for _, t in self.tensors()]
        parts += [cos.numpy().tobytes(), sin.numpy().tobytes()]
        if self.wcls is not None:
            parts.append(self.wcls.weight.detach().numpy().tobytes())
        write_file(path, b"".join(parts))

    # ---- CSA packed model ---------------------------------------------------
    def consmax_params(self):
        """[(layer, [(beta, gamma, inv_step) per head])] as f32 values."""
        out = []
        for l, c in enumerate(self.consmax):
            inv = c.inv_step
            out.append([(float(c.beta[h]), float(c.gamma[h]),
                         float(inv[h]) if torch.is_tensor(inv) else inv)
                        for h in range(self.cfg.n_heads)])
        return out

    def save_packed(self, path):
        """docs/model-format.md: f32 matrices, ConSmax sections if any."""
        cfg, L = self.cfg, range(self.cfg.n_layers)
        f32 = lambda t: t.detach().contiguous().numpy().astype("<f4").tobytes()
        sections = [(1, 0, cfg.vocab_size, cfg.dim, f32(self.tok.weight))]
        for l in L:
            sections.append((2, l, 1, cfg.dim, f32(self.rms_att[l])))
            sections.append((3, l, 1, cfg.dim, f32(self.rms_ffn[l])))
            for w, name in enumerate(("wq", "wk", "wv", "wo", "w1", "w2", "w3")):
                t = getattr(self, name)[l].weight
                sections.append((16 + w, l, t.shape[0], t.shape[1], f32(t)))
        sections.append((4, 0, 1, cfg.dim, f32(self.rms_final)))
        if self.wcls is not None:
            sections.append((32, 0, cfg.vocab_size, cfg.dim, f32(self.wcls.weight)))
        if self.consmax is not None:
            for l, heads in enumerate(self.consmax_params()):
                prm = struct.pack(f"<{3 * len(heads)}f", *[x for h in heads for x in h])
                tab = b"".join(consmax_table(*h) for h in heads)
                sections.append((48, l, cfg.n_heads, 3, prm))
                sections.append((49, l, cfg.n_heads, 36, tab))
        write_file(path, packed_bytes(cfg, sections, self.consmax is not None))


def consmax_table(beta, gamma, inv_step):
    """One head's device table (csa_device.h; as llm_consmax_table())."""
    f32 = lambda x: struct.unpack("<f", struct.pack("<f", x))[0]
    beta, gamma, inv_step = f32(beta), f32(gamma), f32(inv_step)
    step = 1.0 / inv_step
    t = [inv_step, 0.0, 0.0, 0.0]
    t += [math.exp(16.0 * m * step - beta) / gamma for m in range(-8, 8)]
    t += [math.exp(l * step) for l in range(16)]
    return struct.pack("<36f", *t)


def packed_bytes(cfg, sections, consmax):
    align = lambda v: (v + 63) & ~63
    table_end = 128 + 48 * len(sections)
    off = align(table_end)
    table, payload = b"", b"\0" * (off - table_end)
    for tensor, layer, rows, cols, data in sections:
        table += struct.pack("<8I2Q", tensor, layer, 1, rows, cols, 0, 0, 0,
                             off, len(data))
        payload += data + b"\0" * (align(len(data)) - len(data))
        off = align(off + len(data))
    body = table + payload
    hdr = struct.pack("<4I7I6I", 0x51415343, 1, 128, len(sections),
                      cfg.dim, cfg.hidden_dim, cfg.n_layers, cfg.n_heads,
                      cfg.n_kv_heads, cfg.vocab_size, cfg.seq_len,
                      int(cfg.shared_classifier), 0, 0, 0, 0, int(consmax))
    hdr += b"\0" * (96 - len(hdr))
    hdr += struct.pack("<QI", 128 + len(body), zlib.crc32(body))
    hdr += b"\0" * (124 - len(hdr))
    hdr += struct.pack("<I", zlib.crc32(hdr))
    return hdr + body


def write_file(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


# ---- data ---------------------------------------------------------------------
@torch.no_grad()
def sample(teacher, n_seqs, length, seed, batch=256):
    """n_seqs rows of BOS + length tokens sampled at temperature 1."""
    g = torch.Generator().manual_seed(seed)
    rows = []
    for b0 in range(0, n_seqs, batch):
        nb = min(batch, n_seqs - b0)
        seq = torch.full((nb, 1), BOS, dtype=torch.long)
        cache = []
        for pos in range(length):
            logits = teacher(seq[:, -1:], start=pos, cache=cache)[:, -1]
            nxt = torch.multinomial(torch.softmax(logits, dim=-1), 1, generator=g)
            seq = torch.cat((seq, nxt), dim=1)
        rows.append(seq)
    return torch.cat(rows)


@torch.no_grad()
def perplexity(model, texts, micro=4):
    """exp(mean NLL) of each text (teacher-forced, BOS first)."""
    out = []
    for i in range(0, len(texts), micro):
        t = texts[i:i + micro]
        logits = model(t[:, :-1])
        nll = F.cross_entropy(logits.transpose(1, 2), t[:, 1:], reduction="none")
        out += torch.exp(nll.mean(dim=1)).tolist()
    return out


@torch.no_grad()
def compare(teacher, model, texts, micro=4):
    """Per text: (perplexity, mean KL(teacher || model), top-1 agreement)."""
    out = []
    for i in range(0, len(texts), micro):
        t = texts[i:i + micro]
        lt = F.log_softmax(teacher(t[:, :-1]), dim=-1)
        lm = F.log_softmax(model(t[:, :-1]), dim=-1)
        nll = -lm.gather(-1, t[:, 1:, None]).squeeze(-1).mean(dim=1)
        kl = (lt.exp() * (lt - lm)).sum(-1).mean(dim=1)
        top1 = (lt.argmax(-1) == lm.argmax(-1)).float().mean(dim=1)
        out += zip(torch.exp(nll).tolist(), kl.tolist(), top1.tolist())
    return out


def read_heldout(path):
    rows = [list(map(int, line.split())) for line in open(path)
            if line.strip() and not line.startswith("#")]
    return torch.tensor(rows, dtype=torch.long)


def evaluate(args, cfg, teacher):
    """--evaluate: the docs' quality rows from a finished --out directory,
    on its heldout.txt or, with --eval-seed, on --heldout fresh texts."""
    if args.eval_seed is None:
        held = read_heldout(os.path.join(args.out, "heldout.txt"))
    else:
        held = sample(teacher, args.heldout, args.heldout_len, seed=args.eval_seed)
    rows = [("stories260K (teacher)", teacher)]
    for attention, name in (("softmax", "softmax260K"), ("consmax", "consmax260K")):
        model = Model(cfg, attention, args.score_range, args.learn_range)
        resume(model, args.out, attention)
        model.eval()
        rows.append((f"{name} ({attention})", model))
    where = "heldout.txt" if args.eval_seed is None else f"sampled with seed {args.eval_seed}"
    print(f"{len(held)} held-out texts of {held.shape[1] - 1} tokens ({where}); "
          f"mean (min .. max)")
    ppl = []
    for label, model in rows:
        r = compare(teacher, model, held, args.micro)
        ppl.append(torch.tensor([x[0] for x in r], dtype=torch.float64))
        cols = []
        for k, what in enumerate(("ppl", "KL", "top-1")):
            v = [x[k] for x in r]
            cols.append(f"{what} {sum(v) / len(v):.4f} ({min(v):.4f} .. {max(v):.4f})")
        print(f"{label:28s} " + ", ".join(cols), flush=True)
    # the figure, mean perplexity ConSmax / softmax, with how much
    # it depends on which texts were drawn: a bootstrap over the texts
    soft, cons = ppl[1], ppl[2]
    pick = torch.randint(0, len(held), (10000, len(held)),
                         generator=torch.Generator().manual_seed(0))
    ratios = cons[pick].mean(dim=1) / soft[pick].mean(dim=1)
    print(f"consmax / softmax mean perplexity {float(cons.mean() / soft.mean()):.4f} "
          f"(95% bootstrap interval over the texts "
          f"{float(ratios.quantile(0.025)):.4f} .. {float(ratios.quantile(0.975)):.4f})")


# ---- training -----------------------------------------------------------------
@torch.no_grad()
def calibrate_consmax(model, x, how="max"):
    """From the starting weights: beta_h + ln gamma_h = the largest row LSE
    of head h on the card's grid over batch x (gamma stays the paper's 100),
    so no row sums above 1 at the start (llm_consmax.h: LLM_CONSMAX_LSE_MAX)."""
    scores = []
    consmax, model.consmax = model.consmax, None
    model(x, record=scores)
    model.consmax = consmax
    T = x.shape[1]
    mask = torch.ones(T, T, dtype=torch.bool).tril()
    for c, s in zip(model.consmax, scores):
        lse = torch.logsumexp(card_scores(s, c.inv_step, mask), dim=-1)  # B, H, T
        rows = lse.transpose(0, 1).reshape(lse.shape[1], -1)
        top = rows.max(dim=1).values if how == "max" else rows.mean(dim=1)
        c.beta.copy_((top - math.log(float(c.gamma[0]))).view(-1, 1, 1))


def weights_of(model):
    """A copy of every parameter, by name."""
    return {n: p.detach().clone() for n, p in model.named_parameters()}


@torch.no_grad()
def load_weights(model, weights):
    for n, p in model.named_parameters():
        p.copy_(weights[n])


def train(args, cfg, attention, data, held, log_path, save):
    """Trains one twin; save(model) writes it at every evaluation, the
    last one at the end of the schedule (with --ema, the average)."""
    if attention == "consmax" and args.consmax_iters:
        args.iters = args.consmax_iters
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    teacher = Model(cfg)
    teacher.load_llama2c(args.teacher)
    teacher.eval()
    model = Model(cfg, attention, args.score_range, args.learn_range)
    if args.resume:
        resume(model, args.resume, attention)
    elif args.init == "teacher":
        model.load_llama2c(args.teacher)
        if model.consmax is not None:
            calibrate_consmax(model, data[:args.micro, :args.seq], args.calibrate)
    decay = [p for n, p in model.named_parameters() if p.dim() == 2]
    other = [p for n, p in model.named_parameters() if p.dim() < 2 and "consmax" not in n]
    groups = [{"params": decay, "weight_decay": args.weight_decay},
              {"params": other, "weight_decay": 0.0}]
    if model.consmax is not None:
        cm = [p for n, p in model.named_parameters() if "consmax" in n and p.requires_grad]
        groups.append({"params": cm, "weight_decay": 0.0, "lr_mult": args.consmax_lr_mult})
    opt = torch.optim.AdamW(groups, lr=args.lr, betas=(0.9, 0.95))
    g = torch.Generator().manual_seed(args.seed + 1)
    order = torch.randperm(len(data), generator=g)
    cursor, t0 = 0, time.time()
    log = open(log_path, "w")

    def say(msg):
        log.write(msg + "\n")
        log.flush()

    # --ema: an exponential moving average of the weights is what gets
    # evaluated and saved; it averages out the last iterations' gradient noise
    ema = None
    if args.ema:
        ema = weights_of(model)

    def averaged(fn):
        """Run fn with the averaged weights in the model (if --ema)."""
        if ema is None:
            return fn()
        live = weights_of(model)
        load_weights(model, ema)
        try:
            return fn()
        finally:
            load_weights(model, live)

    def held_out(it):
        model.eval()
        ppl = averaged(lambda: perplexity(model, held, args.micro))
        model.train()
        say(f"iter {it} held-out ppl mean {sum(ppl) / len(ppl):.4f} "
            f"min {min(ppl):.4f} max {max(ppl):.4f} ({time.time() - t0:.0f} s)")

    say(f"# {attention} twin from {args.resume or args.init} weights: {args.iters} iterations, "
        f"batch {args.batch} x {args.seq} tokens, lr {args.lr}, "
        f"score range {args.score_range}, norm penalty {args.norm_penalty}, "
        f"hidden distillation {args.hidden_distill}, calibration {args.calibrate}, "
        f"blend iterations {args.blend_iters}, "
        f"learned range {args.learn_range}, ema {args.ema}, "
        f"warm-up {args.warmup}, seed {args.seed}")
    if model.consmax is not None:
        say("# start: beta + ln gamma per layer: " + "; ".join(
            " ".join(f"{float(c.beta[h] + torch.log(c.gamma[h])):.2f}"
                     for h in range(cfg.n_heads)) for c in model.consmax))
    for it in range(args.iters + 1):
        if it % args.eval_every == 0 or it == args.iters:
            held_out(it)
            if it:
                averaged(lambda: save(model))	# a usable model at every evaluation
        if it == args.iters:
            break
        if it < args.warmup:
            lr = args.lr * (it + 1) / args.warmup
        else:
            frac = (it - args.warmup) / max(1, args.iters - args.warmup)
            lr = args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))
        for grp in opt.param_groups:
            grp["lr"] = lr * grp.get("lr_mult", 1.0)
        if model.consmax is not None and args.blend_iters:
            for c in model.consmax:
                c.blend = min(1.0, it / args.blend_iters)
        if cursor + args.batch > len(order):
            order, cursor = torch.randperm(len(data), generator=g), 0
        batch = data[order[cursor:cursor + args.batch], :args.seq]
        cursor += args.batch
        opt.zero_grad(set_to_none=True)
        total = 0.0
        # micro-batches keep the [B, heads, T, T] tensors small: far faster
        # on a busy CPU than one big batch
        for i in range(0, args.batch, args.micro):
            x = batch[i:i + args.micro]
            t_hidden, s_hidden = [], []
            with torch.no_grad():
                target = torch.softmax(teacher(x, hidden=t_hidden), dim=-1)
            logits = model(x, hidden=s_hidden)
            loss = -(target * F.log_softmax(logits, dim=-1)).sum(-1).mean()
            full = loss
            if args.hidden_distill:
                # each layer's residual stream against the teacher's, relative
                # to the teacher's mean square: a target per layer, not only
                # at the output
                full = full + args.hidden_distill * sum(
                    (s_h - t_h).pow(2).mean() / t_h.pow(2).mean()
                    for s_h, t_h in zip(s_hidden, t_hidden)) / cfg.n_layers
            if model.consmax is not None and args.norm_penalty:
                full = full + args.norm_penalty * sum(
                    c.penalty for c in model.consmax) / cfg.n_layers
            (full * (len(x) / args.batch)).backward()
            total += loss.item() * len(x) / args.batch
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if ema is not None:
            with torch.no_grad():
                for n, p in model.named_parameters():
                    ema[n].mul_(args.ema).add_(p.detach(), alpha=1.0 - args.ema)
        if it % 10 == 0:
            say(f"iter {it} loss {total:.4f} lr {lr:.2e} ({time.time() - t0:.0f} s)")
    log.close()


def read_consmax_params(path):
    """{layer: [(beta, gamma, inv_step) per head]} from a packed model."""
    raw = open(path, "rb").read()
    n = struct.unpack_from("<I", raw, 12)[0]
    out = {}
    for i in range(n):
        tensor, layer, _, rows, cols, _, _, _, off, _ = struct.unpack_from("<8I2Q", raw, 128 + 48 * i)
        if tensor == 48:
            v = struct.unpack_from(f"<{rows * cols}f", raw, off)
            out[layer] = [tuple(v[3 * h:3 * h + 3]) for h in range(rows)]
    return out


def resume(model, where, attention):
    """Continue from DIR's torch state of the twin, or else from its
    committed files (llama2.c checkpoint and, for ConSmax, the packed
    model's beta, gamma and inv_step)."""
    name = os.path.join(where, twin_name(attention))
    if os.path.exists(name + ".pt"):
        model.load_state_dict(torch.load(name + ".pt"))
        return
    model.load_llama2c(name + ".bin")
    if model.consmax is None:
        return
    params = read_consmax_params(name + ".csa")
    with torch.no_grad():
        for l, c in enumerate(model.consmax):
            for h, (beta, gamma, inv_step) in enumerate(params[l]):
                c.beta[h] = beta
                c.gamma[h] = gamma
                c.log_range[h] = math.log(127.0 / inv_step)
                if not c.learn_range and abs(inv_step - c.fixed_inv_step) > 1e-6 * inv_step:
                    sys.exit(f"{name}.csa: inv_step {inv_step} is not 127 / --score-range")


def twin_name(attention):
    return "softmax260K" if attention == "softmax" else "consmax260K"


def train_and_save(args, cfg, attention, data, held):
    name = twin_name(attention)

    def save(model):
        model.save_llama2c(os.path.join(args.out, name + ".bin"))
        torch.save(model.state_dict(), os.path.join(args.out, name + ".pt"))
        if attention == "consmax":
            model.save_packed(os.path.join(args.out, name + ".csa"))

    train(args, cfg, attention, data, held,
          os.path.join(args.out, f"train-log-{attention}.txt"), save)


def main():
    # Freed tensors of a few MB would go back to the kernel and fault in
    # again on every use (measured 10-50x slower steps): keep them in the heap.
    if "MALLOC_MMAP_THRESHOLD_" not in os.environ:
        env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="33554432",
                   MALLOC_TRIM_THRESHOLD_="4294967296")
        os.execve(sys.executable, [sys.executable] + sys.argv, env)
    models = os.environ.get("ACCEL_MODELS", os.path.join(os.path.dirname(__file__),
                                                         "..", "..", "shared", "models"))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--teacher", default=os.path.join(models, "stories260K.bin"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--init", choices=("teacher", "random"), default="teacher",
                    help="start both twins from stories260K's weights or from "
                         "llama2.c's random initialisation")
    ap.add_argument("--resume", metavar="DIR",
                    help="continue from the twins' .pt files in DIR")
    ap.add_argument("--iters", type=int, default=300)
    ap.add_argument("--consmax-iters", type=int, default=0,
                    help="iterations of the ConSmax twin (default: --iters)")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--micro", type=int, default=4, help="sequences per forward pass")
    ap.add_argument("--seq", type=int, default=256, help="training context")
    ap.add_argument("--train-seqs", type=int, default=2048, help="sampled training texts")
    ap.add_argument("--heldout", type=int, default=8, help="held-out texts")
    ap.add_argument("--heldout-len", type=int, default=256)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--consmax-lr-mult", type=float, default=10.0,
                    help="learning-rate factor for beta and gamma")
    ap.add_argument("--norm-penalty", type=float, default=0.1,
                    help="ConSmax twin: weight of the mean squared ln(row sum), "
                         "which pushes every attention row to sum to 1")
    ap.add_argument("--hidden-distill", type=float, default=0.0,
                    help="weight of the per-layer residual-stream distillation term "
                         "(mean squared difference to the teacher's, relative)")
    ap.add_argument("--blend-iters", type=int, default=0,
                    help="ConSmax twin: train on a blend of ConSmax and softmax "
                         "weights, ConSmax's share rising linearly from 0 to 1 over "
                         "this many iterations (0: pure ConSmax from the start)")
    ap.add_argument("--calibrate", choices=("max", "mean"), default="max",
                    help="ConSmax twin's start: beta + ln gamma = the largest or "
                         "the mean row log-sum-exp of each head")
    ap.add_argument("--learn-range", action="store_true",
                    help="ConSmax twin: learn each head's score range (where its "
                         "scores saturate; exported as the head's inv_step)")
    ap.add_argument("--ema", type=float, default=0.0, metavar="DECAY",
                    help="evaluate and save an exponential moving average of the "
                         "weights with this decay per iteration (0: the weights as trained)")
    ap.add_argument("--score-range", type=float, default=16.0,
                    help="ConSmax int8 grid covers [-range, range]: inv_step = 127/range")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1, help="torch threads per twin")
    ap.add_argument("--sample-threads", type=int, default=0,
                    help="torch threads while sampling the text (default: --threads)")
    ap.add_argument("--jobs", type=int, default=1, help="1: twins in turn, 2: side by side")
    ap.add_argument("--eval-every", type=int, default=50)
    ap.add_argument("--only", choices=("softmax", "consmax"))
    ap.add_argument("--evaluate", action="store_true",
                    help="only report ppl, KL and top-1 vs the teacher of the "
                         "twins already in --out")
    ap.add_argument("--heldout-only", action="store_true",
                    help="only sample --out's heldout.txt (--heldout texts, seed "
                         "--seed + 1000) and stop")
    ap.add_argument("--eval-seed", type=int, metavar="SEED",
                    help="--evaluate on --heldout texts sampled with this seed "
                         "instead of --out's heldout.txt (the training text is seed "
                         "--seed, heldout.txt seed --seed + 1000)")
    args = ap.parse_args()
    if not 1 <= args.seq <= 512 or args.heldout_len + 1 > 512 or args.iters < 1 \
            or args.micro < 1 or args.batch % args.micro or not 0.0 <= args.ema < 1.0 \
            or not 1 <= args.threads <= 64 or not 0 <= args.sample_threads <= 64 \
            or not 1 <= args.heldout <= 4096:
        sys.exit("--seq and --heldout-len must fit the 512-token context, --iters >= 1, "
                 "--batch a multiple of --micro, 0 <= --ema < 1, 1 <= --threads <= 64, "
                 "0 <= --sample-threads <= 64, 1 <= --heldout <= 4096")

    torch.set_num_threads(args.sample_threads or args.threads)
    os.makedirs(args.out, exist_ok=True)
    with open(args.teacher, "rb") as f:
        cfg = Config(struct.unpack("<7i", f.read(28)))
    teacher = Model(cfg)
    teacher.load_llama2c(args.teacher)
    teacher.eval()
    if args.evaluate:
        evaluate(args, cfg, teacher)
        return

    t0 = time.time()
    held = sample(teacher, args.heldout, args.heldout_len, seed=args.seed + 1000)
    with open(os.path.join(args.out, "heldout.txt"), "w") as f:
        f.write(f"# {args.heldout} texts sampled from stories260K (temperature 1, "
                f"seed {args.seed + 1000}): BOS + {args.heldout_len} token ids each\n")
        for row in held.tolist():
            f.write(" ".join(map(str, row)) + "\n")
    ppl = perplexity(teacher, held)
    print(f"teacher held-out ppl mean {sum(ppl) / len(ppl):.4f} "
          f"min {min(ppl):.4f} max {max(ppl):.4f}", flush=True)
    if args.heldout_only:
        return
    cache = os.path.join(args.out, f"train-data-{args.train_seqs}x{args.seq}-seed{args.seed}.pt")
    if os.path.exists(cache):
        data = torch.load(cache)
    else:
        data = sample(teacher, args.train_seqs, args.seq, seed=args.seed)
        torch.save(data, cache)
    print(f"sampled {args.train_seqs} x {args.seq} training tokens in "
          f"{time.time() - t0:.0f} s", flush=True)
    del teacher
    torch.set_num_threads(args.threads)

    twins = [args.only] if args.only else ["softmax", "consmax"]
    if args.jobs > 1 and len(twins) > 1:
        ctx = multiprocessing.get_context("fork")
        procs = [ctx.Process(target=train_and_save, args=(args, cfg, a, data, held))
                 for a in twins]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        if any(p.exitcode for p in procs):
            sys.exit("a twin's training failed")
    else:
        for a in twins:
            train_and_save(args, cfg, a, data, held)
    print(f"done in {time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
