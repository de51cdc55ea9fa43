"""The paper's training setup read from its text: notation as PDFs flatten it, what is not a
setting, the experiment a value belongs to, `replicate hparams`, and config/paper.toml."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tomllib

from paperlab.replicate.hparams import find
from paperlab.samples import SamplePaper, write_paper_pdf

PAPERS = Path(__file__).resolve().parents[2] / "shared" / "data" / "papers"


def stated(sentence: str) -> set[tuple[str, object]]:
    return {(h.name, h.value) for h in find([(1, sentence)])}


@pytest.mark.parametrize(("sentence", "expected"), [
    ("We used AdamW optimizer with learning rate 10\u22123, weight decay 1, \u03b21 = 0.9, \u03b22 = 0.98.",
     {("optimizer", "AdamW"), ("learning_rate", 0.001), ("weight_decay", 1.0), ("beta1", 0.9), ("beta2", 0.98)}),
    ("We used the Adam optimizer with \u03b21 = 0.9, \u03b22 = 0.98 and \u03f5 = 10\u22129.",
     {("optimizer", "Adam"), ("beta1", 0.9), ("beta2", 0.98), ("eps", 1e-9)}),
    ("We use Adam while holding \u03b21 = \u03b22 = 0.95 fixed.",
     {("optimizer", "Adam"), ("beta1", 0.95), ("beta2", 0.95)}),
    # the constants in brackets after the optimizer; a probability named by its letter
    ("Optimization is performed with Adam (\u03b21 = 0.9, \u03b22 = 0.95, \u03b5 = 10\u22128).",
     {("optimizer", "Adam"), ("beta1", 0.9), ("beta2", 0.95), ("eps", 1e-8)}),
    ("Dropout with p = 0.5 is applied before the final layer.", {("dropout", 0.5)}),
    ("We apply dropout (p = 0.1) to the attention weights' output.", {("dropout", 0.1)}),
    ("We use a patch size of 16 and an input resolution of 384.", {("patch_size", 16), ("image_size", 384)}),
    ("All experiments use a random seed of 42.", {("random_seed", 42)}),
    # BERT's sizes, heads of self-attention, an FFN's hidden size, the linear scaling rule's base rate,
    # a warmup in epochs after an adverb, "epochs:" in a listing
    ("We use a 12-layer, 768-hidden, 12-head Transformer.", {("n_layers", 12), ("d_model", 768), ("n_heads", 12)}),
    ("BERT-Base has 12 layers, a hidden size of 768 and 12 self-attention heads.",
     {("n_layers", 12), ("d_model", 768), ("n_heads", 12)}),
    ("The hidden dimension of the feed-forward network is 3072.", {("d_ff", 3072)}),
    ("We use a learning rate of 1.5e-4 \u00d7 batch size / 256.", {("learning_rate", 1.5e-4)}),
    ("The learning rate is warmed up linearly for 40 epochs.", {("warmup_epochs", 40)}),
    ("Learning rate: 3e-4; batch size: 128; epochs: 50.",
     {("learning_rate", 3e-4), ("batch_size", 128), ("epochs", 50)}),
    # both betas set as one pair; the optimizer's epsilon named with it
    ("We use AdamW with \u03b21, \u03b22 = 0.9, 0.95.", {("optimizer", "AdamW"), ("beta1", 0.9), ("beta2", 0.95)}),
    ("We set \u03b21 = 0.1, \u03b22 = 0.98 and the Adam epsilon to 1e-8.",
     {("beta1", 0.1), ("beta2", 0.98), ("eps", 1e-8), ("optimizer", "Adam")}),
    ("We use Adam with learning rate of 1e-4 and fine-tune with a learning rate of 5e-5.",
     {("optimizer", "Adam"), ("learning_rate", 1e-4), ("learning_rate", 5e-5)}),
    ("The models are trained for up to 60 \u00d7 104 iterations.", {("iterations", 600000.0)}),
    ("We start with a learning rate of 0.1, divide it by 10 at 32k and 48k iterations, and terminate "
     "training at 64k iterations.",
     {("learning_rate", 0.1), ("milestones", "32000,48000"), ("iterations", 64000.0), ("schedule", "step")}),
    ("We use a weight decay of 0.0001 and a momentum of 0.9.", {("weight_decay", 0.0001), ("momentum", 0.9)}),
    ("We train with batch size of 256 sequences for 1,000,000 steps.", {("batch_size", 256.0), ("steps", 1e6)}),
    ("The learning rate is 2 \u00b7 10\u22124 with linear decay.", {("learning_rate", 0.0002), ("schedule", "linear")}),
    ("We used warmup_steps = 4000.", {("warmup_steps", 4000.0)}),
    ("We employ label smoothing of value \u03f5ls = 0.1 and a rate of Pdrop = 0.1.",
     {("label_smoothing", 0.1), ("dropout", 0.1)}),
    ("For all experiments we used a transformer with 2 layers, width 128, and 4 attention heads.",
     {("n_layers", 2.0), ("d_model", 128.0), ("n_heads", 4.0)}),
    ("The encoder is a stack of N = 6 identical layers with dmodel = 512 and dff = 2048.",
     {("n_layers", 6.0), ("d_model", 512.0), ("d_ff", 2048.0)}),
    # a bare 105 stays 105: nothing says it was 10^5
    ("We use a mini-batch size of 105.", {("batch_size", 105.0)}),
    # the common ways of naming a setting before its value
    ("The maximum learning rate is set to 4.2 \u00d7 10\u22124, and the gradient clipping norm is set to 1.0.",
     {("learning_rate", 0.00042), ("grad_clip", 1.0)}),
    ("We set the number of Transformer layers to 28 and the hidden dimension to 2048.",
     {("n_layers", 28.0), ("d_model", 2048.0)}),
    ("The total number of training steps is set to 106,449.", {("steps", 106449.0)}),
    ("We use a linear warm-up of 2000 steps and 12 attention heads.", {("warmup_steps", 2000.0), ("n_heads", 12.0)}),
    ("We use a learning rate of 4e \u22124 for all models.", {("learning_rate", 0.0004)}),
    ("The batch size is 4M tokens.", {("batch_size_tokens", 4e6)}),
    ("The weight decay \u03bb = 0.027 throughout.", {("weight_decay", 0.027)}),
    # betas as PDFs give them: mathematical italic, a pair, after their values
    ("We use Adam with hyper-parameters set to \U0001d6fd1 = 0.9, \U0001d6fd2 = 0.95.",
     {("optimizer", "Adam"), ("beta1", 0.9), ("beta2", 0.95)}),
    ("We set the hyper-parameter \u03b2 to be (0.9, 0.98).", {("beta1", 0.9), ("beta2", 0.98)}),
    ("We use 0.9 and 0.95 for Adam \u03b21 and \u03b22 respectively.",
     {("beta1", 0.9), ("beta2", 0.95), ("optimizer", "Adam")}),
    # a rate written as a percentage is a rate, not 50
    ("Dropout (50%) is used in the first two fc layers.", {("dropout", 0.5)}),
    ("We apply 50% dropout to the inputs.", {("dropout", 0.5)}),
    ("A decoder-only transformer with two layers and four attention heads.", {("n_layers", 2.0), ("n_heads", 4.0)}),
    ("We use a cosine schedule with 8000 steps for linear warmup.", {("warmup_steps", 8000.0), ("schedule", "cosine")}),
    ("Each training batch consists of 128 examples.", {("batch_size", 128.0)}),
    ("We train using 10k warm-up steps with lrmax = 1e\u22124.", {("warmup_steps", 10000.0), ("learning_rate", 1e-4)}),
    ("The learning rate linearly increases from 0 to the maximum during the first 2K steps.",
     {("warmup_steps", 2000.0)}),
    ("Mini-batches of size 10 and a vocab size of 128K.", {("batch_size", 10.0), ("vocab_size", 128000.0)}),
    # a plot's legend that lost its minus sign is no learning rate of 50,000
    ("Epochs lrmax = 5e 4, w/o warm-up", set()),
    # which model a value is for, between the name and its verb; values that a list goes on with
    ("The peak learning rate for the 7B model is set to 3 \u00d7 10\u22124.", {("learning_rate", 0.0003)}),
    ("We use a learning rate of 6e-4 for the small model and 2e-4 for the large one.",
     {("learning_rate", 0.0006), ("learning_rate", 0.0002)}),
    ("The two runs' initial learning rates are set to be 5e-4/1e-3 respectively.",
     {("learning_rate", 0.0005), ("learning_rate", 0.001)}),
    ("We sweep learning rates of 1e-3, 3e-4 and 1e-4.",
     {("learning_rate", 0.001), ("learning_rate", 0.0003), ("learning_rate", 0.0001)}),
    # a list after one value of a singular name is not that setting's: here it is the betas
    ("We use a weight decay of 0.1, 0.9 and 0.95 for Adam \u03b21 and \u03b22 respectively.",
     {("weight_decay", 0.1), ("beta1", 0.9), ("beta2", 0.95), ("optimizer", "Adam")}),
    ("The head dimension d is 64.", {("head_dim", 64.0)}),
    ("Training uses 256 batch size, 2048 sequence length and a cosine schedule.",
     {("batch_size", 256.0), ("seq_len", 2048.0), ("schedule", "cosine")}),
    ("We increase the context size from 512 to 1024.", {("seq_len", 1024.0)}),
    ("The vocabulary is expanded to 50,000.", {("vocab_size", 50000.0)}),
    # the bounds of a schedule, and settings counted in a unit of their own
    ("A peak learning rate of 1e-3 and a minimum learning rate of 1e-5.",
     {("learning_rate", 0.001), ("min_learning_rate", 1e-5)}),
    ("The learning rate is 2e-4 and decays linearly to 2e-5.",
     {("learning_rate", 0.0002), ("min_learning_rate", 2e-5), ("schedule", "linear")}),
    ("The batch size is set to 0.5M tokens per step.", {("batch_size_tokens", 500000.0)}),
    ("We warm up over 100K samples.", {("warmup_samples", 100000.0)}),
    ("Training epochs: 300; warmup epochs: 20.", {("epochs", 300.0), ("warmup_epochs", 20.0)}),
    ("We use 5 warmup epochs.", {("warmup_epochs", 5.0)}),
    ("We train every model on 300B tokens.", {("train_tokens", 3e11)}),
    # schedules, optimizers and a dropout of none as papers say them
    ("We use a cosine learning rate schedule.", {("schedule", "cosine")}),
    ("An inverse-square-root learning-rate schedule is used.", {("schedule", "inverse square root")}),
    ("It decays as the inverse square root of the step number.", {("schedule", "inverse square root")}),
    ("The learning rate is multiplied by 0.3 at 80% of the training steps.", {("schedule", "step")}),
    ("We decay the learning rate at the 10-th epoch by 0.1.", {("schedule", "step")}),
    ("The rate is lowered when the validation error plateaus.", {("schedule", "step")}),
    ("The networks were optimized with stochastic gradient descent on mini-batches.", {("optimizer", "SGD")}),
    ("Training config: optimizer AdamW, weight decay 0.05.", {("optimizer", "AdamW"), ("weight_decay", 0.05)}),
    ("We use no dropout during pre-training.", {("dropout", 0.0)}),
    ("The learning rates: a peak of 6e-4 and a minimum of 6e-5.",
     {("learning_rate", 0.0006), ("min_learning_rate", 6e-5)}),
    ("We use a linear learning rate decay starting from 5e-4.", {("learning_rate", 0.0005), ("schedule", "linear")}),
    ("The models have widths of 512, 768 and 1024 and depths of 6, 12, 24.",
     {("d_model", 512.0), ("d_model", 768.0), ("d_model", 1024.0),
      ("n_layers", 6.0), ("n_layers", 12.0), ("n_layers", 24.0)}),
    # a share of the peak is no learning rate: it is the final learning rate's ratio to the peak
    ("The learning rate follows a cosine decay to 0.1 of its peak.", {("schedule", "cosine"), ("min_lr_ratio", 0.1)}),
    # the conventions of attention, routing and sampling papers
    ("For the attention layers, h = 12 and dk = dv = 64.", {("n_heads", 12.0), ("head_dim", 64.0)}),
    ("We use Noisy-Top-K Gating (see Section 2.1) with k = 4 for the MoE layers.", {("top_k", 4.0)}),
    ("Samples use top-k random sampling (Fan et al., 2018) with k = 40.", {("top_k", 40.0)}),
    ("It uses rotary embeddings (RoPE) (Su et al., 2021) with θ = 500000.", {("rope_theta", 500000.0)}),
    # an ε that label smoothing sets is no optimizer's epsilon
    ("Label smoothed cross entropy is the objective, setting ϵ = 0.1 (Szegedy et al., 2016).",
     {("label_smoothing", 0.1)}),
    # a math-mode thousands comma keeps its space in the text layer; a list of sizes stays a list
    ("For the largest model we train for 20, 000 steps.", {("steps", 20000.0)}),
    ("We use a batch size of 2, 000, 000 tokens.", {("batch_size_tokens", 2e6)}),
    ("We use batch sizes of 256, 512 and 1024.",
     {("batch_size", 256.0), ("batch_size", 512.0), ("batch_size", 1024.0)}),
    # amounts in words; what a batch contains; a regulariser not used; subscripted constants
    ("For all models, training batch sizes are approximately 2.5 million words.", {("batch_size_words", 2.5e6)}),
    ("With a sequence length of 2K, each training batch contains 4M tokens.",
     {("seq_len", 2000.0), ("batch_size_tokens", 4e6)}),
    ("Each batch consisted of a set of sentences totaling roughly 300,000 words.", {("batch_size_words", 3e5)}),
    # the tokens of one example, past the batch's own size, are not the batch's
    ("Each training batch consists of 128 examples, each of which has an input of 512 tokens.",
     {("batch_size", 128.0), ("input_length", 512.0)}),
    # a list before the value a name follows; not a range's bounds, nor another setting's value
    ("The warmup durations of the two models were 600 and 1200 steps respectively.",
     {("warmup_steps", 600.0), ("warmup_steps", 1200.0)}),
    ("We train for 90 epochs; the warmup period lasts 5 epochs.", {("epochs", 90.0), ("warmup_epochs", 5.0)}),
    ("The models have 6, 12 and 24 layers.", {("n_layers", 6.0), ("n_layers", 12.0), ("n_layers", 24.0)}),
    ("Each expert has 64 or 128 hidden units.", {("hidden_units", 64.0), ("hidden_units", 128.0)}),
    ("We use a hidden size of 768 and 12 heads.", {("d_model", 768.0), ("n_heads", 12.0)}),
    ("We train for between 10 and 20 epochs.", {("epochs", 20.0)}),
    # counts and sizes as compound words, the embedding's size named after it, a dropout in code
    ("We use a 6-layer encoder with 12-head attention. The size of embedding is set to 512.",
     {("n_layers", 6.0), ("n_heads", 12.0), ("d_model", 512.0)}),
    ("We train a 2400-dimensional sentence encoder.", {("sentence_encoder_dim", 2400.0)}),
    # a bare size, length or rate is named with what the text says it is of
    ("We chunked input sequences to length 8192 with the tokenizer.", {("seq_len", 8192.0)}),
    ("BPE only requires a base vocabulary of size 256.", {("vocab_size", 256.0)}),
    ("Each expert has one hidden layer of size 1024.", {("hidden_layer_size", 1024.0)}),
    ("We also apply dropout at a rate of 0.1 to the outputs.", {("dropout", 0.1)}),
    ("The ratio of the two is at size 3 in all runs.", {("size", 3.0)}),
    ("All layers use DropProb = 0.4.", {("dropout", 0.4)}),
    # a symbol no definition names, set by the paper's verb, is a setting by its own name; a formula is none
    ("To balance the experts we set wimportance = 0.1 and wload = 0.01.", {("wimportance", 0.1), ("wload", 0.01)}),
    ("We use ai = 0.25 as the initialization.", {("ai", 0.25)}),
    ("We use x = Wh + b in every layer.", set()),
    ("We find the setting \u03bbinit = 0.8 \u2212 0.6 \u00d7 exp(\u22120.3l) works well.", set()),
    ("We stack Mamba-2 layers and GPT-2 layers.", set()),
    ("We do not use weight decay when updating the slopes.", {("weight_decay", 0.0)}),
    ("Due to the abundance of data, we do not use dropout during training.", {("dropout", 0.0)}),
    ("Proposed hyperparameters: 1: ε1 = 10−30 2: ε2 = 10−3", {("eps1", 1e-30), ("eps2", 0.001)}),
    # a square image or crop
    ("A 224×224 crop is randomly sampled from the resized image.", {("crop_size", 224.0)}),
    ("The images are resized to 32×32 before training.", {("image_size", 32.0)}),
    # exponents the extraction kept (a superscript set against a number); another base is a square
    ("We use a batch size of 2^23 tokens and a learning rate of 3 × 10^−4.",
     {("batch_size_tokens", 8388608.0), ("learning_rate", 3e-4)}),
    ("The weight decay is 10^−5.", {("weight_decay", 1e-5)}),
    ("We train at a resolution of 224^2 pixels.", set()),
    ("Adjust the mesh to a submesh of size 4\u22121/k at each round.", set()),  # a formula's term: 4 - 1/k
    # common phrasings: a warmup as a share of training, shares in percent, a symbol before "to",
    # clipping as a verb, stochastic depth, nucleus sampling, routing, a resolution with spaces
    ("We use a linear warmup over the first 10% of training steps.", {("warmup_ratio", 0.1)}),
    ("The learning rate is warmed up to 3e-4 over 2000 steps.", {("learning_rate", 3e-4), ("warmup_steps", 2000.0)}),
    ("The mask ratio is 75%.", {("mask_ratio", 0.75)}),
    ("The top-1 error rate is 21% and the success ratio is 40%.", set()),
    ("We set the temperature \u03c4 to 0.07.", {("temperature", 0.07)}),
    ("Gradient norms are clipped to 1.0.", {("grad_clip", 1.0)}),
    ("We clip gradients at 0.5 and use stochastic depth with rate 0.1.", {("grad_clip", 0.5), ("drop_path", 0.1)}),
    ("We sample with nucleus sampling (top-p = 0.9).", {("top_p", 0.9)}),
    ("We use 8 experts with top-2 routing.", {("num_experts", 8.0), ("top_k", 2.0)}),
    ("Subfigure (a) shows an MoE layer with the conventional top-2 routing strategy.", set()),
    ("The input resolution is 224 x 224.", {("image_size", 224.0)}),
    ("The learning rate decays to 10% of its peak value.", {("min_lr_ratio", 0.1)}),
    ("We use cosine decay to 0.1 of the max learning rate.", {("min_lr_ratio", 0.1), ("schedule", "cosine")}),
    ("The batch size is 512 sequences of 2048 tokens.", {("batch_size", 512.0), ("seq_len", 2048.0)}),
    ("We use a batch size of 128 per GPU on 8 GPUs.", {("batch_size_per_device", 128.0)}),
    ("We apply L2 regularization of 1e-4.", {("l2_regularization", 1e-4)}),  # not AdamW's decoupled decay
    ("We use gradient accumulation over 4 steps.", {("grad_accum_steps", 4.0)}),
    ("We clip gradients to a maximum norm of 1.0.", {("grad_clip", 1.0)}),
    ("The EMA decay rate is 0.9999.", {("ema_decay", 0.9999)}),
    ("The RoPE base frequency is set to 500,000.", {("rope_theta", 500000.0)}),
    ("The model is trained with a context window of 4096 tokens.", {("seq_len", 4096.0)}),
    ("We pre-train on 1.4T tokens.", {("train_tokens", 1.4e12)}),
    ("We use 8 GPUs with 64 images per GPU.", {("batch_size_per_device", 64.0)}),
    ("We use a polynomial decay of the learning rate.", {("schedule", "polynomial")}),
    ("The learning rate decays exponentially.", {("schedule", "exponential")}),
    ("It is scaled with the batch: lr = 0.1 \u00d7 bs/256.", set()),  # a formula: not a rate of 0
    # a warmup in epochs, a step schedule's cuts (in steps for the harness, in epochs named so), the
    # batch norm's momentum, clipping to a norm, a batch per worker
    ("We use a gradual warmup that increases the learning rate linearly over the first 5 epochs.",
     {("warmup_epochs", 5.0)}),
    ("The learning rate is linearly increased from 0 to 0.1 in the first 5 epochs.",
     {("learning_rate", 0.1), ("warmup_epochs", 5.0)}),
    ("We train for 50 epochs with a learning rate warmup of 1 epoch.", {("epochs", 50.0), ("warmup_epochs", 1.0)}),
    ("We reduce the learning rate by 1/10 at the 30-th, 60-th, and 80-th epochs.",
     {("milestone_epochs", "30,60,80"), ("schedule", "step")}),
    ("The learning rate is divided by 10 at 32k and 48k iterations.",
     {("milestones", "32000,48000"), ("schedule", "step")}),
    ("We use a batch norm momentum of 0.99 and SGD with momentum 0.9.",
     {("bn_momentum", 0.99), ("momentum", 0.9), ("optimizer", "SGD")}),
    ("Gradients are clipped to a norm of 0.1.", {("grad_clip", 0.1)}),
    ("We use residual dropout 0.0 and embedding dropout 0.1.", {("dropout", 0.0), ("embedding_dropout", 0.1)}),
    ("We use attention dropout of 0.1 and dropout 0.3.", {("attention_dropout", 0.1), ("dropout", 0.3)}),
    # the activation a model uses, as the paper names it (not one it set aside); counts of layers and experts
    ("We use SwiGLU activations in the feed-forward layers.", {("activation", "SwiGLU")}),
    ("All other models use SiLU as the activation function.", {("activation", "SiLU")}),
    ("Instead of using ReLU activation functions, we use GELU activations.", {("activation", "GELU")}),
    ("We train a 24 layer transformer.", {("n_layers", 24.0)}),
    ("The number of experts is 64.", {("num_experts", 64.0)}),
    ("We use a per-worker mini-batch size of 32 images.", {("batch_size_per_device", 32.0)}),
    # a warmup's length is no training's length
    ("We warm up for 5 epochs.", {("warmup_epochs", 5.0)}),
    ("The learning rate is warmed up over 2000 steps.", {("warmup_steps", 2000.0)}),
    ("We train for 100 epochs, with a warmup of 5 epochs.", {("epochs", 100.0), ("warmup_epochs", 5.0)}),
    # an interval or a count per something is no length of training
    ("We train for 100k steps and evaluate every 1000 steps.", {("steps", 1e5), ("eval_interval_steps", 1000.0)}),
    ("After every 300 iterations we score the validation set.", {("validation_interval_iterations", 300.0)}),
    ("The learning rate of 1e-4 is halved every 10 epochs.",
     {("learning_rate", 1e-4), ("lr_decay_interval_epochs", 10.0)}),
    ("The target network is updated every 1000 steps.", {("interval_steps", 1000.0)}),
    ("We run 8 environments with 128 steps per rollout.", {("steps_per_rollout", 128.0)}),
])
def test_notation_as_pdfs_flatten_it(sentence, expected):
    assert stated(sentence) == expected


@pytest.mark.parametrize("sentence", [
    "Because our network trains faster, we lower the learning rate 6 times.",  # a ratio
    "We decreased dropout to 5% in the larger model.",  # a percentage, not a rate we can place
    "This problem has been addressed for networks trained by stochastic gradient descent (SGD) [12].",
    "Table 3 lists 10 learning rates.",
    "Evaluation was performed with Adam-trained models.",  # named, not the one used
    "Figure 1 shows Mamba-2 blocks and ResNet-50 layers side by side.",  # a name's number, no count
    # a value of another kind near a setting's name: a parameter count, a year, a fraction of a layer
    "Parameters Layers dmodel 117M 12 768.",
    "The learning rate 2015 paper by He et al. is our baseline.",
    "We use a batch size of 0.5 of the data.",
    # a fraction's numerator is no setting
    "We scale the output weights by a factor of 1/ \u221a N at initialization.",
    "The mesh has cells of size \u03b5 = 1/(m \u2212 1).",
    # the 2 of a model's name is no count of layers
    "The hybrid stacks Mamba-2 layers between attention layers.",
    "Adam scales each update by the inverse square root of a moving average.",  # no schedule
    # an index runs over values; a top-k metric is no top-k setting
    "Split Q, K, V into H heads (Q(h), K(h), V(h) for h = 1, . . . , H), each a sequence.",
    "We report the top-k accuracy for k = 5 on the validation set.",
    # the second side of a kernel's size counts no filters
    "This model has ten conv layers, all with 3×3 filters.",
    "The stem applies 7 × 7 filters.",
    # a model trained on more tokens is a result, not a setting
    "A model trained on 1T tokens scores higher than one trained on 300B tokens.",
    # how much data, a table's number, a size in parameters
    "We sample 5000 training examples and 500 test examples from the same distribution.",
    "The dataset has 50,000 training images and 10,000 validation images.",
    "Table 11 provides examples of the patterns we found.",
    "At a larger scale of 13B total parameters, we compare it with the baseline.",
    # a formula's term: a value followed by a minus sign, a dot or a times sign and a letter
    "We define the decay as \u03b22 = 1 \u2212 t^(-0.8) for every step.",
    "Plain SGD with lr = 10 \u00b7 st diverged.",
])
def test_what_is_not_a_setting(sentence):
    assert stated(sentence) == set()


def test_a_symbol_defined_anywhere_in_the_paper_names_a_bare_assignment():
    pages = [(2, "Let the learning rate \u03b7 be shared by all layers."),
             (5, "We use \u03b7 = 0.01, \u03c4 = 0.07 and \u03b1 = 0.5 in all runs."),
             (6, "The softmax temperature \u03c4 sharpens the distribution.")]
    found = {(h.name, h.value, h.page) for h in find(pages)}
    # η defined before, τ after; α is never defined: set by "we use", it keeps its own name
    assert found == {("learning_rate", 0.01, 5), ("temperature", 0.07, 5), ("\u03b1", 0.5, 5)}
    # a bare assignment no verb sets and no definition names is no setting (a formula's, a plot's)
    assert {h.name for h in find([(3, "The loss is flat where \u03b1 = 0.5 and \u03b7 = 0.01.")])} == set()


def test_a_value_said_for_a_model_belongs_to_that_model():
    """The model a qualifier names is the value's experiment; a qualifier that names no model ("for
    100 epochs"), or a list of sizes past a value ("20 heads for the 125M, 355M"), is none."""
    found = {(h.name, h.value, h.setup) for h in find([(3, sentence) for sentence in (
        "The number of heads is 24 for Transformer and 12 for DIFF Transformer.",
        "The peak learning rate for the 16B model is set to 4.2e-4.",
        "We use a batch size of 32 for 1.3B and 6B models and 8 for the 175B model.",
        "We use a weight decay of 0.1 for 100 epochs.",
        "The models have 20 heads for the 125M, 355M and 1.3B models.")])}
    assert found == {("n_heads", 24.0, "Transformer"), ("n_heads", 12.0, "DIFF Transformer"),
                     ("learning_rate", 0.00042, "16B model"), ("batch_size", 32.0, "1.3B and 6B models"),
                     ("batch_size", 8.0, "175B model"), ("weight_decay", 0.1, ""), ("epochs", 100.0, ""),
                     ("n_heads", 20.0, "")}


@pytest.mark.parametrize(("sentence", "expected"), [
    ("The warmup durations for the 360m and 660m models were 600 and 1200 steps respectively.",
     {("warmup_steps", 600.0, "360m model"), ("warmup_steps", 1200.0, "660m model")}),
    ("We use 12, 16, 16, and 20 heads for the 125M, 355M, 1.3B, and 2.7B models, respectively.",
     {("n_heads", 12.0, "125M model"), ("n_heads", 16.0, "355M and 1.3B models"), ("n_heads", 20.0, "2.7B model")}),
    ("The Base and Large models use learning rates of 1e-4 and 5e-5, respectively.",
     {("learning_rate", 1e-4, "Base model"), ("learning_rate", 5e-5, "Large model")}),
    ("The models are trained on ImageNet and CIFAR-10 with batch sizes of 256 and 128, respectively.",
     {("batch_size", 256.0, "ImageNet"), ("batch_size", 128.0, "CIFAR-10")}),
    # not models: the betas; lists of different lengths pair nothing
    ("We use 0.9 and 0.95 for Adam β1 and β2 respectively.",
     {("optimizer", "Adam", ""), ("beta1", 0.9, ""), ("beta2", 0.95, "")}),
    ("The 125M, 355M and 1.3B models use 12 and 16 heads, respectively.",
     {("n_heads", 12.0, ""), ("n_heads", 16.0, "")}),
])
def test_values_a_sentence_pairs_respectively_with_models_belong_to_them(sentence, expected):
    assert {(h.name, h.value, h.setup) for h in find([(2, sentence)])} == expected


def test_each_value_knows_its_page_sentence_and_experiment():
    pages = [(4, "We use SGD with a mini-batch size of 256 on ImageNet. The learning rate starts from 0.1."),
             (7, "We trained on CIFAR-10. These models are trained with a minibatch size of 128.")]
    found = {(h.name, h.value): h for h in find(pages)}
    assert found[("batch_size", 256.0)].page == 4 and found[("batch_size", 256.0)].setup == "ImageNet"
    assert found[("learning_rate", 0.1)].setup == "ImageNet"  # named in an earlier sentence
    assert found[("batch_size", 128.0)].page == 7 and found[("batch_size", 128.0)].setup == "CIFAR-10"
    assert found[("batch_size", 128.0)].sentence == "These models are trained with a minibatch size of 128."


SETUP_PAPER = SamplePaper(
    "2301.00001", 1, "Residual Networks on CIFAR-10", ["A. Author"],
    "We study image classification on CIFAR-10 with residual networks.",
    [("4 Experiments", "We evaluate on CIFAR-10. We use SGD with a weight decay of 0.0001 and a momentum "
      "of 0.9. These models are trained with a minibatch size of 128. We start with a learning rate of 0.1, "
      "divide it by 10 at 32k and 48k iterations, and terminate training at 64k iterations. "
      "We also apply label smoothing of 0.1.")])


@pytest.fixture
def setup_paper(lib, cli, tmp_path):
    pdf = write_paper_pdf(SETUP_PAPER, tmp_path / "paper.pdf")
    assert cli("add", str(pdf), "--no-lookup").exit_code == 0
    return SETUP_PAPER.arxiv_id


def test_hparams_command(setup_paper, cli):
    out = cli("replicate", "hparams", setup_paper, "--json")
    assert out.exit_code == 0, out.stderr
    found = {(h["name"], h["value"]) for h in json.loads(out.stdout)}
    assert {("learning_rate", 0.1), ("batch_size", 128), ("iterations", 64000), ("momentum", 0.9),
            ("weight_decay", 0.0001), ("optimizer", "SGD"), ("milestones", "32000,48000")} <= found
    assert all(h["page"] == 1 for h in json.loads(out.stdout))
    assert "learning_rate" in cli("replicate", "hparams", setup_paper).stdout
    assert cli("replicate", "hparams", "nope").exit_code == 3


def test_scaffold_writes_the_papers_setup_with_its_pages(setup_paper, lib, cli):
    out = cli("replicate", "scaffold", setup_paper)
    assert out.exit_code == 0 and "Template image-classification" in out.stdout
    project = lib.replications_dir / setup_paper
    text = (project / "config" / "paper.toml").read_text()
    config = tomllib.loads(text)
    assert config == {"lr": 0.1, "batch_size": 128, "momentum": 0.9, "weight_decay": 0.0001, "max_steps": 64000,
                      "schedule": "step", "milestones": "32000,48000", "optimizer": "sgd"}
    assert "max_steps = 64000  # p. 1, CIFAR-10: We start with a learning rate of 0.1" in text
    readme = (project / "README.md").read_text()
    assert "- label_smoothing = 0.1 (p. 1, CIFAR-10)" in readme  # found, but this template has no such setting
    # the harness takes every key it writes
    result = cli("replicate", "run", setup_paper, "--config", "paper", "--max_steps=2", "--dataset=fake",
                 "--fake_size=32", "--width=4", "--eval_interval=2", "--eval_batch_size=16", "--batch_size=8")
    assert result.exit_code == 0, result.stderr


def test_gaps_mark_every_config_key_from_the_paper_missing_or_the_templates(setup_paper, lib, cli):
    assert "no replication project" in cli("replicate", "gaps", setup_paper).stderr
    assert cli("replicate", "scaffold", setup_paper).exit_code == 0
    out = cli("replicate", "gaps", setup_paper, "--json")
    assert out.exit_code == 0, out.stderr
    found = {g["key"]: g for g in json.loads(out.stdout)}
    assert found["lr"]["status"] == "from the paper" and found["lr"]["where"].startswith("p. 1")
    assert found["lr"]["value"] == 0.1
    # the paper states no LR decay factor: the run keeps the template's, and says where to look
    assert found["gamma"]["status"] == "missing" and "papers it follows" in found["gamma"]["where"]
    assert found["eval_interval"]["status"] == found["dataset"]["status"] == "template default"
    default = tomllib.loads((lib.replications_dir / setup_paper / "config" / "default.toml").read_text())
    assert set(found) == set(default)  # every key of the run's config, once
    text = (lib.replications_dir / setup_paper / "config" / "paper.toml").read_text()
    assert "# value (`paperlab replicate gaps ID` says where to look): gamma (0.1)" in text
    assert "# Template defaults, not settings a paper states: dataset, model, eval_interval" in text
    assert "were not set from the paper's text" in cli("replicate", "gaps", setup_paper).stdout


@pytest.mark.skipif(not PAPERS.exists(), reason="../shared/data/papers is not beside the repository")
def test_real_papers_setups_are_found_at_their_pages():
    from paperlab.retrieval.pdf import extract_pages

    expected = json.loads((PAPERS / "expected.json").read_text())
    total = hits = 0
    for arxiv_id, paper in expected.items():
        if arxiv_id.startswith("_"):
            continue
        found = find((p.number, p.text) for p in extract_pages(PAPERS / f"{arxiv_id}.pdf"))
        for e in paper["hyperparameters"]:
            total += 1
            hits += any(h.name == e["name"] and h.value == pytest.approx(e["value"]) and h.page in e["pages"]
                        for h in found)
    assert hits / total >= 0.9, (hits, total)


def test_where_to_look_names_the_appendix_pages_and_the_authors_code(lib, cli):
    from paperlab.replicate.gaps import where_to_look
    from paperlab.store.chunks import replace_chunks

    assert cli("add", "https://a.org/p", "--title", "Some Paper", "--type", "paper").exit_code == 0
    item = lib.resolve_id("some-paper")
    rows = [{"page_start": a, "page_end": b, "section": "", "text": text, "content_hash": str(a),
             "n_tokens": 5, "zone": zone}
            for a, b, zone, text in [(1, 1, "body", "Code: https://github.com/someone/their-repo."),
                                     (9, 10, "appendix", "More results."), (11, 11, "appendix", "Proofs.")]]
    replace_chunks(lib.db, item, "paper", rows)
    look = where_to_look(lib, item)
    assert "the appendix (pp. 9-11)" in look and "https://github.com/someone/their-repo)" in look


@pytest.mark.parametrize(("sentence", "expected"), [
    # a setting no list names, read by the word it ends in, named in the paper's words
    ("We use a small router balance coefficient of 0.01 throughout.", {("router_balance_coefficient", 0.01)}),
    ("Decoding uses beam size 5 and a length penalty α = 0.7.", {("beam_size", 5.0), ("length_penalty", 0.7)}),
    ("Every block holds 3 shared experts and 48 routed experts.",
     {("num_shared_experts", 3.0), ("num_routed_experts", 48.0)}),
    ("The recurrent encoder has 512 hidden units.", {("hidden_units", 512.0)}),
    ("Instead, we configure 16 shared experts.", {("num_shared_experts", 16.0)}),  # "configure", not "Figure"
    ("We multiply the gradients by a coefficient, γ = 27.8, to control the mix.", {("coefficient", 27.8)}),
    # how many of the experts a token is routed to; the length of an input or a context in tokens
    ("Each token is routed to 2 shared experts and 6 out of 64 routed experts.",
     {("num_shared_experts", 2.0), ("active_routed_experts", 6.0), ("num_routed_experts", 64.0)}),
    ("Each example has an input of 512 tokens and an output of 114 tokens.",
     {("input_length", 512.0), ("output_length", 114.0)}),
    ("The policies have a context length of 2k tokens.", {("seq_len", 2000.0)}),
    ("In practice, we use a std of 0.01 for the first layers.", {("std", 0.01)}),
    ("We initialized the biases to be 0.", {("bias_init", 0.0)}),  # what "initialized" sets is an initial value
    # whose rate or probability ("with"), an initial value, a count of a model's parts, updates as steps
    ("Dropout with probability 0.1 is applied after each sublayer.", {("dropout", 0.1)}),
    ("Stochastic depth with a drop rate of 0.4 is used.", {("drop_path", 0.4)}),
    ("LayerScale is initialized to 1e-6.", {("layerscale_init", 1e-6)}),
    ("We initialize the gate weights to 0.5.", {("gate_weights_init", 0.5)}),
    ("Each MoE layer has 8 experts and each token is routed to the top-2 experts.",
     {("num_experts", 8.0), ("top_k", 2.0)}),
    ("We use 500,000 hashes with a single hash function.", {("num_hashes", 500000.0)}),
    ("We train for a total of 100,000 updates.", {("steps", 100000.0)}),
    ("The learning rate is warmed up linearly for 10,000 iterations and then decayed.", {("warmup_steps", 10000.0)}),
    # a common name's reading of the same value wins over the generic one
    ("The batch size is set to 64.", {("batch_size", 64.0)}),
    # a size measured in parameters, a rate in frames a second, a count with a multiplier: not settings
    ("We scale the model to a final size of about 2.7B parameters.", set()),
    ("It runs at a frame rate of 90 fps.", set()),
    ("The corpus holds 2 trillion tokens.", set()),
    ("The models are trained on the 1.28 million training images and evaluated on the 50k validation images.",
     set()),
    ("We train for 25,000 steps, which is 100B training tokens.", {("steps", 25000.0), ("training_tokens", 1e11)}),
    ("Each image is split into patches of 16×16 pixels.", set()),
    # results, not settings
    ("Our error rate is 3.1 on the test set.", set()),
    # numbers in words where a name comes before them; a count in words describes the method
    ("Updates were computed on mini-batches of size ten.", {("batch_size", 10.0)}),
    ("We use an expansion factor of two and a window size of four.", {("expansion_factor", 2.0), ("window_size", 4.0)}),
    ("The model trained for a hundred epochs.", {("epochs", 100.0)}),
    ("We then apply the following three steps.", set()),
    ("We split the data into five groups of labelers.", set()),
    ("This sub-layer is a two-layer feedforward network on a two-dimensional plane.", set()),
    ("One of the models uses someone's code.", set()),
    # a table's row of numbers is no prose: "Patch size 4 8 16 ..." states no setting
    ("Patch size 4 8 16 32 Throughput 1.2 2.3 4.1 7.7 9.9", set()),
])
def test_settings_named_in_the_paper_s_own_words(sentence, expected):
    assert stated(sentence) == expected


def _settings_tables_pdf(path: Path) -> Path:
    """A page with a table of two models' sizes (columns name settings), a table of training
    settings (rows name them) and an ablation that names one setting (no table of settings)."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()

    def row(y: float, cells: list[str], xs: tuple[float, ...] = (72, 140, 190, 240, 280)) -> None:
        for x, text in zip(xs, cells, strict=False):
            page.insert_text((x, y), text, fontsize=9)

    page.insert_text((72, 80), "Table 1: Sizes of the two models we trained for the experiments below.", fontsize=9)
    row(100, ["", "Layers", "d_model", "h", "dk"])  # the Transformer's notation
    row(114, ["Small", "6", "512", "8", "64"])
    row(128, ["Large", "12", "1024", "16", "64"])
    page.insert_text((72, 200), "Table 2: Training hyperparameters of every run.", fontsize=9)
    row(220, ["Hyperparameter", "Value"], (72, 200))
    for i, (name, value) in enumerate([("Batch size", "256"), ("Warmup steps", "4000"), ("Dropout", "0.1"),
                                       ("Stochastic depth", "0.2"), ("EMA decay", "0.9999")]):
        row(234 + 14 * i, [name, value], (72, 200))
    page.insert_text((72, 340), "Table 3: Perplexity of deeper models.", fontsize=9)
    row(360, ["", "Layers", "Perplexity"])
    row(374, ["A", "24", "18.9"])
    row(388, ["B", "48", "17.2"])
    page.insert_text((72, 420), "Table 4: Models of each depth and width, with their test accuracy.", fontsize=9)
    row(440, ["", "Layers", "Width", "Accuracy"])  # a table of settings: its result is no setting
    row(454, ["C", "6", "256", "71.5"])
    row(468, ["D", "8", "384", "74.2"])
    doc.save(path)
    return path


def test_tables_that_name_settings_give_them_with_the_row_as_the_experiment(tmp_path):
    from paperlab.replicate.settings import read

    found = {(h.name, h.value, h.setup) for h in read(_settings_tables_pdf(tmp_path / "t.pdf"))}
    assert {("n_layers", 6.0, "Small"), ("d_model", 512.0, "Small"), ("n_heads", 8.0, "Small"),
            ("n_layers", 12.0, "Large"), ("d_model", 1024.0, "Large"), ("n_heads", 16.0, "Large")} <= found
    assert {("batch_size", 256.0, ""), ("warmup_steps", 4000.0, ""), ("dropout", 0.1, "")} <= found
    # the Transformer's notation, and settings named in the table's own words; not its sizes or results
    assert {("head_dim", 64.0, "Small"), ("drop_path", 0.2, ""), ("ema_decay", 0.9999, "")} <= found
    assert {("n_layers", 8.0, "D"), ("d_model", 384.0, "D")} <= found
    assert not {n for n, _, _ in found if "param" in n or "accuracy" in n or "perplexity" in n}
    # the ablation's depths are results of a sweep, not the setup
    assert not {v for n, v, _ in found if n == "n_layers"} & {24.0, 48.0}
    quoted = {h.sentence for h in read(tmp_path / "t.pdf")}
    assert "Table 1: Large | d_model: 1024" in quoted


def test_how_many_of_a_sample_were_right_is_no_count_of_active_experts():
    assert not any(n.startswith("active") for n, _ in stated("It answered 17 of 100 sampled examples correctly."))


def test_a_short_caption_on_a_page_of_one_column_heads_a_table_wider_than_half_the_page(tmp_path):
    """A caption in the page's left half heads only that half's words on a page of two columns;
    where prose runs across the middle (one column) its table's columns right of the middle are its."""
    import pymupdf

    from paperlab.replicate.settings import read

    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 80), "Table 5: Hyperparameters for each dataset.", fontsize=9)
    rows = [("", "CIFAR-10", "ImageNet"), ("Epochs", "200", "90"), ("Batch size", "128", "256"),
            ("Weight decay", "5e-4", "1e-4")]
    for i, row in enumerate(rows):
        for x, text in zip((72, 200, 290), row, strict=True):
            page.insert_text((x, 96 + 12 * i), text, fontsize=9)
    for k in range(4):
        page.insert_text((72, 300 + 12 * k), "we describe the runs of each dataset in the sections that follow "
                         "and the settings that they use", fontsize=9)
    doc.save(tmp_path / "t.pdf")
    found = {(h.name, h.value, h.setup) for h in read(tmp_path / "t.pdf")}
    assert {("epochs", 90, "ImageNet"), ("batch_size", 256, "ImageNet"), ("weight_decay", 1e-4, "ImageNet"),
            ("epochs", 200, "CIFAR-10")} <= found
    assert all(name in ("epochs", "batch_size", "weight_decay") for name, _, _ in found)  # not "10 ImageNet epochs"


def test_a_table_in_the_left_column_of_two_keeps_out_the_right_columns_words(tmp_path):
    """A page of two columns whose figure caption runs across both: a short caption in the left
    column still heads only that column's words."""
    import pymupdf

    from paperlab.replicate.layout import table_regions

    doc = pymupdf.open()
    page = doc.new_page()
    for k in range(3):  # a figure's caption across both columns
        page.insert_text((72, 60 + 12 * k), "the figure shows the loss of each model over the steps of training "
                         "as the text describes it in the sections", fontsize=9)
    page.insert_text((72, 120), "Table 5: Training settings.", fontsize=9)
    for i, (name, value) in enumerate([("Epochs", "200"), ("Batch size", "128"), ("Weight decay", "5e-4")]):
        page.insert_text((72, 136 + 12 * i), name, fontsize=9)
        page.insert_text((200, 136 + 12 * i), value, fontsize=9)
    for k in range(8):  # the right column's prose, beside the table
        page.insert_text((310, 124 + 12 * k), "and the runs that we report use these", fontsize=9)
    doc.save(tmp_path / "t.pdf")
    ((number, _, rows),) = table_regions(pymupdf.open(tmp_path / "t.pdf")[0])
    assert [[w.text for w in row] for row in rows] == [["Epochs", "200"], ["Batch", "size", "128"],
                                                       ["Weight", "decay", "5e-4"]]


def test_a_row_of_words_in_a_table_of_settings_does_not_end_it(tmp_path):
    """'learning rate schedule   cosine decay' is a row of the table, not a line of prose: the rows
    under it are read from the table, 'Mixup' in the table's words."""
    import pymupdf

    from paperlab.replicate.settings import read_parts

    doc = pymupdf.open()
    page = doc.new_page()
    rows = [("config", "value"), ("base learning rate", "4e-3"), ("weight decay", "0.05"),
            ("learning rate schedule", "cosine decay"), ("warmup epochs", "20"), ("mixup", "0.8")]
    for i, (name, value) in enumerate(rows):
        page.insert_text((72, 80 + 12 * i), name, fontsize=9)
        page.insert_text((250, 80 + 12 * i), value, fontsize=9)
    page.insert_text((72, 160), "Table 7: Training settings used for all our models on the dataset.", fontsize=9)
    doc.save(tmp_path / "t.pdf")
    text, tables = read_parts(tmp_path / "t.pdf")
    assert ("mixup", 0.8) in {(h.name, h.value) for h in tables}
    # the row's reading, by the table (the text reader's of the same line gives way to it)
    assert ("schedule", "cosine") in {(h.name, h.value) for h in tables} - {(h.name, h.value) for h in text}


@pytest.mark.parametrize(("label", "name"), [
    ("Label smoothing", "label_smoothing"), ("Stochastic depth (%)", "stochastic_depth"), ("EMA decay", "ema_decay"),
    ("Params (M)", None), ("Train time", None), ("Top-1 acc.", None), ("dv", None),
    ("Test perplexities. N", None),  # a caption's words run into a header
])
def test_the_other_rows_of_a_table_of_settings_name_settings_in_its_words(label, name):
    from paperlab.replicate.settings import _own_words

    assert _own_words(label) == name


def test_scaffold_lists_a_tables_settings_without_training_one_of_its_rows(lib, cli, tmp_path):
    pdf = _settings_tables_pdf(tmp_path / "sizes.pdf")
    assert cli("add", str(pdf), "--no-lookup", "--title", "Two Model Sizes").exit_code == 0
    item = json.loads(cli("log", "--json").stdout)[0]["id"]
    shown = json.loads(cli("replicate", "hparams", item, "--json").stdout)
    assert {"name": "n_layers", "value": 12.0, "page": 1, "setup": "Large"}.items() <= \
        next(h for h in shown if h["name"] == "n_layers" and h["value"] == 12).items()
    assert cli("replicate", "scaffold", item, "--template", "language-model").exit_code == 0
    project = lib.replications_dir / item
    readme = (project / "README.md").read_text()
    assert "- n_layers = 6 (p. 1, Small)" in readme and "- n_layers = 12 (p. 1, Large)" in readme
    paper = project / "config" / "paper.toml"
    assert not paper.exists() or "n_layers" not in tomllib.loads(paper.read_text())


def test_the_reference_list_states_no_setting_and_an_appendix_after_it_does(tmp_path):
    import pymupdf

    from paperlab.replicate.settings import read

    filler = "We describe the method and the data it learns from in the sections that follow. " * 3
    pages = ["<h1>A Study of Small Models</h1><p>Ada Lovelace</p><h3>Abstract</h3><p>We study small models.</p>"
             f"<h2>1 Introduction</h2><p>{filler}</p><p>We use a batch size of 64.</p>",
             "<h2>References</h2><p>[1] A. Author. Training deep networks with a learning rate of 0.5. 2015.</p>"
             "<p>[2] B. Person. Another study of small models. arXiv preprint, 2018.</p>"
             f"<h2>A Training Details</h2><p>{filler}</p><p>We train with a learning rate of 0.001.</p>"]
    doc = pymupdf.open()
    for html in pages:
        doc.new_page().insert_htmlbox(pymupdf.Rect(50, 50, 310, 790), html)
    doc.save(tmp_path / "p.pdf")
    assert {(h.name, h.value, h.page) for h in read(tmp_path / "p.pdf")} == {
        ("batch_size", 64.0, 1), ("learning_rate", 0.001, 2)}


def test_a_value_stated_again_for_the_same_experiment_is_one_reading_with_its_pages(lib, cli, tmp_path):
    import pymupdf

    filler = "We describe the method and the data it learns from in the sections that follow. " * 3
    pages = ["<h1>A Study of Small Models</h1><p>Ada Lovelace</p><h3>Abstract</h3><p>We study small models.</p>"
             f"<h2>1 Introduction</h2><p>{filler}</p><p>On CIFAR-10 we use a batch size of 64.</p>",
             f"<h2>2 Method</h2><p>{filler}</p><p>On ImageNet we use a batch size of 64 as well.</p>",
             f"<h2>3 Details</h2><p>{filler}</p><p>On CIFAR-10, training runs with a batch size of 64.</p>"]
    doc = pymupdf.open()
    for html in pages:
        doc.new_page().insert_htmlbox(pymupdf.Rect(50, 50, 310, 790), html)
    doc.save(tmp_path / "p.pdf")
    assert cli("add", str(tmp_path / "p.pdf"), "--no-lookup").exit_code == 0
    ref = json.loads(cli("log", "--json").stdout)[0]["id"]
    out = cli("replicate", "hparams", ref, "--json")
    assert out.exit_code == 0, out.stderr
    found = sorted((h["value"], h["page"], tuple(h["also"]), h["setup"]) for h in json.loads(out.stdout)
                   if h["name"] == "batch_size")
    assert found == [(64, 1, (3,), "CIFAR-10"), (64, 2, (), "ImageNet")]
    shown = cli("replicate", "hparams", ref).stdout
    assert "1, 3" in shown


def test_paper_toml_holds_one_experiment_and_what_the_paper_states_for_none(tmp_path):
    """A preferred setup (CIFAR-10 for the image classifier) is the experiment; another's values
    (ImageNet's weight decay) stay out even where the experiment states none; a value stated for no
    experiment fills in. Without a preferred one, the named setup with the most values is it."""
    import tomllib

    from paperlab.models import Hparam
    from paperlab.replicate.scaffold import experiment, paper_setup, templates

    found = [Hparam("momentum", 0.9, 1, "We use momentum 0.9."),
             Hparam("learning_rate", 0.4, 2, "ImageNet: lr 0.4.", "ImageNet"),
             Hparam("weight_decay", 1e-4, 2, "ImageNet: wd 1e-4.", "ImageNet"),
             Hparam("learning_rate", 0.1, 3, "CIFAR-10: lr 0.1.", "CIFAR-10"),
             Hparam("batch_size", 128.0, 3, "CIFAR-10: batch 128.", "CIFAR-10")]
    vision = templates()["image-classification"]
    assert experiment(vision, found) == "CIFAR-10"
    text, rest = paper_setup(vision, found, "a paper")
    assert text is not None and "# One experiment: CIFAR-10" in text
    assert tomllib.loads(text) == {"lr": 0.1, "batch_size": 128, "momentum": 0.9}
    assert {(h.name, h.setup) for h in rest} == {("learning_rate", "ImageNet"), ("weight_decay", "ImageNet")}
    # the weight decay was read, for ImageNet only: "not taken", not "did not find"; the steps were not read
    not_taken = next(line for line in text.splitlines() if line.startswith("# take them"))
    missing = next(line for line in text.splitlines() if line.startswith("# value (`paperlab replicate gaps"))
    assert "weight_decay" in not_taken and "weight_decay" not in missing and "max_steps" in missing
    from paperlab.replicate.gaps import _not_taken  # what `replicate gaps` reads back as "not taken"

    (tmp_path / "paper.toml").write_text(text)
    assert _not_taken(tmp_path / "paper.toml") == {"weight_decay"}
    sizes = [Hparam("warmup_steps", 600.0, 4, "s", "360m model"), Hparam("learning_rate", 3e-3, 4, "s", "360m model"),
             Hparam("warmup_steps", 1200.0, 4, "s", "660m model")]
    assert experiment(templates()["language-model"], sizes) == "360m model"
    assert experiment(vision, [Hparam("momentum", 0.9, 1, "s")]) == ""


@pytest.mark.parametrize(("sentence", "expected"), [
    ("We apply LoRA to Wq and Wv with a LoRA rank r = 8 and LoRA \u03b1 = 16.",
     {("lora_rank", 8.0), ("lora_alpha", 16.0)}),
    ("We use rank r = 4 for all adapted matrices, a LoRA dropout of 0.05 and lora_alpha = 32.",
     {("lora_rank", 4.0), ("lora_dropout", 0.05), ("lora_alpha", 32.0)}),
    ("The rank of the LoRA matrices is set to 16.", {("lora_rank", 16.0)}),
    ("We fine-tune with dropout 0.1 and LoRA dropout 0.05.", {("dropout", 0.1), ("lora_dropout", 0.05)}),
    ("H is a rank-k matrix with rank 4.", set()),  # a matrix's rank is no adapter's
    ("Our model ranks first, with rank 1 on the leaderboard.", set()),
])
def test_low_rank_adapters_knobs(sentence, expected):
    assert stated(sentence) == expected


def test_a_lora_papers_rank_and_alpha_reach_the_fine_tune_config():
    import tomllib

    from paperlab.models import Hparam
    from paperlab.replicate.scaffold import paper_setup, templates

    found = [Hparam("lora_rank", 8.0, 4, "s", "GLUE"), Hparam("lora_alpha", 16.0, 4, "s", "GLUE"),
             Hparam("learning_rate", 5e-4, 4, "s", "GLUE")]
    text, rest = paper_setup(templates()["fine-tune"], found, "a paper")
    assert text is not None and not rest
    assert tomllib.loads(text) == {"lora_r": 8, "lora_alpha": 16, "lr": 5e-4}


@pytest.mark.parametrize(("sentence", "expected"), [
    ("Additionally, instead of using Adafactor, we opt for Adam.", set()),  # the one set aside is not used
    ("We use Adam instead of SGD.", {("optimizer", "Adam")}),
    ("We use AdamW rather than using SGD.", {("optimizer", "AdamW")}),
    ("Compared to using SGD, we use the AdamW optimizer.", {("optimizer", "AdamW")}),
    ("Unlike the Adam optimizer used by [3], we train with SGD.", {("optimizer", "SGD")}),
    # the paper's own verb: "we train (the model) with", not a remark on an optimizer
    ("We train the model with AdamW.", {("optimizer", "AdamW")}),
    ("Training with Adam is unstable for this model.", set()),
])
def test_an_optimizer_a_comparison_sets_aside_is_not_the_one_used(sentence, expected):
    assert stated(sentence) == expected


CODE_AND_CONFIG = """def scaled_optimizer(
    learning_rate: float,
    momentum: float = 0.95,
    *,
    nesterov: bool = True,
    ns_steps: int = 5,
    adam_b2: float = 0.98,
) -> Transformation:
    count = 0
    scale = 2

training:
  lr: 3e-4
  warmup_steps: 2000
  run_name: baseline

We set x = 3 here. The rate is: 0.5
"""


def test_a_code_or_configuration_listing_states_settings():
    """Lines of a listing that set a number are settings: named ones by their setting, the paper's
    own identifiers as written where the line is an argument's or a configuration's; a function
    body's statements, a line alone and prose are not."""
    from paperlab.replicate.settings import listings

    found = {(h.name, h.value, h.setup) for h in listings([(7, CODE_AND_CONFIG)])}
    assert found == {("momentum", 0.95, "scaled_optimizer()"), ("ns_steps", 5, "scaled_optimizer()"),
                     ("beta2", 0.98, "scaled_optimizer()"), ("learning_rate", 3e-4, "training"),
                     ("warmup_steps", 2000, "training")}
    assert {h.page for h in listings([(7, CODE_AND_CONFIG)])} == {7}
    # arguments listed past a page break belong to the function still; prose ends it
    cut = CODE_AND_CONFIG.index("    adam_b2")
    pages = [(7, CODE_AND_CONFIG[:cut]), (8, CODE_AND_CONFIG[cut:])]
    assert {(h.name, h.page, h.setup) for h in listings(pages) if h.name in ("momentum", "beta2")} == {
        ("momentum", 7, "scaled_optimizer()"), ("beta2", 8, "scaled_optimizer()")}
    prose = "We describe the rest of the method in the next section of this paper, with its proofs.\n\n"
    pages = [(7, CODE_AND_CONFIG[:cut]), (8, prose + "lr = 0.1\nbatch_size = 64\n")]
    assert {(h.name, h.setup) for h in listings(pages) if h.page == 8} == {("learning_rate", "listing"),
                                                                           ("batch_size", "listing")}


@pytest.mark.parametrize(("sentence", "expected"), [
    ("For the largest model (about 3.7B parameters), we train for 20,000 steps.", {("steps", "largest model")}),
    ("The smallest model in the family has a hidden size of 256.", {("d_model", "smallest model")}),
    ("For the 1.3B model, the learning rate is 2e-4.", {("learning_rate", "1.3B model")}),
    # about them all, or about a dataset or a phase (named as before), or not about a model
    ("All models use a hidden size of 512.", {("d_model", "")}),
    ("For all models, the learning rate is 2e-4.", {("learning_rate", "")}),
    ("Our model uses a hidden size of 512.", {("d_model", "")}),
    ("For the Adam optimizer, the learning rate is 2e-4.", {("learning_rate", ""), ("optimizer", "")}),
    ("In the VGG paper [25], the learning rate is 0.01.", {("learning_rate", "")}),
    ("For ImageNet, the learning rate is 0.1.", {("learning_rate", "ImageNet")}),
    # a later clause on another model, or a stop the sentence splitter missed, ends it
    ("The 360m models are trained for 3200 steps, the 660m models are trained for 6400 steps.",
     {("steps", "360m models"), ("steps", "")}),
    ("The big models were trained for 300,000 steps (3.5 days). 5.3 Optimizer We used a learning rate of 0.1.",
     {("steps", "big models"), ("learning_rate", "")}),
])
def test_a_sentence_about_one_model_gives_its_values_to_that_model(sentence, expected):
    assert {(h.name, h.setup) for h in find([(1, sentence)])} == expected


def test_a_batch_of_millions_is_not_a_templates_batch_of_sequences():
    from paperlab.replicate.scaffold import _config_value

    assert _config_value("batch_size", 256.0) == "256"
    assert _config_value("batch_size", 3.5e6) is None  # "a batch size of 3.5M": tokens, though it does not say
