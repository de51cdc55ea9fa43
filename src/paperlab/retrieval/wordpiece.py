"""BERT's WordPiece tokenizer in plain Python, for the moments where importing `tokenizers` and
parsing its tokenizer.json (~0.1 s together) would be most of the work: one query, one note.

It follows the rules Hugging Face's BertNormalizer, BertPreTokenizer and WordPiece apply, character
by character, so each token keeps the span of the original text it came from:
1. drop NUL, U+FFFD and control characters; turn whitespace into spaces;
2. put spaces around CJK ideographs;
3. when lowercasing: strip accents (NFD, without combining marks), then lowercase;
4. split at whitespace and around every punctuation character;
5. split each word into the longest pieces found in vocab.txt, continuations prefixed "##"; a word
   that cannot be split (or is over 100 characters) is one [UNK].

`wordpiece_for` returns one (read once per process) only for a folder whose tokenizer_config.json
says it is a standard BERT tokenizer; `tests/test_real_model.py` checks ids and spans against `tokenizers` on real text.
"""

from __future__ import annotations

import functools
import json
import unicodedata
from pathlib import Path

_CJK = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F), (0x2B740, 0x2B81F),
        (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))
_ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
SPECIALS = ("[CLS]", "[SEP]", "[PAD]", "[MASK]", "[UNK]")


class WordPiece:
    def __init__(self, vocab: dict[str, int], lowercase: bool, max_word_chars: int = 100) -> None:
        self.vocab = vocab
        self.lowercase = lowercase
        self.max_word_chars = max_word_chars
        self.unk = vocab["[UNK]"]
        self.cls, self.sep = vocab["[CLS]"], vocab["[SEP]"]
        self._chars: dict[str, str] = {}

    def handles(self, text: str) -> bool:
        """False for a text naming a special token ([CLS], [MASK], ...), which BERT's tokenizer reads
        as that token: `tokenizers` must tokenize it."""
        return not any(s in text for s in SPECIALS)

    def _normal(self, ch: str) -> str:
        """What one character of the input becomes (possibly nothing, possibly several)."""
        done = self._chars.get(ch)
        if done is not None:
            return done
        cp = ord(ch)
        category = unicodedata.category(ch)
        if cp == 0 or cp == 0xFFFD or (category[0] == "C" and ch not in "\t\n\r"):
            out = ""
        elif ch in "\t\n\r " or category == "Zs":
            out = " "
        elif any(lo <= cp <= hi for lo, hi in _CJK):
            out = f" {ch} "
        elif self.lowercase:
            out = "".join(c for c in unicodedata.normalize("NFD", ch) if unicodedata.category(c) != "Mn")
            out = "".join(c.lower() for c in out)
        else:
            out = ch
        self._chars[ch] = out
        return out

    def words(self, text: str) -> list[tuple[str, list[int]]]:
        """The pre-tokenized words, each with the index in `text` of every character it holds."""
        words: list[tuple[str, list[int]]] = []
        chars: list[str] = []
        origin: list[int] = []

        def flush() -> None:
            if chars:
                words.append(("".join(chars), origin.copy()))
                chars.clear()
                origin.clear()

        for i, ch in enumerate(text):
            for c in self._normal(ch):
                if c == " " or c.isspace():
                    flush()
                elif c in _ASCII_PUNCT or unicodedata.category(c)[0] == "P":
                    flush()
                    words.append((c, [i]))
                else:
                    chars.append(c)
                    origin.append(i)
        flush()
        return words

    def pieces(self, text: str) -> list[tuple[int, int, int]]:
        """(token id, start, end) of every token of `text`, without [CLS] and [SEP]."""
        out: list[tuple[int, int, int]] = []
        vocab = self.vocab
        for word, origin in self.words(text):
            if len(word) > self.max_word_chars:
                out.append((self.unk, origin[0], origin[-1] + 1))
                continue
            found: list[tuple[int, int, int]] = []
            start = 0
            while start < len(word):
                end = len(word)
                token = None
                while end > start:
                    piece = word[start:end] if start == 0 else "##" + word[start:end]
                    token = vocab.get(piece)
                    if token is not None:
                        break
                    end -= 1
                if token is None:
                    found = [(self.unk, origin[0], origin[-1] + 1)]
                    break
                found.append((token, origin[start], origin[end - 1] + 1))
                start = end
            out.extend(found)
        return out

    def ids(self, text: str, max_tokens: int) -> list[int]:
        """[CLS], the first max_tokens - 2 tokens, [SEP]: what the model reads."""
        return [self.cls, *(t for t, _, _ in self.pieces(text)[:max_tokens - 2]), self.sep]


@functools.lru_cache(maxsize=4)
def wordpiece_for(folder: Path) -> WordPiece | None:
    """The tokenizer of a model folder holding a standard (uncased or cased) BERT vocabulary."""
    try:
        config = json.loads((folder / "tokenizer_config.json").read_text())
        lines = (folder / "vocab.txt").read_text(encoding="utf-8").split("\n")
    except (OSError, ValueError):
        return None
    if not isinstance(config, dict) or config.get("tokenizer_class") not in ("BertTokenizer", "BertTokenizerFast") \
            or config.get("tokenize_chinese_chars", True) is not True \
            or config.get("do_basic_tokenize", True) is not True or config.get("never_split"):
        return None
    lowercase = config.get("do_lower_case", True)
    if not isinstance(lowercase, bool) or config.get("strip_accents") not in (None, lowercase):
        return None
    if lines and lines[-1] == "":
        lines.pop()
    vocab = {token: i for i, token in enumerate(lines)}
    if not all(s in vocab for s in SPECIALS):
        return None
    return WordPiece(vocab, lowercase)
