"""How papers name a training setting, for the setup reader (replicate/hparams.py): the common names
written before a value (`NAMES`, "the learning rate of 0.1"), the ways a name is joined to its
value (`IS`: "= 0.1", "is set to 0.1", "λ = 0.1"), and the names written after one (`AFTER`, "28
layers"; `{v}` stands for the value), what a bare "size" or "length" is of (`owned`), and
the phrases that name any other setting in the paper's own words (`GENERIC`: "a balance factor of
0.001", "64 routed experts" as `num_routed_experts`, "LayerScale is initialized to 1e-6").
replicate/settings.py reads tables' headers with `NAMES` too.
"""

from __future__ import annotations

import re

from paperlab.replicate.notation import NUM, number
from paperlab.replicate.notation import with_value as _v

# How papers join a setting's name to its value: "= 0.1", "of 0.1", "is set to 0.1", "to 0.1", "0.1".
# A symbol may stand between: "weight decay λ = 0.1", "learning rate of η0 = 0.06", "queue size K = 4096".
SYMBOL = r"[α-ωΑ-Ω](?:_?\w)?"
OPTIMIZER = r"(AdamW|Adam|SGD|RMSProp|Adagrad|Adafactor|LAMB)"  # the optimizers read by name
SET_VERBS = r"(?:set|fixed|chosen|starts?|started|expanded|increased|reduced|decreased|raised|lowered)"
# ("the queue size K = 4096", "dropout (p = 0.1)", "the temperature is τ = 0.07")
IS = (r"(?:(?:,?\s+(?:(?:of|with|is|was)\s+|\(\s*)?(?:" + SYMBOL + r"|[A-Za-z](?:_?\d)?))?\s*[=:]\s*"
      r"|(?:\s+(?:[A-Za-z]|" + SYMBOL + r")(?=\s+(?:is|was|to)\s))?"  # "the head dimension d is 128", "τ to 0.07"
      r"\s+(?:(?:is|was|are|were)\s+)?(?:" + SET_VERBS + r"\s+)?"
      r"(?:to\s+be|to|of|at|as|is|was|are|were|from|with\s+(?:a\s+)?(?:ratio|coefficient|rate)(?:\s+of)?)"
      r"\s+(?:an?\s+|about\s+|approximately\s+|around\s+)?|\s+)")
# A setting's name as papers write it, the common forms only: (setting, name), named before its value.
NAMES = [
    ("learning_rate", r"(?:(?:peak|maximal|maximum|max|base|initial)\s+)?(?:learning[\s-]rates?|LR)"),
    ("batch_size", r"(?:(?:global|total)\s+)?(?:mini-?)?batch[\s-]?sizes?"),
    ("warmup_steps", r"(?:number\s+of\s+(?:the\s+)?)?warm-?up\s+(?:steps|updates|iterations|stage)"),
    ("n_layers", r"(?:number\s+of\s+(?:transformer\s+|hidden\s+|encoder\s+|decoder\s+)?layers|depths?)"),
    ("d_model", r"(?:hidden|model|embedding)\s+(?:dimension(?:ality)?|size|width)(?!\s+of\s+the\s+(?:FFN|feed|MLP))"
                r"|d_?model|widths"
                r"|(?:size|dimension(?:ality)?)\s+of\s+(?:the\s+)?(?:embeddings?|hidden\s+states?)"),
    ("n_heads", r"number\s+of\s+(?:self-?\s?)?(?:attention\s+)?heads"),
    ("num_experts", r"(?:total\s+)?number\s+of\s+(?:routed\s+)?experts(?:\s+per\s+(?:MoE\s+)?layer)?"),
    ("head_dim", r"(?:attention\s+)?head\s+(?:dimension|size)"),
    ("d_ff", r"(?:FFN|feed-?forward|MLP)\s+(?:hidden\s+|inner\s+)?(?:dimension|size)|d_?ff"  # and "the hidden
             r"|(?:hidden|inner)\s+(?:dimension|size)\s+of\s+the\s+(?:FFN|MLP|feed-?forward(?:\s+(?:network|layers?))?)"),
    ("seq_len", r"(?:training\s+|input\s+)?sequence\s+length|context\s+(?:length|size|window(?:\s+(?:length|size))?)"),
    ("grad_clip", r"(?:global\s+)?gradient(?:\s+norm)?\s+clipping(?:\s+norm|\s+threshold)?(?:\s+at\s+a\s+threshold)?"
                  r"|clipping\s+norm|max(?:imum)?\s+gradient\s+norm"
                  r"|clip(?:ping|ped|s)?\s+(?:the\s+)?gradients?\s+(?:norms?\s+)?to\s+(?:a\s+)?max(?:imum)?\s+(?:\w+\s+)?norm"),
    ("weight_decay", r"weight[\s_]decay(?:\s+(?:rate|coefficient))?"),
    ("grad_clip", r"(?:gradients?|gradient\s+norms?)\s+(?:(?:is|are|was|were)\s+)?clipped"
                  r"(?:\s+to\s+(?:a|the)\s+(?:max(?:imum)?\s+)?(?:global\s+)?(?:L2\s+)?norm)?"
                  r"|clip(?:ping|ped|s)?\s+(?:the\s+)?(?:global\s+)?gradients?(?:\s+norms?)?"),
    ("l2_regularization", r"L2\s+(?:regulari[sz]ation|penalty)(?:\s+(?:coefficient|weight|strength))?"),
    ("drop_path", r"(?:stochastic\s+depth|drop[\s-]?path)(?:\s+(?:rate|probability|ratio))?"),
    ("top_p", r"top-?p|nucleus\s+sampling\s+(?:threshold|probability)"),
    # a dropout where the paper says which: "attention dropout 0.1", "embedding dropout" (a residual
    # dropout is the Transformer's own, `dropout`)
    ("attention_dropout", r"attention(?:\s+(?:probabilities|weights))?\s+dropout(?:\s+(?:rate|probability))?"),
    ("embedding_dropout", r"(?:word\s+)?embedding\s+dropout(?:\s+(?:rate|probability))?"),
    ("dropout", r"(?<!LoRA\s)(?<!lora_)(?<!attention\s)(?<!embedding\s)(?<!weights\s)"
                r"(?<!probabilities\s)dropout(?:\s+(?:rate|probability))?"),
    ("vocab_size", r"vocab(?:ulary)?\s+size|vocabulary"),
    ("eps", r"(?:Adam(?:W)?|optimi[sz]er)(?:'s)?\s+(?:ϵ|ε|epsilon)"),  # "Adam ε", "the Adam epsilon"
    ("image_size", r"(?:input|image)\s+(?:resolution|size)"),  # a bare side: "an input resolution of 384"
    ("bn_momentum", r"(?:batch[\s-]?norm(?:ali[sz]ation)?|BN)\s+momentum"),  # the running statistics' update
    ("momentum", r"(?<!norm\s)(?<!BN\s)(?<!ation\s)momentum(?:\s+(?:coefficient|term))?"),
    ("steps", r"(?:total\s+)?number\s+of\s+(?:training\s+)?(?:steps|updates)|training\s+steps"),
    ("epochs", r"(?:total\s+)?number\s+of\s+(?:training\s+)?epochs|training\s+epochs|epochs(?=\s*[=:])"),
    ("warmup_epochs", r"(?:number\s+of\s+)?warm-?up\s+epochs"),
    ("temperature", r"(?:softmax\s+)?temperature"),
    ("ema_decay", r"(?:EMA|exponential\s+moving\s+average)\s+(?:decay(?:\s+rate)?|momentum)"),
    ("rope_theta", r"(?:RoPE|rotary(?:\s+(?:position(?:al)?\s+)?embeddings?)?)(?:'s)?\s+"
                   r"(?:base(?:\s+frequency)?|theta|θ)"),
    ("queue_size", r"queue\s+(?:size|length)"),
    # low-rank adapters' own knobs: "LoRA rank r = 8", "the rank of the LoRA matrices", "LoRA α = 16",
    # "lora_alpha = 32", "a LoRA dropout of 0.05"; a bare "rank" ("a rank-k matrix") is none
    ("lora_rank", r"(?:LoRA|adapter|adaptation)(?:'s)?\s+rank|lora_r(?:ank)?\b|rank(?=\s+r\s*=)"
                  r"|rank\s+of\s+(?:the\s+)?(?:LoRA|low-rank|adapter|adaptation)\s+(?:\w+\s+)?"
                  r"(?:matri(?:x|ces)|modules?|weights?|updates?)"),
    ("lora_alpha", r"LoRA(?:'s)?\s+(?:alpha|scaling(?:\s+factor)?)|lora_alpha|LoRA(?=\s+α)"),
    ("lora_dropout", r"(?:LoRA\s+|lora_)dropout(?:\s+(?:rate|probability))?"),
]
# Named after its value: "28 layers", "1000 warmup steps".
AFTER = [
    ("n_layers", r"{v}\s+(?:transformer\s+|hidden\s+)?layers\b"),
    ("n_heads", r"{v}\s+(?:self-?\s?)?(?:attention\s+)?heads\b"),
    ("d_model", r"{v}-hidden\b"),  # BERT's "12-layer, 768-hidden, 12-heads"
    ("n_layers", r"{v}-layers?\b"), ("n_heads", r"{v}-head(?:ed)?\b"),  # "a 6-layer encoder", "a 12-head"
    ("n_layers", r"{v}\s+layer\s+(?:model|network|net|transformer|encoder|decoder|stack|MLP|CNN|LSTM)s?\b"),
    ("warmup_steps", r"{v}\s+warm-?up\s+(?:steps|updates|iterations)"),
    ("warmup_epochs", r"{v}\s+warm-?up\s+epochs"),
    ("batch_size_per_device", r"{v}\s+(?:images|sequences|examples|samples)\s+(?:per|on\s+each|for\s+each)\s+"
                              r"(?:GPU|device|core|TPU|worker|replica|accelerator)\b"),
    ("warmup_steps", r"warm(?:ed|s|ing)?[\s-]?up\s+(?:linearly\s+)?(?:of|over|for|during|in)\s+"
                     r"(?:the\s+first\s+)?{v}\s+(?:steps|updates|iterations)"),
    ("epochs", r"(?:using|for|over)\s+{v}\s+epochs"),
    ("warmup_epochs", r"warm(?:ed|s|ing)?[\s-]?up\s+(?:linearly\s+)?(?:of|over|for|during|in)\s+"
                      r"(?:the\s+first\s+)?{v}\s+epochs"),
    ("seq_len", r"sequences\s+of\s+{v}\s+tokens\b"), ("seq_len", r"{v}-token\s+(?:sequences|contexts?|windows?)\b"),
    ("grad_accum_steps", r"accumulat\w*\s+(?:the\s+)?(?:gradients?\s+)?(?:over|of|for|across)\s+{v}\s+"
                         r"(?:steps|micro-?batches|batches|iterations)"),
    ("warmup_steps", r"{v}\s+(?:steps|updates|iterations)\s+(?:for|of)\s+(?:linear\s+)?warm-?up"),
    # "the learning rate was increased linearly for the first 1000 training steps"
    ("warmup_steps", r"(?:(?:increase[sd]?|rises?|grows?)\s+linearly|linearly\s+(?:increase[sd]?|rises?|grows?))\b"
                     r"(?:[^.;]|\.(?=\d)){0,80}?\bfirst\s+{v}\s+(?:training\s+)?(?:steps|updates|iterations)"),
    ("warmup_epochs", r"(?:(?:increase[sd]?|rises?|grows?)\s+linearly|linearly\s+(?:increase[sd]?|rises?|grows?))\b"
                      r"(?:[^.;]|\.(?=\d)){0,80}?\bfirst\s+{v}\s+(?:training\s+)?epochs?\b"),
    # "a gradual warmup that ramps the rate up over the first 5 epochs"
    ("warmup_epochs", r"\bwarm-?\s?up\b[^.;]{0,80}?\b(?:over|in|for|during)\s+(?:the\s+first\s+)?{v}\s+epochs?\b"),
    ("warmup_steps", r"\bwarm-?\s?up\b[^.;]{0,80}?\b(?:over|in|for|during)\s+(?:the\s+first\s+)?{v}\s+"
                     r"(?:training\s+)?(?:steps|updates|iterations)\b"),
]


# what a bare "length", "size" or "rate" is of: "input sequences to length", "a hidden layer of size",
# "dropout at a rate of"
_OWNER = re.compile(r"(?<![\w-])((?:[a-z][a-z-]+\s+)?[a-z][a-z-]+)\s+(?:of|to|at|with)\s+(?:an?\s+|the\s+)?$", re.I)
_FUNCTION_WORDS = frozenset("we our us the a an and or with is was are were be been this that these those each "
                            "its their which by for in on from as it".split())


def owned(before: str, head: str) -> str | None:
    """The setting a bare head names with what the text says it is of, before it ("input sequences
    to length 8192": `seq_len`, "a hidden layer of size 1024": `hidden_layer_size`, "dropout with
    probability 0.1": `dropout`); None. A head of more words is renamed only where the owner and
    its last word make a common name ("stochastic depth with a drop rate of 0.2": `drop_path`)."""
    m = _OWNER.search(before)
    words = m.group(1).lower().split() if m else []
    while words and words[0] in _FUNCTION_WORDS:
        words = words[1:]
    if not words or words[-1] in _FUNCTION_WORDS:
        return None
    words = [w[:-1] if w.endswith("s") and not w.endswith("ss") and len(w) > 3 else w for w in words]
    for start in range(len(words)):
        if known := common_name(" ".join(words[start:] + [head.split()[-1]])):
            return known
    return "_".join(re.findall(r"[a-z0-9]+", " ".join(words + [head]))) if " " not in head else None


# what a whole count counts that a model has several of, named num_...: "64 experts" is num_experts
_COMPONENTS = ("experts", "hashes", "groups", "blocks")


def count_name(noun: str) -> str:
    """A count's setting named after what it counts ("64 routed experts": `num_routed_experts`; a
    training's "100,000 updates" are its `steps`)."""
    words = re.findall(r"[a-z0-9]+", noun.lower())
    if words == ["updates"]:
        return "steps"
    return ("num_" if words[-1] in _COMPONENTS else "") + "_".join(words)


def common_name(phrase: str) -> str | None:
    """The setting a phrase is the common name of, whole ("dropout probability": `dropout`); None."""
    return next((name for name, pattern in NAMES if re.fullmatch(pattern, phrase, re.I)), None)


# words that make a phrase a result's ("error rate", "top-1 accuracy"), not a setting's
RESULT = "error|accuracy|success|win|hit|pass|test|top|average|mean|relative|compression|frame"
RESULT_WORD = re.compile(r"(?:" + RESULT + r")\W*", re.IGNORECASE)
# shares as percentages: "a linear warmup over the first 10% of training" (warmup_ratio 0.1), "the mask
# ratio is 75%" (mask_ratio 0.75), a result's rate ("an error rate of 3%") none
PERCENTS = [("min_lr_ratio", re.compile(r"\bdecay\w*\s+to\s+(?P<p>\d+(?:\.\d+)?)\s?%\s+of\s+(?:its|the)\s+"
                                        r"(?:peak|max(?:imum)?|initial|base)\b", re.I)),
            ("warmup_ratio", re.compile(r"\bwarm(?:ed|s)?[\s-]?up\b[^.;%]{0,40}?\b(?:over|for|during|in|of)\s+"
                                        r"(?:the\s+)?(?:first\s+)?(?P<p>\d+(?:\.\d+)?)\s?%\s+of\b", re.I)),
            ("", re.compile(r"(?<![\w-])(?P<name>(?:[a-z][a-z-]*\s+){1,2}(?:ratio|fraction|probability))"
                            r"\s+(?:is\s+|was\s+|of\s+|(?:is\s+|was\s+)?set\s+to\s+)(?P<p>\d+(?:\.\d+)?)\s?%", re.I))]


def percents(sentence: str) -> list[tuple[str, float, int]]:
    """(setting, share, where) of the shares `sentence` gives as percentages (`PERCENTS`)."""
    out = []
    for name, pattern in PERCENTS:
        for m in pattern.finditer(sentence):
            words = (m.groupdict().get("name") or "").lower().split()
            while words and words[0] in ("the", "a", "an", "our", "its", "this", "and", "with", "we", "use"):
                words = words[1:]
            if name or (words and not RESULT_WORD.fullmatch(words[0])):
                name = name or common_name(" ".join(words)) or "_".join(words)
                out.append((name, float(f"{float(m.group('p')) / 100:.6g}"), m.start()))
    return out


_VALUE = "(?P<v>" + NUM.replace("(?P<", "(?P<v_") + ")"
_LENGTHS = r"(?:training\s+)?(?P<u>steps|epochs|iterations|updates)"
_EVERY = re.compile(r"\bevery\s+" + _VALUE + r"\s+" + _LENGTHS + r"\b", re.I)
_PER = re.compile(_VALUE + r"\s+" + _LENGTHS + r"\s+(?:per|in\s+each|for\s+each|each)\s+(?P<what>[a-z]+)", re.I)
_UNIT = {"updates": "steps"}  # as `count_name` names them
_EVALUATES = re.compile(r"\b(?:eval\w*|validat\w*)", re.I)
_DECAYS = re.compile(r"\blearning\s+rate\b.*\b(?:halved|divided|decay\w*|multiplied|reduced|dropped)\b", re.I)


def per(name: str, value: float | str, sentence: str) -> str:
    """A length read where the sentence gives it as an interval ("evaluated every 5000 steps":
    `eval_interval_steps`, `validation_interval_steps` where the paper says validation; "halved
    every 10 epochs": `lr_decay_interval_epochs`) or as a count per something ("128 steps per
    rollout": `steps_per_rollout`), named so; else `name`."""
    if name not in ("steps", "epochs", "iterations", "updates"):
        return name
    for m in _EVERY.finditer(sentence):
        if number(m, "v_") == value and _UNIT.get(m.group("u").lower(), m.group("u").lower()) == name:
            said = _EVALUATES.search(sentence)  # in the paper's word: "validation" or "evaluation"
            kind = ("validation_" if said.group().lower().startswith("validat") else "eval_") if said else \
                "lr_decay_" if _DECAYS.search(sentence) else ""
            return f"{kind}interval_{name}"
    for m in _PER.finditer(sentence):
        if number(m, "v_") == value and _UNIT.get(m.group("u").lower(), m.group("u").lower()) == name:
            return f"{name}_per_{m.group('what').lower()}"
    return name


# Any other setting, named in the paper's own words: a noun phrase that ends in a word settings are
# called by ("balance factor", "beam size", "clip ratio", "state size"), joined to its value as the
# common names are; or a whole count before what it counts ("64 routed experts", "256 hidden units").
# Its name is the phrase in snake_case. A common name's reading of the same value wins.
# words a setting's name does not start with: function words, and those of a result ("error rate"),
# which must not stand just before it either
_LEAD = (r"(?!(?:the|an?|and|or|of|with|to|we|our|is|was|are|were|be|set|use[sd]?|using|for|in|on|at|by|as|"
         r"this|that|these|each|its|their|which|from|than|then|all|both|total|final|same|higher|lower|larger|"
         r"smaller|thousand|million|billion|trillion|" + RESULT + r")\b)")
_WORD = _LEAD + r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*"
_HEAD = (r"(?:size|rate|ratio|factor|coefficient|coef|decay|dimension(?:ality)?|length|threshold|penalty|"
         r"probability|scale|frequency|interval|budget|width|margin|horizon|capacity|strength|theta|std|bias(?:es)?|seed)")
_COUNTS = (r"(?:experts|units|channels|filters|blocks|groups|glimpses|hashes|episodes|samples|"
           r"iterations|epochs|steps|updates|tokens|examples|images|sequences|neurons|dimensions)")
_LAST = r"(?!" + _HEAD + r"\b)" + _WORD  # an initial value's name: one not already read as a named setting's
_MEASURE = r"(?!\s*(?:total\s+)?(?:[×x]|parameters|params|fps|flops|gb|mb|hours|days|seconds|ms)\b)"  # a size
# a value that starts a range ("from 512 to 1024"), a fraction ("1/ √ N") or a share of another
# ("0.1 of the peak") is none
# (what kind of reading, pattern): a name before its value, a count before what it counts, how many
# of them are active ("routed to 6 out of 64 routed experts", "2 of the 8 experts"), a dimension
# ("a 2400-dimensional sentence encoder": sentence_encoder_dim)
GENERIC = [("named", _v(r"(?<![\w-])(?P<name>(?:" + _WORD + r"\s+){0,2}" + _HEAD + r")(?![\w-])" + IS
                        + r"{v}(?![.,]?\d)" + _MEASURE + r"(?!\s*/|\s+(?:to\s+\d|of\s))")),
           ("count", _v(r"(?<![\w.,×])(?<![A-Za-z]-)(?<!×\s)(?<!\bTable\s)(?<!\bFigure\s)(?<!\bSection\s)(?:{v})\s+"
                        r"(?P<name>(?:" + _WORD + r"\s+){0,2}" + _COUNTS + r")\b")),
           ("active", _v(r"(?<![\w.,×])(?:{v})\s+(?:out\s+)?of\s+(?:the\s+|its\s+|their\s+)?\d+\s+(?P<name>(?:"
                        + _WORD + r"\s+){0,2}(?:experts|heads|layers|blocks))\b")),
           ("dim", _v(r"(?<![\w.,×-])(?:{v})-dimensional\s+(?P<name>(?:" + _WORD + r"\s+){0,1}" + _WORD + r")\b")),
           # an initial value: "LayerScale is initialized to 1e-6", "we initialize the gains to 1" (name_init)
           ("init", _v(r"(?<![\w-])(?P<name>(?:" + _WORD + r"\s+){0,2}" + _LAST + r")\s+(?:is|are|was|were)\s+"
                        r"(?:\w+\s+)?initiali[sz]ed\s+(?:to|as|at|with)\s+(?:a\s+(?:value|constant)\s+of\s+)?{v}"
                        r"(?![.,]?\d)(?!\s*/)")),
           ("init", _v(r"\binitiali[sz]e[sd]?\s+(?:the\s+|all\s+|its\s+|our\s+)?(?P<name>(?:" + _WORD + r"\s+){0,2}"
                        + _LAST + r")\s+(?:to|as|at|with)\s+(?:a\s+(?:value|constant)\s+of\s+)?{v}"
                        r"(?![.,]?\d)(?!\s*/)"))]
DATA = {"tokens", "examples", "images", "sequences", "samples"}


# where a step schedule cuts the rate: "divide it by 10 at 32k and 48k iterations", "decayed by a
# factor of 10 at epochs 30, 60 and 80", "by 1/10 at the 30-th, 60-th, and 80-th epochs"
_CUT = r"(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?[kK]?)(?:-?(?:th|st|nd|rd))?"
_LENGTH = r"(?:epochs?|iterations?|steps?|updates)"
MILESTONES = re.compile(r"\b(?:divid|decay|reduc|multipl|drop|lower|scal|cut)\w*\b[^.;]{0,40}?\bby\s+"
                        r"(?:a\s+factor\s+of\s+)?(?:10|0?\.\d+|1\s*/\s*\d+)\s+(?:at|after)\s+(?:the\s+)?"
                        r"(?P<pre>" + _LENGTH + r")?\s*(?P<list>" + _CUT + r"(?:(?:\s*,\s*(?:and\s+)?|\s+and\s+)"
                        + _CUT + r")*)\s*(?P<post>" + _LENGTH + r")?",
                        re.IGNORECASE)


# An activation function the paper says its model uses: "we use SwiGLU activations", "with the GELU
# nonlinearity", "SiLU as the activation function"; the name as the paper writes it.
_ACTIVATION = (r"(?P<a>(?:leaky\s+)?ReLU|GELU|SiLU|Swish|SwiGLU|GeGLU|ReGLU|GLU|Mish|ELU|SELU|PReLU|tanh|sigmoid|"
               r"softplus|maxout)")
ACTIVATIONS = re.compile(r"\b(?:us(?:e|es|ed|ing)|with|adopts?|employs?|appl(?:y|ies|ied))\s+(?:the\s+|a\s+)?"
                         + _ACTIVATION + r"\s+(?:activations?(?:\s+functions?)?|non-?linearit(?:y|ies)|units)\b"
                         r"|\b" + _ACTIVATION.replace("(?P<a>", "(?P<b>") + r"\s+as\s+(?:the\s+|its\s+|our\s+)?"
                         r"(?:activation(?:\s+function)?|non-?linearity)\b")


# a step schedule: the rate multiplied (or decayed) by a factor below 1 at a point, or when the error plateaus
_BY = r"[^.;]{0,40}?\bby\s+(?:a\s+factor\s+of\s+)?(?:0?\.\d+|1\s*/\s*\d+)"
_LR = r"(?:learning[\s-]rate|LR)"
SCHEDULES = [("cosine", re.compile(r"cosine(?:\s+" + _LR + r")?\s+(?:annealing|decay|schedule)", re.I)),
             ("linear", re.compile(r"linear(?:ly)?\s+(?:" + _LR + r"\s+)?decay|decay(?:s|ed)? linearly", re.I)),
             ("step", re.compile(r"divided? (?:it )?by 10|decay(?:ed)? by a factor|" + _LR + r"\b[^.;]{0,60}?"
                                 r"\b(?:multipl(?:y|ied)|scaled?|decay(?:ed)?)\b" + _BY + r"|\b(?:multipl(?:y|ied)|"
                                 r"decay(?:ed)?)\s+(?:the\s+)?" + _LR + r"\b" + _BY
                                 + r"|\b(?:error|loss|accuracy)\s+plateaus", re.I)),
             ("polynomial", re.compile(r"\bpolynomial(?:\s+" + _LR + r")?\s+(?:decay|schedule)", re.I)),
             ("exponential", re.compile(r"\bexponential(?:\s+" + _LR + r")?\s+(?:decay|schedule)|"
                                        + _LR + r"\b[^.;]{0,40}?\bdecays?\s+exponentially", re.I)),
             ("inverse square root", re.compile(r"inverse[\s-]?square[\s-]root\s+(?:\w+\s+)?(?:decay|schedul|learning)"
                                                r"|inverse[\s-]?square[\s-]root\s+of\s+the\s+(?:step|iteration|update)",
                                                re.I))]  # not the inverse square root of a matrix
# A regulariser the paper says it did without: "we use no dropout", "we do not use weight decay".
WITHOUT = re.compile(r"\b(?:(?:use|used|uses|using|apply|applied|applies)\s+no|(?:do|does|did)\s+not\s+(?:use|apply))"
                     r"\s+(?P<a>dropout|weight\s+decay)\b"
                     r"|\bno\s+(?P<b>dropout|weight\s+decay)\s+(?:is|was)\s+(?:used|applied)", re.I)
