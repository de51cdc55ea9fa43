"""The paper's symbol table: settings named by a symbol in one sentence and given a value by that
symbol in another, or in a table's header; Latin letters only where a definition makes them symbols."""

from __future__ import annotations

import pytest

from paperlab.replicate.hparams import find
from paperlab.replicate.notation import sentences
from paperlab.replicate.symbols import named_before, symbols


def read(*pages: str) -> set[tuple[str, object, int, str]]:
    return {(h.name, h.value, h.page, h.setup) for h in find(list(enumerate(pages, start=1)))}


def test_letters_a_paper_denotes_name_the_assignments_that_follow():
    found = read("We denote the number of layers (i.e., Transformer blocks) as L, the hidden size as H, and the "
                 "number of self-attention heads as A.",
                 "We report two sizes: BERTBASE (L=12, H=768, A=12) and BERTLARGE (L=24, H=1024, A=16).")
    assert found == {("n_layers", 12.0, 2, "BERTBASE"), ("d_model", 768.0, 2, "BERTBASE"),
                     ("n_heads", 12.0, 2, "BERTBASE"), ("n_layers", 24.0, 2, "BERTLARGE"),
                     ("d_model", 1024.0, 2, "BERTLARGE"), ("n_heads", 16.0, 2, "BERTLARGE")}


@pytest.mark.parametrize(("definition", "symbol", "setting"), [
    ("where N is the number of layers and d is the model dimension.", "N", "n_layers"),
    ("where N is the number of layers and d is the model dimension.", "d", "d_model"),
    ("Let h denote the number of attention heads.", "h", "n_heads"),
    ("Let N be the sequence length, and assume that dh is of order one.", "N", "seq_len"),
    ("V corresponds to the vocabulary size of the output layer.", "V", "vocab_size"),
    ("For a model with hidden dimension h, context length m and l layers we count FLOPs.", "m", "seq_len"),
    ("Let \u03b7 denote the learning rate.", "\u03b7", "learning_rate"),
    ("We measure the steps needed as a function of the batch size B.", "B", "batch_size"),
    # as captions and notation tables write it
    ("Table 6: Model sizes. #L = the number of layers; #H = hidden size.", "L", "n_layers"),
    ("Table 6: Model sizes. #L = the number of layers; #H = hidden size.", "H", "d_model"),
    ("Notation. d: model dimension, N: number of layers.", "N", "n_layers"),
])
def test_a_definition_links_a_symbol_to_a_setting(definition, symbol, setting):
    assert [s for _, s, _ in symbols(sentences(definition)).get(symbol, [])] == [setting]


@pytest.mark.parametrize("sentence", [
    "We denote the learning rate as a function of time.",  # "a" is an article
    "The instability is relieved by momentum (B), fast decay (G) or gradient clipping (H).",  # labels
    "The FLOPs are Transformer-FLOPs(l, h, dff, V) summed over layers.",  # a list's next item
    "We pick the learning rate i.e. the step size by a sweep.",
    "We set the number of heads h = dmodel/2d for every layer.",  # a formula, not a definition
])
def test_words_and_labels_are_not_symbols(sentence):
    assert symbols(sentences(sentence)) == {}


def test_a_latin_letter_counts_only_after_its_definition_and_never_in_an_example():
    # before its definition, N is any count; a Greek letter's definition may come later
    assert read("The runs have N = 6 and \u03c4 = 0.07.",
                "Here N is the number of layers and \u03c4 the softmax temperature \u03c4 of the loss.") == {
        ("temperature", 0.07, 1, "")}
    # a worked example assigns no setting
    assert read("Here N is the number of layers.", "Let N = 3 and d = 2 for illustration.",
                "For example, with N = 4 the cost doubles.") == set()
    # an undefined letter is a formula's, not a setting
    assert read("The loss is flat where x = 0.5 and y = 2.") == set()


def test_a_symbol_may_stand_between_a_name_and_its_value():
    assert read("We set the queue size K = 65536.") == {("queue_size", 65536.0, 1, "")}


def test_the_model_a_parenthesis_follows():
    assert named_before("two sizes: GPT-2 XL (L=48, H=1600", 26) == "GPT-2 XL"
    assert named_before("a model (L=12", 10) == ""
    assert named_before("the Transformer is (L=6, H=1024", 20) == ""


def test_a_tables_header_that_the_text_defines_names_its_setting(tmp_path):
    import pymupdf

    from paperlab.replicate.settings import read_parts

    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 60), "We denote the number of layers as L and the hidden size as H.", fontsize=9)
    page.insert_text((72, 80), "Table 1: The configurations of the two models we trained.", fontsize=9)
    rows = [("Model", "L", "H", "Params"), ("Small", "6", "512", "60M"), ("Large", "24", "1024", "340M")]
    for i, cells in enumerate(rows):
        for j, cell in enumerate(cells):
            page.insert_text((72 + 90 * j, 100 + 14 * i), cell, fontsize=9)
    doc.save(tmp_path / "t.pdf")
    _, tables = read_parts(tmp_path / "t.pdf")
    assert {(h.name, h.value, h.setup) for h in tables} == {
        ("n_layers", 6.0, "Small"), ("d_model", 512.0, "Small"),
        ("n_layers", 24.0, "Large"), ("d_model", 1024.0, "Large")}
