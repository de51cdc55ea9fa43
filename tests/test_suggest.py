"""Candidate claims from tables and sentences: decimal points drawn as separate glyphs, ± stds, a
table in one column beside prose in the other, the filters, ranking, and accepting once."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from paperlab.replicate import claims as claims_mod
from paperlab.replicate.layout import page_blocks, running_lines, table_regions
from paperlab.replicate.suggest import MAX_CANDIDATES, from_sentences, suggest_pdf

PAPERS = Path(__file__).resolve().parents[2] / "shared" / "data" / "papers"
PROSE = ("the residual learning framework eases the training of networks that are substantially deeper "
         "than those used previously and we provide comprehensive empirical evidence for this").split()


def split_decimal(page, x: float, y: float, text: str, size: float = 9) -> None:  # type: ignore[no-untyped-def]
    """Draw `8.75` as LaTeX output often does: the digits, then the point as its own glyph, lower."""
    import pymupdf

    whole, frac = text.split(".")
    w = pymupdf.get_text_length(whole, fontsize=size)
    dot = pymupdf.get_text_length(".", fontsize=size)
    page.insert_text((x, y), whole, fontsize=size)
    page.insert_text((x + w + dot, y), frac, fontsize=size)
    page.insert_text((x + w, y + 0.8), ".", fontsize=size)  # drawn last, slightly lower


def table_paper(path: Path) -> Path:
    """Page 1: an abstract with a headline number; page 2: prose in the left column and, in the right
    column, a results table (decimal points as separate glyphs, a mean ± std) captioned below."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), "Deep Residual Learning on Small Images", fontsize=14)
    page.insert_text((72, 100), "Abstract", fontsize=10)
    page.insert_text((72, 115), "Our 110-layer network achieves 6.43% error on the CIFAR-10 test set.", fontsize=9)
    page.insert_text((72, 128), "It improves on the best result by over 2 points, in 2015.", fontsize=9)
    page.insert_text((72, 150), "1 Introduction", fontsize=10)
    page.insert_text((72, 165), "Deep networks [11, 42] are hard to train; see Table 1 and Section 6.1 Results.",
                     fontsize=9)
    page.insert_text((72, 178), "We report top-5 error and train for 14 times fewer steps.", fontsize=9)
    page = doc.new_page()
    for i in range(14):  # left column: prose at the same heights as the table
        page.insert_text((46, 80 + 12 * i), " ".join(PROSE[i % 5:i % 5 + 9]), fontsize=9)
    page.insert_text((330, 80), "method", fontsize=9)
    page.insert_text((440, 80), "error (%)", fontsize=9)
    for i, (name, value) in enumerate([("Highway", "7.72"), ("ResNet-20", "8.75"), ("ResNet-56", "6.97")]):
        page.insert_text((330, 94 + 12 * i), name, fontsize=9)
        split_decimal(page, 440, 94 + 12 * i, value)
    page.insert_text((330, 130), "ResNet-110", fontsize=9)
    page.insert_text((440, 130), "6.43 (6.61±0.16)", fontsize=9)
    page.insert_text((330, 150), "Table 6. Classification error on the CIFAR-10 test set.", fontsize=9)
    page.insert_text((46, 260), "0 1 2 3 4 5 6 training error (%) iter. (1e4)", fontsize=7)  # axis ticks
    doc.save(path)
    return path


@pytest.fixture(scope="module")
def candidates(tmp_path_factory):
    return suggest_pdf(table_paper(tmp_path_factory.mktemp("pdf") / "paper.pdf"), version=2)


def test_table_cells_with_split_decimals_rows_columns_and_std(candidates):
    cells = {c.value: c for c in candidates if c.source.startswith("Table 6")}
    assert set(cells) == {7.72, 8.75, 6.97, 6.43, 6.61}  # the prose beside the table is not in it
    assert cells[8.75].source == "Table 6, row 'ResNet-20', column 'error (%)'"
    assert cells[6.61].std == 0.16 and cells[6.43].std is None  # best run 6.43; mean 6.61 ± 0.16
    assert cells[6.43].unit == "%" and cells[6.43].page == 2 and cells[6.43].metric == "error" and cells[6.43].lower


def test_filters_and_ranking(candidates):
    values = [(c.value, c.page) for c in candidates]
    for noise in [11.0, 42.0, 1.0, 6.1, 2015.0, 5.0, 0.0, 3.0, 4.0, 6.0]:
        assert (noise, 1) not in values and (noise, 2) not in values, noise  # citations, numbers of
        # tables/sections, years, the 5 of top-5, axis ticks
    assert [c.metric for c in candidates if c.value == 2.0] == ["relative"]  # "by over 2 points": a gain
    fewer = next(c for c in candidates if c.value == 14.0)  # "14 times fewer steps": relative, not a measure
    assert fewer.metric == "relative" and fewer.number > candidates[0].number
    assert candidates[0].value == 6.43  # in the abstract and in the table: the headline comes first
    assert len(candidates) <= MAX_CANDIDATES


@pytest.mark.parametrize(("sentence", "expected"), [
    ("Our model achieves 28.4 BLEU on the WMT 2014 English-to-German task.", ("bleu", 28.4, "")),
    ("We push the GLUE score to 80.5% and MultiNLI accuracy to 86.7%.", ("glue_score", 80.5, "%")),
    ("We reach 4.9% top-5 validation error.", ("top5_error", 4.9, "%")),
    ("The perplexity of 4.67 on the development set is our best.", ("perplexity", 4.67, "")),
    ("The detector reaches 51.2% AP on the validation set.", ("ap", 51.2, "%")),
    # the metric earlier in the clause, a verb of achieving before the number
    ("Without warm-up, the BLEU score of the model trained with Adam can only achieve 8.45.", ("bleu", 8.45, "")),
    ("The layer normalization model obtains 82.09 nats on binarized MNIST.", ("nats", 82.09, "")),
    ("Order embeddings with LN reach an R@1 of 48.5 on caption retrieval.", ("recall", 48.5, "")),
    ("It reaches 3.12 bits/dim on CIFAR-10.", ("bits_per_dim", 3.12, "")),
    ("The 16B model reaches 0.74 bits per byte on the Pile.", ("bits_per_byte", 0.74, "")),
    # metrics of code, chat, segmentation, captioning and ranking
    ("The model achieves a pass@1 of 40.2% on HumanEval.", ("pass_at_k", 40.2, "%")),
    ("It reaches a win rate of 61.5% against the baseline.", ("win_rate", 61.5, "%")),
    ("The segmenter obtains 49.6 mIoU on ADE20K.", ("miou", 49.6, "")),
    ("Captions score a CIDEr of 120.3 on the test split.", ("cider", 120.3, "")),
    ("The ranker reaches an MRR of 38.1 on the dev set.", ("mrr", 38.1, "")),
    ("The recognizer reaches a character error rate of 4.1% on the test set.", ("cer", 4.1, "%")),
    # generative models' and regressors' metrics
    ("The flow model reaches 3.35 bpd on ImageNet 32x32.", ("bits_per_dim", 3.35, "")),
    ("Samples reach an Inception Score of 9.46 on CIFAR-10.", ("inception_score", 9.46, "")),
    ("Our decoder obtains an LPIPS of 0.112 on the test images.", ("lpips", 0.112, "")),
    ("The regressor reaches an RMSE of 0.56 on the held-out split.", ("rmse", 0.56, "")),
    ("Predicted and true rankings agree with a Kendall's tau of 0.71.", ("correlation", 0.71, "")),
    # a metric a few words before its verb; an average score
    ("Perplexity on the held-out validation set is 3.96 for the small model.", ("perplexity", 3.96, "")),
    ("Our largest model achieves an average score of 68.9 across the benchmarks.", ("score", 68.9, "")),
])
def test_results_in_sentences(sentence, expected):
    found = from_sentences(3, sentence, False)
    assert (found[0].metric, found[0].value, found[0].unit) == expected


@pytest.mark.parametrize(("sentence", "expected"), [
    ("Our sampler generates images 3.5\u00d7 faster than the baseline.", [(3.5, "")]),
    ("Raters preferred our outputs 72 \u00b1 2% of the time over the baseline's.", [(72.0, "%")]),
    ("It reduces the number of training steps by over 30% compared with SGD.", [(30.0, "%")]),
    ("The model needs only about 60% of the compute of a dense one.", [(60.0, "%")]),
    # a procedure or a description, compared with nothing: not a claim
    ("We mask a token 80% of the time and keep it 10% of the time.", []),
    ("It increases the number of parameters by 25%.", []),
    ("It exceeds the Transformer on all 12 tasks (+2.65 points on average).", [(2.65, "")]),
    ("A hybrid model outperforms Transformers on OpenWebText by 1.0 PPL.", [(1.0, "")]),
    # an aside between the number and what it compares
    ("It matches the dense model using only 40.5% (perhaps even 30%) of computations.", [(40.5, "%")]),
    # a range: both its bounds
    ("The new optimizer needs 20\u201330% fewer steps than AdamW.", [(30.0, "%"), (20.0, "%")]),
    ("Decoding runs 2-3\u00d7 faster than the baseline.", [(3.0, ""), (2.0, "")]),
    # a gain or a drop in points or a metric's units, and each of a list of them; not one in % of something
    ("These results are gains of 1.34 and 1.12 BLEU over the best published models.", [(1.34, ""), (1.12, "")]),
    ("We see an improvement of 2.1 points on average.", [(2.1, "")]),
    ("Near 30% of the data, a decrease of 1% of training data slows learning.", []),
    # a list of gains, each for a model; a factor, and a range of factors
    ("Swapping the activation improves top-1 accuracy on ImageNet by 0.9% for Model-A and 0.6% for Model-B.",
     [(0.9, "%"), (0.6, "%")]),
    ("It reduces the number of training steps needed by a factor of 4 to 20.", [(4.0, ""), (20.0, "")]),
    ("Our method achieves a speedup of 2.5x over the dense baseline.", [(2.5, "")]),
    ("The quantized model retains 98.5% of the full-precision accuracy.", [(98.5, "%")]),
    ("With only 40% of the training compute, our model reaches the same loss.", [(40.0, "%")]),
    ("The new model reaches the same accuracy 4 to 20 times faster.", [(20.0, ""), (4.0, "")]),
    ("Our method closes 60% of the gap between the small and the large model.", [(60.0, "%")]),
    # a difference in points before what it is
    ("The method yields a 4.5 point gain in ROUGE-L on CNN/DailyMail.", [(4.5, "")]),
    ("On MMLU the hybrid model is 3.5 points higher than the Transformer.", [(3.5, "")]),
    ("We sample 100 points uniformly from the curve.", []),
])
def test_relative_claims_as_abstracts_state_them(sentence, expected):
    found = [f for f in from_sentences(1, sentence, True) if f.metric == "relative"]
    assert [(f.value, f.unit) for f in found] == expected


@pytest.mark.parametrize(("sentence", "expected"), [
    # a list's numbers share the metric one of them names; "respectively" pairs them with benchmarks
    ("We achieve 84.3% and 91.2% top-1 accuracy on ImageNet and CIFAR-10, respectively.",
     {(84.3, "top1_accuracy", "ImageNet"), (91.2, "top1_accuracy", "CIFAR-10")}),
    ("The model obtains an accuracy of 84.3% and 91.2% on ImageNet and CIFAR-10, respectively.",
     {(84.3, "accuracy", "ImageNet"), (91.2, "accuracy", "CIFAR-10")}),
    ("The two models achieved test perplexity of 31.3 and 28.0 respectively.",
     {(31.3, "perplexity", ""), (28.0, "perplexity", "")}),
    # without "respectively" neither benchmark is established; two metrics named: no sharing
    ("We obtain 84.3% and 91.2% top-1 accuracy on ImageNet and CIFAR-10.",
     {(84.3, "top1_accuracy", ""), (91.2, "top1_accuracy", "")}),
    ("Its BLEU score and validation loss can reach around 34 and 4.", {(34.0, "bleu", "")}),
    # metrics in the plural; "the top-1 and top-5 errors" are one of each, in order
    ("The top-1 accuracies are 76.1% and 77.3%.", {(76.1, "top1_accuracy", ""), (77.3, "top1_accuracy", "")}),
    ("Test errors are 6.4% and 27.2% on CIFAR-10 and CIFAR-100 respectively.",
     {(6.4, "error", "CIFAR-10"), (27.2, "error", "CIFAR-100")}),
    ("The top-1 and top-5 errors are 33.82% and 13.34% on ImageNet.",
     {(33.82, "top1_error", "ImageNet"), (13.34, "top5_error", "ImageNet")}),
    # top-1 and top-5 said after the numbers, or each after its own with the metric said once
    ("It reaches 76.1% and 92.9% top-1 and top-5 accuracy on ImageNet.",
     {(76.1, "top1_accuracy", "ImageNet"), (92.9, "top5_accuracy", "ImageNet")}),
    ("On ImageNet it achieves 82.1% top-1 and 95.4% top-5 accuracy.",
     {(82.1, "top1_accuracy", "ImageNet"), (95.4, "top5_accuracy", "ImageNet")}),
    ("The ensemble has 3.57% and 0.9% top-5 and top-1 error.", {(3.57, "top5_error", ""), (0.9, "top1_error", "")}),
    # words that start like a metric's name are none: "were" (WER), "accompanied", "according"
    ("Of these, 2 were spurious matches and 5 prompts were selected.", set()),
    ("Each class is accompanied by a row of 13 images, according to 3 annotators.", set()),
    # a list whose items each say what they are on; a result a drop reaches; a share "with" on a benchmark
    ("We achieve a perplexity of 37.2 on WikiText-103 and 31.9 on the One Billion Word benchmark.",
     {(37.2, "perplexity", "WikiText-103"), (31.9, "perplexity", "One Billion Word")}),
    ("The error rate drops from 25.3% to 23.7% with our initialization.", {(23.7, "error", "")}),
    ("Our model beats the baseline on most benchmarks, with 70.6% on MMLU.", {(70.6, "score", "MMLU")}),
    ("Our 7B model beats the 13B baseline, scoring 63.4 on MMLU and 52.1 on GSM8K.",
     {(63.4, "score", "MMLU"), (52.1, "score", "GSM8K")}),
])
def test_a_lists_numbers_share_its_metric_and_pair_with_benchmarks_respectively(sentence, expected):
    assert {(f.value, f.metric, f.dataset) for f in from_sentences(3, sentence, False)} == expected


def test_two_shares_set_against_each_other_are_both_results():
    found = from_sentences(3, "Our models make up information about half as often as GPT-3 (a 21% vs. 41% "
                              "hallucination rate, respectively), and reach 90.1% vs 85.3% accuracy.", False)
    assert {(f.value, f.metric, f.unit) for f in found} == {
        (21.0, "score", "%"), (41.0, "score", "%"), (90.1, "accuracy", "%"), (85.3, "accuracy", "%")}


def test_a_result_a_verb_gives_on_a_benchmark_is_a_score_on_it():
    """No metric named: "achieves 82.1% on ImageNet-1K" is a score on ImageNet; a share of a dataset
    or a setting on it, with no result verb, is none."""
    found = from_sentences(1, "Our model achieves 82.1% on ImageNet-1K and, scoring 70.6 on MMLU, beats it.", True)
    assert {(f.value, f.metric, f.dataset) for f in found} == {(82.1, "score", "ImageNet"), (70.6, "score", "MMLU")}
    assert from_sentences(1, "We hold out 20% on CIFAR-10 and train with 256 on ImageNet.", False) == []


def test_time_to_reach_a_threshold_is_not_a_result():
    assert from_sentences(1, "Training time required to reach 99% validation accuracy grows.", False) == []
    assert from_sentences(1, "The steps until validation accuracy > 99% grow quickly.", False) == []


def test_scale_direction_and_source_of_accepted_claims(candidates, tmp_path):
    bleu = from_sentences(1, "Our model achieves 28.4 BLEU on newstest2014.", True)
    from paperlab.replicate.suggest import rank

    (claim_bleu,) = claims_mod.parse(claims_mod.claim_toml(rank(bleu)[0], 1), tmp_path / "c.toml")
    assert claim_bleu.unit == "raw" and claim_bleu.kind == "bleu" and claim_bleu.direction == "higher"
    cell = next(c for c in candidates if c.value == 6.61 and c.source.startswith("Table"))
    (claim,) = claims_mod.parse(claims_mod.claim_toml(cell, 2), tmp_path / "c.toml")
    assert claim.unit == "percent" and claim.direction == "lower" and claim.reported_std == 0.16
    assert claim.kind == "error" and claim.model == "ResNet-110"
    assert claim.source.startswith("Table 6, row 'ResNet-110', column 'error (%)', p. 2, arXiv v2")


def test_accepting_the_same_candidate_twice_adds_it_once(lib, cli, tmp_path):
    pdf = table_paper(tmp_path / "paper.pdf")
    assert cli("add", str(pdf), "--no-lookup", "--title", "Deep Residual Learning on Small Images").exit_code == 0
    item = "deep-residual-learning-on-small-images"
    assert cli("replicate", "scaffold", item, "--template", "image-classification").exit_code == 0
    listing = json.loads(cli("replicate", "claims", "suggest", item, "--json").stdout)
    number = next(s["number"] for s in listing if s["value"] == 8.75)
    assert cli("replicate", "claims", "accept", item, str(number)).exit_code == 0
    again = cli("replicate", "claims", "accept", item, str(number))
    assert again.exit_code == 0 and "Added 0 claim(s)" in again.stdout and "1 already there" in again.stdout
    (claim,) = claims_mod.load(lib.replications_dir / item / "claims.toml")
    assert claim.reported == 8.75 and "Table 6, row 'ResNet-20'" in claim.source


@pytest.mark.skipif(not PAPERS.exists(), reason="../shared/data/papers is not beside the repository")
def test_real_papers_headline_numbers_are_proposed():
    expected = json.loads((PAPERS / "expected.json").read_text())
    total = hits = 0
    for arxiv_id, paper in expected.items():
        if arxiv_id.startswith("_"):
            continue
        found = suggest_pdf(PAPERS / f"{arxiv_id}.pdf")
        assert len(found) <= MAX_CANDIDATES
        for r in paper["reported"]:
            total += 1
            hits += any(c.value == pytest.approx(r["value"]) and c.page in r["pages"] for c in found)
    assert hits / total >= 0.9, (hits, total)


def test_candidates_past_the_first_40_are_counted_shown_with_all_and_accepted(lib, cli, tmp_path):
    import pymupdf

    doc = pymupdf.open()
    for p in range(3):  # 60 results, each its own sentence
        page = doc.new_page()
        for i in range(20):
            name = "x" * (i + 1) + "y" * (p + 1)  # lines that differ in words, not only in digits
            page.insert_text((72, 72 + 30 * i), f"Setting {name} reaches {30 + p * 20 + i}.5% accuracy "
                             "on the test set.", fontsize=9)
    doc.save(tmp_path / "many.pdf")
    assert cli("add", str(tmp_path / "many.pdf"), "--no-lookup", "--title", "Many Results").exit_code == 0
    item = "many-results"
    assert cli("replicate", "scaffold", item, "--template", "image-classification").exit_code == 0
    everything = json.loads(cli("replicate", "claims", "suggest", item, "--json", "--all").stdout)
    shown = json.loads(cli("replicate", "claims", "suggest", item, "--json").stdout)
    assert len(everything) > MAX_CANDIDATES == len(shown)
    assert shown == everything[:MAX_CANDIDATES]  # the same numbers either way
    table = cli("replicate", "claims", "suggest", item).stdout
    assert f"{len(everything) - MAX_CANDIDATES} more candidate(s) rank below these: `--all` shows every one" in table
    last = everything[-1]["number"]
    added = cli("replicate", "claims", "accept", item, str(last))
    assert added.exit_code == 0 and "Added 1 claim(s)" in added.stdout


def test_tables_as_rows_and_columns_with_std_percent_and_bold(lib, cli, tmp_path):
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 80), "Results on two benchmarks.", fontsize=10)
    page.insert_text((200, 110), "top-1 acc. (%)", fontsize=9)
    page.insert_text((300, 110), "F1", fontsize=9)
    for i, (name, acc, f1) in enumerate([("Baseline", "71.2", "80.1±0.3"), ("Ours", "74.9", "83.4±0.2")]):
        page.insert_text((72, 124 + 12 * i), name, fontsize=9)
        page.insert_text((200, 124 + 12 * i), acc, fontsize=9, fontname="hebo" if name == "Ours" else "helv")
        page.insert_text((300, 124 + 12 * i), f1, fontsize=9)
    caption = "Table 2: Accuracy of each method on the two benchmarks, mean of three runs."
    page.insert_text((72, 160), caption, fontsize=9)
    doc.save(tmp_path / "t.pdf")
    assert cli("add", str(tmp_path / "t.pdf"), "--no-lookup", "--title", "Two Benchmarks").exit_code == 0
    item = json.loads(cli("log", "--json").stdout)[0]["id"]
    r = cli("replicate", "tables", item, "--json")
    assert r.exit_code == 0, r.stderr
    (t,) = json.loads(r.stdout)
    assert (t["number"], t["page"], t["metric"]) == ("2", 1, "accuracy")
    assert t["columns"] == ["top-1 acc. (%)", "F1"]
    assert [row["label"] for row in t["rows"]] == ["Baseline", "Ours"]
    ours = t["rows"][1]["cells"]
    assert (ours[0]["value"], ours[0]["bold"]) == (74.9, True) and t["rows"][0]["cells"][0]["bold"] is False
    assert (ours[1]["value"], ours[1]["std"]) == (83.4, 0.2)
    csv_lines = cli("replicate", "tables", item, "--csv").stdout.splitlines()
    assert csv_lines[0] == "table,page,row,column,text,value,std,percent,bold"
    assert "2,1,Ours,top-1 acc. (%),74.9,74.9,,0,1" in csv_lines
    shown = cli("replicate", "tables", item)
    assert shown.exit_code == 0 and "Table 2, p. 1 (accuracy)" in shown.stdout and "74.9" in shown.stdout


def test_a_number_in_brackets_after_a_cell_is_its_aside_not_a_cell(tmp_path):
    """'1.997 (0.005)': the spread over runs is said of its neighbour; it is neither a column of the
    table nor a candidate number."""
    import pymupdf

    from paperlab.replicate.tables import read_tables

    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((200, 100), "65,536 steps", fontsize=9)
    page.insert_text((300, 100), "524,288 steps", fontsize=9)
    for i, (name, short, spread, long) in enumerate([("ReLU", "1.997", "(0.005)", "1.677"),
                                                      ("SwiGLU", "1.944", "(0.010)", "1.636")]):
        page.insert_text((72, 114 + 12 * i), name, fontsize=9)
        page.insert_text((200, 114 + 12 * i), f"{short} {spread}", fontsize=9)
        page.insert_text((300, 114 + 12 * i), long, fontsize=9)
    page.insert_text((72, 150), "Table 1: Held-out log-perplexity of each variant, after 65,536 and 524,288 steps.",
                     fontsize=9)
    doc.save(tmp_path / "t.pdf")
    (table,) = read_tables(tmp_path / "t.pdf")
    assert table.columns == ["65,536 steps", "524,288 steps"]
    assert [(c.text, c.value) for c in table.rows[1].cells] == [("1.944 (0.010)", 1.944), ("1.636", 1.636)]
    values = {s.value for s in suggest_pdf(tmp_path / "t.pdf", limit=None)}
    assert {1.997, 1.944, 1.677, 1.636} <= values and not values & {0.005, 0.01}


def test_a_header_of_settings_is_a_header_not_a_row_of_values(tmp_path):
    """'N = 1 N = 2' over the columns, set tight as one phrase: each setting heads its column, and
    its numbers are neither a row nor candidates."""
    import pymupdf

    from paperlab.replicate.tables import read_tables

    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 100), "Model", fontsize=9)
    page.insert_text((180, 100), "N = 1 N = 2 N = 4", fontsize=9)  # one phrase: word gaps only
    for i, (name, cells) in enumerate([("Baseline", ("0.91", "0.77", "0.52")), ("Ours", ("0.99", "0.93", "0.88"))]):
        page.insert_text((72, 114 + 12 * i), name, fontsize=9)
        for x, text in zip((182, 206, 230), cells, strict=True):  # under each "N = n"
            page.insert_text((x, 114 + 12 * i), text, fontsize=9)
    page.insert_text((72, 150), "Table 3: Retrieval accuracy with N needles in the context.", fontsize=9)
    doc.save(tmp_path / "t.pdf")
    (table,) = read_tables(tmp_path / "t.pdf")
    assert table.columns == ["N = 1", "N = 2", "N = 4"]
    assert [r.label for r in table.rows] == ["Baseline", "Ours"]
    values = {s.value for s in suggest_pdf(tmp_path / "t.pdf", limit=None)}
    assert {0.99, 0.93, 0.88} <= values and not values & {1.0, 2.0, 4.0}


def _centred(page, centre: float, y: float, text: str) -> None:
    import pymupdf

    page.insert_text((centre - pymupdf.get_text_length(text, fontsize=9) / 2, y), text, fontsize=9)


def test_headers_set_tight_over_their_columns_head_each_and_rates_in_e_notation_are_cells(tmp_path):
    """'# Layers Hidden Size Learning Rate' set as one phrase, each piece centred over its column,
    heads the three columns (and so the table gives settings), with 6.0e-4 a cell of its own; a
    phrase centred over two columns ('Attention to Answer') spans them."""
    import pymupdf

    from paperlab.replicate.settings import settings
    from paperlab.replicate.tables import read_tables

    doc = pymupdf.open()
    page = doc.new_page()
    centres = (200.0, 244.0, 299.0)  # the header pieces "# Layers", "Hidden Size", "Learning Rate" a space apart
    for centre, text in zip(centres, ("# Layers", "Hidden Size", "Learning Rate"), strict=True):
        _centred(page, centre, 100, text)
    for i, row in enumerate([("Small", "12", "768", "6.0e-4"), ("Large", "24", "1024", "3.0e-4")]):
        page.insert_text((72, 114 + 12 * i), row[0], fontsize=9)
        for centre, text in zip(centres, row[1:], strict=True):
            _centred(page, centre, 114 + 12 * i, text)
    page.insert_text((72, 150), "Table 4: Model configurations and training hyper-parameters of both sizes.",
                     fontsize=9)
    _centred(page, 235, 200, "Attention to Answer")
    for i, (a, b) in enumerate([("0.31", "0.72"), ("0.44", "0.81")]):
        page.insert_text((72, 214 + 12 * i), ("Transformer", "Ours")[i], fontsize=9)
        _centred(page, 220, 214 + 12 * i, a)
        _centred(page, 250, 214 + 12 * i, b)
    page.insert_text((72, 250), "Table 5: Attention scores allocated to the answer span and to noise.", fontsize=9)
    doc.save(tmp_path / "t.pdf")
    setup, scores = read_tables(tmp_path / "t.pdf")
    assert setup.columns == ["# Layers", "Hidden Size", "Learning Rate"]
    assert [(c.text, c.value) for c in setup.rows[0].cells] == [("12", 12.0), ("768", 768.0), ("6.0e-4", 0.0006)]
    assert {(h.name, h.value, h.setup) for h in settings([setup])} == {
        ("n_layers", 12.0, "Small"), ("d_model", 768.0, "Small"), ("learning_rate", 0.0006, "Small"),
        ("n_layers", 24.0, "Large"), ("d_model", 1024.0, "Large"), ("learning_rate", 0.0003, "Large")}
    assert scores.columns == ["Attention to Answer", "Attention to Answer"]


def test_large_counts_and_magnitudes_are_cells_and_the_labels_header_is_not_a_columns(tmp_path):
    """A configuration table's '32,000', '14336' and '7B' are cells (not a row label's words), and
    '# Shot' set tight before the columns' centred headers heads the labels, not the first column."""
    import pymupdf

    from paperlab.replicate.settings import settings
    from paperlab.replicate.tables import read_tables

    doc = pymupdf.open()
    page = doc.new_page()
    centres = (200.0, 260.0, 320.0, 380.0)
    page.insert_text((72, 100), "Model", fontsize=9)
    for centre, text in zip(centres, ("Vocab size", "FFN dim", "Params", "Steps"), strict=True):
        _centred(page, centre, 100, text)
    for i, row in enumerate([("Small", "32,000", "14336", "7B", "500000"),
                             ("Large", "50,257", "28672", "1.3T", "1000000")]):
        page.insert_text((72, 114 + 12 * i), row[0], fontsize=9)
        for centre, text in zip(centres, row[1:], strict=True):
            _centred(page, centre, 114 + 12 * i, text)
    page.insert_text((72, 150), "Table 2: Configurations of the two models we train, with their sizes and lengths.",
                     fontsize=9)
    header, x = "# Shot Base 7B Ours 16B", 150.0  # one run of words: "# Shot" over the labels' column
    page.insert_text((x, 200), header, fontsize=9)
    width = functools.partial(pymupdf.get_text_length, fontsize=9)
    middles = [x + width(header[:header.index(piece)]) + width(piece) / 2 for piece in ("Base 7B", "Ours 16B")]
    for i, (label, *cells) in enumerate([("MMLU 5-shot", "45.8", "45.0"), ("GSM8K 8-shot", "15.5", "18.8")]):
        page.insert_text((72, 214 + 12 * i), label, fontsize=9)
        for middle, text in zip(middles, cells, strict=True):
            _centred(page, middle, 214 + 12 * i, text)
    page.insert_text((72, 250), "Table 3: Accuracy of the two models.", fontsize=9)
    doc.save(tmp_path / "t.pdf")
    config, scores = read_tables(tmp_path / "t.pdf")
    assert config.columns == ["Vocab size", "FFN dim", "Params", "Steps"]
    assert [c.value for c in config.rows[1].cells] == [50257.0, 28672.0, 1.3e12, 1e6]
    assert {(h.name, h.value) for h in settings([config]) if h.setup == "Small"} == {
        ("vocab_size", 32000.0), ("d_ff", 14336.0), ("steps", 500000.0)}  # a size in parameters is no setting
    assert scores.columns == ["Base 7B", "Ours 16B"]


def test_a_header_phrase_over_columns_whose_centres_lie_elsewhere_is_kept_whole():
    """Values whose centres chain into one wide column (each within 10 points of the next) leave a
    tight header phrase no column centres under it: it stays one phrase (this raised ValueError)."""
    from paperlab.replicate.headers import column_headers
    from paperlab.replicate.layout import Word

    header = [Word(100, 90, 118, 99, "Hidden"), Word(120, 90, 138, 99, "Size")]
    rows = [header] + [[Word(x - 4, 100 + y, x + 4, 109 + y, "12")] for y, x in enumerate(range(6, 142, 9), start=1)]
    values = [[]] + [[0]] * (len(rows) - 1)  # one chained column, its middle (73.5) far left of the phrase
    assert [[w.text for w in r] for r in column_headers(rows, values)] == [["Hidden Size"]]


def test_tables_of_an_item_without_a_pdf_is_a_one_line_error(lib, cli):
    assert cli("add", "https://example.org/post", "--title", "A blog post", "--no-lookup").exit_code == 0
    item = json.loads(cli("log", "--json").stdout)[0]["id"]
    r = cli("replicate", "tables", item)
    assert r.exit_code != 0 and r.stderr.startswith("Error:") and len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(("bad", "said"), [("encrypted-user-password.pdf", "encrypted"),
                                           ("unopenable.pdf", "cannot be opened"), ("truncated.pdf", "no readable")])
def test_a_pdf_damaged_after_it_was_added_is_a_one_line_error_for_every_reader(lib, cli, tmp_path, bad, said):
    """The library's copy replaced by a damaged or encrypted file: tables, claims and the setup each
    say what is wrong with it in one line, no traceback."""
    import pymupdf

    from tests.conftest import BAD_PDFS

    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "A short paper about learning rates.", fontsize=9)
    doc.save(tmp_path / "p.pdf")
    assert cli("add", str(tmp_path / "p.pdf"), "--no-lookup", "--title", "Short").exit_code == 0
    item = json.loads(cli("log", "--json").stdout)[0]
    (lib.home / item["pdf_path"]).write_bytes((BAD_PDFS / bad).read_bytes())
    for command in (["tables"], ["claims", "suggest"], ["hparams"]):
        r = cli("replicate", *command, item["id"])
        assert r.exit_code != 0 and r.stderr.startswith("Error:") and said in r.stderr, (command, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1


def test_a_table_below_a_caption_of_several_lines(tmp_path):
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    caption = ("Table 4: Perplexity on the held-out set of each feed-forward variant, after 65k steps\n"
               "of pre-training with the same budget of parameters and computation; lower is better,\n"
               "and the variants with a gate come first, as in the text above the table.")
    page.insert_text((72, 80), caption, fontsize=9)  # one block of three lines; the table begins 36 pt below
    page.insert_text((300, 116), "perplexity", fontsize=9)
    for i, (name, value) in enumerate([("FFN-ReLU", "1.997"), ("FFN-GEGLU", "1.942"), ("FFN-SwiGLU", "1.944")]):
        page.insert_text((72, 128 + 12 * i), name, fontsize=9)
        page.insert_text((300, 128 + 12 * i), value, fontsize=9)
    doc.save(tmp_path / "t.pdf")
    cells = {c.value: c.source for c in suggest_pdf(tmp_path / "t.pdf") if c.source.startswith("Table 4")}
    assert cells == {1.997: "Table 4, row 'FFN-ReLU', column 'perplexity'",
                     1.942: "Table 4, row 'FFN-GEGLU', column 'perplexity'",
                     1.944: "Table 4, row 'FFN-SwiGLU', column 'perplexity'"}


def test_a_caption_whose_formula_puts_its_next_line_in_another_block(tmp_path):
    """A caption's line with a root sign and a superscript is taller than its others and lies in a
    block of its own, with two numbers of a formula (Adafactor's Table 2): still the caption's, and
    the table under it is read."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 80), "Table 2: BLEU of each schedule on the test set, with and without a warmup. For "
                     "the tests", fontsize=9)
    page.insert_text((72, 91), "with warmup the step size is min(10-6 t,", fontsize=9)
    page.insert_text((232, 87), "1", fontsize=5)  # the superscript over a root sign
    page.insert_text((231, 95), "v", fontsize=13)
    page.insert_text((240, 93), "t); without it, it is 10-2 t.", fontsize=9)
    rows = [("", "BLEU with warmup", "BLEU no warmup"), ("(A) cosine", "25.6", "0.1"),
            ("(B) linear", "25.4", "23.1"), ("(C) constant", "24.9", "22.0")]
    for i, (name, a, b) in enumerate(rows):
        for x, text in ((72, name), (250, a), (340, b)):
            page.insert_text((x, 120 + 12 * i), text, fontsize=9)
    doc.save(tmp_path / "t.pdf")
    cells = {(c.value, c.source) for c in suggest_pdf(tmp_path / "t.pdf") if c.source.startswith("Table 2")}
    assert (23.1, "Table 2, row '(B) linear', column 'BLEU no warmup'") in cells
    assert {value for value, _ in cells} == {25.6, 0.1, 25.4, 23.1, 24.9, 22.0}  # none of the formula's


def _table_page(doc, running: str, page_number: int) -> None:  # type: ignore[no-untyped-def]
    page = doc.new_page()
    page.insert_text((150, 40), running, fontsize=8)  # the running head, on every page
    page.insert_text((300, 770), str(page_number), fontsize=8)  # the page number
    return page


def test_table_layouts_read_from_real_papers(tmp_path):
    """What real papers' tables do (GPT-2, the sparsely-gated MoE, DeepSeekMoE, Pre-LN): a running
    head just over a table, a number in a header ("10 epochs"), two headers set tight over two
    columns, a metric named by the row, settings beside a metric's column, a plot's ticks below."""
    import pymupdf

    doc = pymupdf.open()
    for n in (1, 2):
        _table_page(doc, "Language Models are Multitask Learners", n).insert_text(
            (72, 100), "Prose of the paper, which goes on and on about nothing in particular.", fontsize=9)
    page = _table_page(doc, "Language Models are Multitask Learners", 3)
    words = [(72, 58, "Model"), (245, 58, "Test"), (295, 58, "Test"),
             (240, 68, "Perplexity BLEU"),  # set tight, a word over each column
             (240, 78, "10 epochs"), (296, 78, "100 epochs"),
             (72, 90, "Small"), (245, 90, "34.7"), (295, 90, "30.6"), (72, 100, "Large"), (245, 100, "28.0"),
             (295, 100, "24.1"),
             (72, 122, "Table 1: Perplexity and BLEU of two models on the test set, trained longer."),
             # a table whose columns are models and whose rows name the metric, over a plot's axis
             (72, 200, "Table 2: Loss of each model in the validation experiments."),
             (72, 215, "Metric"), (200, 215, "Dense"), (260, 215, "Ours"),
             (72, 227, "Pile (Loss)"), (200, 227, "2.060"), (260, 227, "1.808"),
             # a metric's column beside settings: the caption's metric is not theirs
             (72, 400, "Table 3: Variations; perplexity and BLEU on the development set."),
             (150, 415, "N"), (200, 415, "dropout"), (260, 415, "PPL"), (300, 415, "BLEU")]
    for i, row in enumerate([("base", "6", "0.1", "4.92", "25.8"), ("big", "6", "0.3", "4.33", "26.4")]):
        words += [(x, 427 + 10 * i, text) for x, text in zip((72, 150, 200, 260, 300), row, strict=True)]
    for x, y, text in words:
        page.insert_text((x, y), text, fontsize=9)
    for i, tick in enumerate(["20", "15", "10", "5"]):  # the y axis of a figure under Table 2
        page.insert_text((275 - pymupdf.get_text_length(tick, fontsize=7), 245 + 12 * i), tick, fontsize=7)
    doc.save(tmp_path / "t.pdf")
    with pymupdf.open(tmp_path / "t.pdf") as saved:  # the running head, 18 points over the table, is no row of it
        running = running_lines([page_blocks(p) for p in saved])
        rows = [w.text for _, _, region in table_regions(saved[2], running) for r in region for w in r]
    assert "Model" in rows and "Learners" not in rows and "3" not in rows
    cells = {(c.value, c.source) for c in suggest_pdf(tmp_path / "t.pdf", limit=None) if c.page == 3}
    assert cells == {
        (34.7, "Table 1, row 'Small', column 'Test Perplexity 10 epochs'"),
        (30.6, "Table 1, row 'Small', column 'Test BLEU 100 epochs'"),
        (28.0, "Table 1, row 'Large', column 'Test Perplexity 10 epochs'"),
        (24.1, "Table 1, row 'Large', column 'Test BLEU 100 epochs'"),
        (2.06, "Table 2, row 'Pile (Loss)', column 'Dense'"),
        (1.808, "Table 2, row 'Pile (Loss)', column 'Ours'"),
        (4.92, "Table 3, row 'base 6 0.1', column 'PPL'"), (25.8, "Table 3, row 'base 6 0.1', column 'BLEU'"),
        (4.33, "Table 3, row 'big 6 0.3', column 'PPL'"), (26.4, "Table 3, row 'big 6 0.3', column 'BLEU'"),
    }


def test_the_appendix_ranks_below_the_body(tmp_path):
    """A table after the references (an appendix's ablation) ranks a point lower than one in the body."""
    import pymupdf

    doc = pymupdf.open()
    for caption, rows in (("Table 1: Accuracy (%) of the two models on the test set of the benchmark.",
                           [("Base", "70.0"), ("Large", "80.0")]),
                          ("Table 2: Accuracy (%) of one more model on the test set of the benchmark.",
                           [("Huge", "90.0")])):
        page = doc.new_page()
        if caption.startswith("Table 2"):
            page.insert_text((72, 300), "References", fontsize=11)
            page.insert_text((72, 320), "[1] A. Author. A paper. 2020.", fontsize=9)
            page = doc.new_page()
        page.insert_text((300, 72), "accuracy", fontsize=9)
        for i, (name, value) in enumerate(rows):
            page.insert_text((72, 86 + 12 * i), name, fontsize=9)
            page.insert_text((300, 86 + 12 * i), value, fontsize=9)
        page.insert_text((72, 110), caption, fontsize=9)
    doc.save(tmp_path / "t.pdf")
    ranked = [(c.value, c.page) for c in suggest_pdf(tmp_path / "t.pdf") if c.source.startswith("Table")]
    assert ranked == [(80.0, 1), (70.0, 1), (90.0, 3)]  # without the appendix's point: 80, 90, 70


def test_an_average_over_tasks_ranks_above_one_task():
    from paperlab.replicate.suggest import Found, rank

    def cell(value: float, column: str) -> Found:
        return Found(value, "%", None, "accuracy", False, 4, "", f"Table 1, row 'Ours', column '{column}'")

    ranked = rank([cell(71.3, "PIQA"), cell(60.6, "Avg"), cell(48.2, "ARC-C")])
    assert [s.value for s in ranked] == [60.6, 71.3, 48.2]  # each best in its column; the average first


def test_the_papers_own_method_ranks_above_baselines():
    from paperlab.replicate.suggest import Found, own_names, rank

    own = own_names("YOLOv7: Trainable Bag-of-Freebies for Real-Time Detectors",
                    "Detectors matter. We introduce the Byte Latent Transformer (BLT), which beats GPT-3 on "
                    "every task. GPT-3 was trained on 300B tokens.")
    assert own == {"YOLOv7", "BLT", "GPT-3"}  # the title's names, and those of the sentence coining one

    def cell(value: float, row: str, column: str) -> Found:
        return Found(value, "%", None, "ap", False, 7, "", f"Table 2, row '{row}', column '{column}'", model=row)

    found = [cell(51.2, "YOLOR-CSP", "AP val"), cell(51.4, "YOLOv7-E6", "AP test"), cell(40.1, "Ours", "AP small")]
    assert [s.value for s in rank(found, own={"YOLOv7"})] == [51.4, 40.1, 51.2]
    assert [s.value for s in rank(found)] == [40.1, 51.2, 51.4]  # "ours" alone


def test_four_digit_values_are_cells_and_years_are_not(tmp_path):
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((200, 72), "perplexity", fontsize=9)
    page.insert_text((300, 72), "year", fontsize=9)
    for i, (name, ppl, year) in enumerate([("unigram", "1542.3", "2015"), ("LSTM", "82.7", "2016")]):
        page.insert_text((72, 86 + 12 * i), name, fontsize=9)
        page.insert_text((200, 86 + 12 * i), ppl, fontsize=9)
        page.insert_text((300, 86 + 12 * i), year, fontsize=9)
    page.insert_text((72, 116), "Table 1: Test perplexity of each model on the benchmark, by year.", fontsize=9)
    doc.save(tmp_path / "t.pdf")
    assert {c.value for c in suggest_pdf(tmp_path / "t.pdf") if c.source.startswith("Table")} == {1542.3, 82.7}


@pytest.mark.parametrize(("rows", "metrics"), [
    ([("ResNet", "24.27", "7.38"), ("Ours", "21.59", "5.71")], {"top1_error", "top5_error"}),  # top-1 the larger
    ([("ResNet", "75.7", "92.6"), ("Ours", "78.4", "94.1")], {"top1_accuracy", "top5_accuracy"}),
])
def test_columns_headed_top_1_and_top_5_alone_are_errors_or_accuracies_by_their_values(tmp_path, rows, metrics):
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((200, 72), "top-1", fontsize=9)
    page.insert_text((260, 72), "top-5", fontsize=9)
    for i, (name, one, five) in enumerate(rows):
        page.insert_text((72, 86 + 12 * i), name, fontsize=9)
        page.insert_text((200, 86 + 12 * i), one, fontsize=9)
        page.insert_text((260, 86 + 12 * i), five, fontsize=9)
    page.insert_text((72, 116), "Table 6. The single-model results for the ImageNet 2012 validation set.", fontsize=9)
    doc.save(tmp_path / "t.pdf")
    found = [c for c in suggest_pdf(tmp_path / "t.pdf") if c.source.startswith("Table")]
    assert {c.metric for c in found} == metrics and len(found) == 4
    assert all(c.lower == c.metric.endswith("error") for c in found)


def test_the_introductions_findings_rank_above_later_text(tmp_path):
    import pymupdf

    doc = pymupdf.open()
    for lines in (["A Study of Small Models", "Abstract", "We study small models on one benchmark.",
                   "1 Introduction", "Small models are cheap to train and to study.",
                   "Our model reaches 71.3% accuracy on the benchmark."],
                  ["2 Related Work", "Prior work reaches 65.2% accuracy on the benchmark.",
                   "A later variant reaches 66.0% accuracy on the benchmark."]):
        page = doc.new_page()
        for i, line in enumerate(lines):
            page.insert_text((72, 80 + 40 * i), line, fontsize=10)
    doc.save(tmp_path / "intro.pdf")
    ranked = suggest_pdf(tmp_path / "intro.pdf")
    assert [(s.value, s.source) for s in ranked] == [(71.3, "intro"), (65.2, "text"), (66.0, "text")]


def test_an_introductions_number_ranks_above_a_plain_table_cell_and_later_text():
    from paperlab.replicate.suggest import Found, rank

    intro = Found(71.3, "%", None, "accuracy", False, 3, "", "intro")
    text = Found(65.2, "%", None, "accuracy", False, 2, "", "text")
    cell = Found(64.0, "%", None, "accuracy", False, 2, "", "Table 1, row 'A', column 'Acc'")
    best = Found(69.0, "%", None, "accuracy", False, 2, "", "Table 1, row 'B', column 'Acc'")
    # the best of a column first (a table's 1.5 and 1 for the best), then the introduction's (2)
    assert [s.value for s in rank([text, cell, best, intro])] == [69.0, 71.3, 64.0, 65.2]


def test_ieee_tables_numbered_in_roman_are_read(tmp_path):
    import pymupdf

    from paperlab.replicate.tables import read_tables

    doc = pymupdf.open()
    page = doc.new_page()
    # an IEEE caption: its number in Roman, its text in capitals on the next line, the table below
    placed = [(72, 80, "TABLE II"), (72, 92, "ACCURACY OF EACH DETECTOR ON THE TEST SET"),
              (200, 112, "Accuracy (%)"), (72, 126, "Baseline"), (200, 126, "61.2"), (72, 138, "Ours"),
              (200, 138, "67.9")]
    for x, y, text in placed:
        page.insert_text((x, y), text, fontsize=9)
    doc.save(tmp_path / "ieee.pdf")
    (table,) = read_tables(tmp_path / "ieee.pdf")
    assert (table.number, [r.label for r in table.rows]) == ("II", ["Baseline", "Ours"])
    found = {(s.value, s.source) for s in suggest_pdf(tmp_path / "ieee.pdf")}
    assert (67.9, "Table II, row 'Ours', column 'Accuracy (%)'") in found


def _benchmark_table(path: Path, caption: str, columns: list[str],
                     rows: list[tuple[str, ...]]) -> Path:
    return _table_lines(path, [("", *columns), *rows], caption, x=160, step=60)


def test_a_results_table_of_benchmarks_that_names_no_metric_offers_scores(tmp_path):
    """Columns that are benchmarks (and their average) in a table of results: the cells are scores,
    the average first; a claim from one does not say which way is better."""
    caption = "Table 2: Zero-shot results of the 1B models on two benchmarks, and their average."
    pdf = _benchmark_table(tmp_path / "t.pdf", caption, ["PIQA", "HellaSwag", "Avg"],
                           [("Baseline-1B", "70.1", "52.3", "61.2"), ("Ours-1B", "71.9", "55.0", "63.45")])
    found = [s for s in suggest_pdf(pdf, limit=None) if s.source.startswith("Table")]
    assert {s.value for s in found} == {70.1, 52.3, 61.2, 71.9, 55.0, 63.45}
    assert {s.metric for s in found} == {"score"}
    assert found[0].value == 63.45 and found[0].source == "Table 2, row 'Ours-1B', column 'Avg'"
    (claim,) = claims_mod.parse(claims_mod.claim_toml(found[0], None), tmp_path / "c.toml")
    assert claim.kind == "other" and claim.direction == "equal"
    assert "which way is better is known" in claims_mod.claim_toml(found[0], None)


def test_benchmarks_as_rows_of_a_comparison_are_scores(tmp_path):
    pdf = _benchmark_table(tmp_path / "t.pdf", "Table 1: Comparison of flop-matched models trained on the same data.",
                           ["Llama", "Ours"], [("Arc-E", "77.6", "79.6"), ("PIQA", "80.1", "80.9")])
    found = {s.value: s.metric for s in suggest_pdf(pdf, limit=None) if s.source.startswith("Table")}
    assert found == {77.6: "score", 79.6: "score", 80.1: "score", 80.9: "score"}


@pytest.mark.parametrize(("caption", "columns"), [
    ("Table 6: Percentage of test 8-grams found in the training sets.", ["PTB", "WikiText-2", "enwik8"]),  # no results
    ("Table 3: Results of the models of each size we trained.", ["Layers", "Heads", "Width"]),  # not benchmarks
])
def test_benchmark_columns_outside_results_and_columns_of_settings_hold_no_scores(tmp_path, caption, columns):
    from paperlab.replicate.tables import read_tables

    pdf = _benchmark_table(tmp_path / "t.pdf", caption, columns, [("small", "2.67", "0.66", "7.50")])
    (table,) = read_tables(pdf)
    assert table.columns == columns  # read, with its headers
    assert "score" not in {s.metric for s in suggest_pdf(pdf, limit=None)}


def test_a_results_table_whose_headers_name_nothing_known_offers_scores_the_bold_ones_first(tmp_path):
    """Columns that are neither a metric nor a benchmark paperlab knows, in a table the caption calls
    results: every cell is a score, and with no direction known the column's best is the cell the
    paper set in bold, not the largest."""
    caption = "Table 4: Results of the two models on our new tasks."
    pdf = _table_lines(tmp_path / "t.pdf", [("", "Synth-A", "Synth-B"), ("Model-A", "61.0", "40.2"),
                                            ("Model-B", "58.3", "44.9")], caption, x=160, step=60,
                       bold=frozenset({"58.3", "44.9"}))
    found = [s for s in suggest_pdf(pdf, limit=None) if s.source.startswith("Table")]
    assert {(s.value, s.metric) for s in found} == {(61.0, "score"), (40.2, "score"), (58.3, "score"), (44.9, "score")}
    assert {s.value for s in found[:2]} == {58.3, 44.9}
    plain = _table_lines(tmp_path / "plain.pdf", [("", "Synth-A"), ("Model-A", "58.3"), ("Model-B", "61.0")], caption,
                         x=160, step=60)
    # no bold, no direction: neither is the column's best, and they keep the table's order
    assert [s.value for s in suggest_pdf(plain, limit=None)] == [58.3, 61.0]
    # a table set mostly in bold marks no pick
    heavy = _table_lines(tmp_path / "heavy.pdf", [("", "Synth-A"), ("Model-A", "58.3"), ("Model-B", "61.0"),
                                                  ("Model-C", "62.0")], caption, x=160, step=60,
                         bold=frozenset({"61.0", "62.0"}))
    assert [s.value for s in suggest_pdf(heavy, limit=None)] == [58.3, 61.0, 62.0]


def test_columns_right_of_one_that_names_a_metric_hold_scores_and_those_left_of_it_settings(tmp_path):
    pdf = _table_lines(tmp_path / "t.pdf", [("", "Width", "Accuracy", "Robust-X"), ("Ours", "512", "76.1", "40.3")],
                       "Table 2: The width of each model, its accuracy, and its robustness to the shifts we made.",
                       x=160, step=60)
    found = {s.value: s.metric for s in suggest_pdf(pdf, limit=None) if s.source.startswith("Table")}
    assert found == {76.1: "accuracy", 40.3: "score"}


def test_a_cell_read_as_a_score_and_under_its_metric_is_offered_once_under_the_metric():
    from paperlab.replicate.suggest import Found, rank

    read = [Found(56.2, "", None, metric, False, 15, "", f"Table 8, row 'Ours', column '{column}'")
            for metric, column in (("score", "Avg"), ("accuracy", "Avg accuracy"))]
    assert [(s.value, s.metric) for s in rank(read)] == [(56.2, "accuracy")]


def test_a_headers_subscripts_set_smaller_belong_to_the_header_not_to_a_row_of_values(tmp_path):
    """'AP' with 'val' above and '50' or '75' below, set small, the subscript's centre within the
    header's line: 'APval 50' and 'APval 75' head the columns, and 50 and 75 are no values."""
    import pymupdf

    from paperlab.replicate.tables import read_tables

    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 100), "Model", fontsize=9)
    for x, sub in ((200, "50"), (260, "75")):
        page.insert_text((x, 100), "AP", fontsize=10)
        page.insert_text((x + 13, 96), "val", fontsize=6)  # a superscript: joined to AP in one word
        page.insert_text((x + 13, 103.5), sub, fontsize=6)  # a subscript under it: a line of its own
    for y, row in ((116, ("YOLOv4", "64.9", "49.7")), (128, ("Ours", "69.7", "55.9"))):
        for x, text in zip((72, 200, 260), row, strict=True):
            page.insert_text((x, y), text, fontsize=9)
    page.insert_text((72, 150), "Table 2: Comparison with the state of the art on COCO test-dev.", fontsize=9)
    doc.save(tmp_path / "t.pdf")
    (table,) = read_tables(tmp_path / "t.pdf")
    assert [r.label for r in table.rows] == ["YOLOv4", "Ours"] and table.columns == ["APval 50", "APval 75"]
    values = {s.value for s in suggest_pdf(tmp_path / "t.pdf", limit=None) if s.source.startswith("Table")}
    assert values == {64.9, 49.7, 69.7, 55.9}


@pytest.mark.parametrize(("text", "named"), [
    ("WSC WIC RTE CB MultiRC ReCoRD", ["RTE", "WSC", "WiC", "MultiRC", "ReCoRD"]),
    ("OBQA", ["OpenBookQA"]), ("MATH", ["MATH"]), ("DROP F1", ["DROP"]), ("Kinetics-400", ["Kinetics"]),
    # the acronyms that are words name no benchmark in lower case
    ("we record the loss", []), ("Drop path", []), ("math reasoning", []), ("race", []),
])
def test_benchmarks_named_in_a_header_or_sentence(text, named):
    from paperlab.replicate.measures import datasets_in

    assert datasets_in(text) == named


def _table_lines(path: Path, lines: list[tuple[str, ...]], caption: str, x: float = 222, step: float = 90,
                 bold: frozenset[str] = frozenset()) -> Path:
    """A table set as lines of a name and its values (the first value at `x`, the next `step` points
    on, those in `bold` in a bold face; a Greek letter in a font that has it), above its caption."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    for i, (name, *values) in enumerate(lines):
        latin, _, greek = name.partition("β")
        page.insert_text((72, 100 + 12 * i), latin, fontsize=9)
        if _ == "β":
            page.insert_text((72 + pymupdf.get_text_length(latin, fontsize=9), 100 + 12 * i), "β" + greek,
                             fontsize=9, fontname="china-s")
        for k, value in enumerate(values):
            page.insert_text((x + step * k, 100 + 12 * i), value, fontsize=9,
                             fontname="hebo" if value in bold else "helv")
    page.insert_text((72, 106 + 12 * len(lines)), caption, fontsize=9)
    doc.save(path)
    return path


def test_a_table_of_settings_as_name_and_value_lines_reads_words_notation_pairs_and_lists(tmp_path):
    """Lines of a name and its value: an optimizer and a schedule in words, a rate in a paper's
    notation, a batch in millions, Adam's β pair, a slash list paired with the slash header over it;
    the header line and a cost line (complexity) give no setting."""
    from paperlab.replicate.settings import key_values
    from paperlab.replicate.tables import tables_and_lines

    pdf = _table_lines(tmp_path / "t.pdf", [
        ("config", "Model-S/M/L"), ("optimizer", "AdamW"), ("learning rate", "3.2 × 10-4"),
        ("weight decay", "0.05"), ("Adam β", "(0.9, 0.95)"), ("batch size", "4M"), ("lr schedule", "cosine decay"),
        ("stochastic depth", "0.1/0.4/0.5"), ("complexity (GFLOPs)", "4.5")],
        "Table 6: Training settings of the three model sizes, the same in every experiment.")
    ((table, lines),) = tables_and_lines(pdf)
    assert lines[1] == ["optimizer", "AdamW"]
    every = "Model-S/M/L"
    assert {(h.name, h.value, h.setup) for h in key_values(table, lines)} == {
        ("optimizer", "AdamW", every), ("learning_rate", 0.00032, every), ("weight_decay", 0.05, every),
        ("beta1", 0.9, every), ("beta2", 0.95, every), ("batch_size", 4e6, every), ("schedule", "cosine", every),
        ("drop_path", 0.1, "Model-S"), ("drop_path", 0.4, "M"), ("drop_path", 0.5, "L")}


def test_a_table_wider_than_its_short_centred_caption_keeps_its_labels_and_far_columns(tmp_path):
    """A caption of three words centred over a table of settings: the labels set flush left far from
    their values, a value column that starts left of the caption's reach and one right of it are
    the table's, and a label that names its setting in brackets ("(EMA)") names it."""
    import pymupdf

    from paperlab.replicate.settings import read

    doc = pymupdf.open()
    page = doc.new_page()
    caption = "Table 1: Model architecture."
    page.insert_text((297 - pymupdf.get_text_length(caption, fontsize=9) / 2, 90), caption, fontsize=9)
    rows = [("Parameter", "Small", "Base", "Large"), ("dim", "1024", "2048", "4096"), ("n_layers", "24", "28", "32"),
            ("context_len", "8192", "16384", "32768"), ("exp. mov. avg. (EMA)", "0.999", "0.9995", "0.9999")]
    for i, (label, *values) in enumerate(rows):
        page.insert_text((72, 110 + 12 * i), label, fontsize=9)
        for x, value in zip((200, 290, 395), values, strict=True):  # the last past the caption's reach
            page.insert_text((x, 110 + 12 * i), value, fontsize=9)
    page.insert_text((72, 200), " ".join(["We describe the training setup of our models below."] * 2), fontsize=9)
    doc.save(tmp_path / "t.pdf")
    assert {(h.name, h.value, h.setup) for h in read(tmp_path / "t.pdf")} == {
        (name, value, model) for model, values in (
            ("Small", (1024, 24, 8192, 0.999)), ("Base", (2048, 28, 16384, 0.9995)),
            ("Large", (4096, 32, 32768, 0.9999)))
        for name, value in zip(("d_model", "n_layers", "seq_len", "ema_decay"), values, strict=True)}


def test_a_value_with_its_unit_names_its_setting_and_the_table_line_is_no_sentence(tmp_path):
    """'Warmup  10k steps' is a warmup of 10,000 steps (not 10,000 steps of training, as the text
    reader alone would take the line), 'Warmup  5 epochs' one in epochs, 'Batch size  4M tokens' a
    batch in tokens."""
    from paperlab.replicate.settings import read

    pdf = _table_lines(tmp_path / "t.pdf", [
        ("Hyperparameter", "Value"), ("Warmup", "10k steps"), ("Batch size", "4M tokens"), ("Training", "300 epochs"),
        ("Weight decay", "0.1")], "Table 4: Training hyperparameters of the model, the same for every run we report.")
    assert {(h.name, h.value) for h in read(pdf)} == {
        ("warmup_steps", 10000.0), ("batch_size_tokens", 4e6), ("epochs", 300.0), ("weight_decay", 0.1)}


def test_a_grid_row_of_adams_betas_holding_one_number_is_no_setting():
    from paperlab.replicate.settings import settings
    from paperlab.replicate.tables import Cell, Row, Table

    table = Table("3", 2, "Table 3: Settings.", None, ["Value"], [
        Row("Adam \u03b2", [Cell("0.9", 0.9)]), Row("Batch size", [Cell("256", 256.0)]),
        Row("Layers", [Cell("12", 12.0)])])
    assert {(h.name, h.value) for h in settings([table])} == {("batch_size", 256.0), ("n_layers", 12.0)}


def test_lines_of_settings_take_the_header_line_over_them_and_a_results_table_gives_none(tmp_path):
    """Columns of models: each value is its column's model's; a table whose lines name one setting
    (a results table with a batch size line) gives no settings."""
    from paperlab.replicate.settings import key_values
    from paperlab.replicate.tables import tables_and_lines

    pdf = _table_lines(tmp_path / "t.pdf", [
        ("", "Base", "Large"), ("Layers", "12", "24"), ("Hidden size", "768", "1024"), ("Optimizer", "Adam", "LAMB")],
        "Table 2: The two models and how they were trained in this paper.")
    ((table, lines),) = tables_and_lines(pdf)
    assert {(h.name, h.value, h.setup) for h in key_values(table, lines)} == {
        ("n_layers", 12.0, "Base"), ("n_layers", 24.0, "Large"), ("d_model", 768.0, "Base"),
        ("d_model", 1024.0, "Large"), ("optimizer", "Adam", "Base"), ("optimizer", "LAMB", "Large")}
    pdf = _table_lines(tmp_path / "r.pdf", [
        ("Model", "Accuracy"), ("Batch size", "256"), ("ResNet-50", "76.1"), ("Ours", "78.3")],
        "Table 3: Accuracy of the models on the validation set of ImageNet.")
    ((table, lines),) = tables_and_lines(pdf)
    assert key_values(table, lines) == []


def test_a_table_in_one_column_takes_no_words_of_the_other(tmp_path):
    """A two-column page: the table and its caption in the left column, prose in the right one
    starting a gutter away. The prose's first words are not the table's last column, nor is the
    line beside the caption part of the caption."""
    import pymupdf

    from paperlab.replicate.tables import read_tables

    doc = pymupdf.open()  # 612 points wide: columns 72-290 and 310-540
    page = doc.new_page(width=612, height=792)
    for i, cells in enumerate([("", "Layers", "Width", "Accuracy"), ("Small", "6", "512", "71.5"),
                               ("Large", "12", "1024", "74.2")]):
        for x, cell in zip((72, 140, 190, 250), cells, strict=True):
            page.insert_text((x, 100 + 12 * i), cell, fontsize=9)
        page.insert_text((310, 100 + 12 * i), ["that", "6", "part"][i] + " of the prose runs on here.", fontsize=9)
    # the caption ends at 287, 23 points from the other column: within the 30 points of reach
    page.insert_text((72, 150), "Table 1: Two models of this study, their test accuracy.", fontsize=9)
    page.insert_text((310, 150), "and the right column goes on with more of it.", fontsize=9)
    doc.save(tmp_path / "t.pdf")
    (table,) = read_tables(tmp_path / "t.pdf")
    assert table.columns == ["Layers", "Width", "Accuracy"]
    assert [[c.text for c in r.cells] for r in table.rows] == [["6", "512", "71.5"], ["12", "1024", "74.2"]]
    assert table.caption == "Table 1: Two models of this study, their test accuracy."


def test_a_squat_line_does_not_end_a_caption():
    """A caption line whose first word's box is squat (h3's Table 4: 4.7 points against 8) is
    followed by the next at the caption's spacing: the caption goes on (its lines' tallest box
    measures the spacing, not the last line's)."""
    from paperlab.replicate.layout import Word, _caption_lines

    def line(y: float, text: str, height: float = 8.0) -> list[Word]:
        words, x = [], 72.0
        for t in text.split():
            words.append(Word(x, y - height / 2, x + 6 * len(t), y + height / 2, t))
            x += 6 * len(t) + 3
        return words

    caption = line(77.3, "Table 4: Perplexity (lower is better) of models on the Pile")
    rest = [line(88.0, "H3 are trained on the Pile, while GPT2 is trained on WebText.", 4.7),
            line(98.9, "the perplexity of GPT-2 models on the Pile for context, though"),
            line(109.7, "they were trained on different data.")]
    assert len(_caption_lines(caption, [caption, *rest])) == 4
