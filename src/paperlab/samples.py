"""Generate small, realistic paper PDFs: two columns, running header, page numbers, the arXiv margin
stamp, numbered section headings and words hyphenated across lines.

Used by `make demo` when arXiv cannot be reached, and by the tests: no PDF is checked in.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class SamplePaper:
    arxiv_id: str
    version: int
    title: str
    authors: list[str]
    abstract: str
    sections: list[tuple[str, str]]  # (heading, body)
    primary_category: str = "cs.LG"
    published: str = "2022-01-06T18:43:37Z"


def _wrap(text: str, width: int) -> list[str]:
    """Greedy wrap that hyphenates long words across lines, as typeset papers do."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if len(candidate) <= width:
            line = candidate
            continue
        room = width - len(line) - 2
        if len(word) >= 9 and room >= 4 and word.isalpha():
            lines.append(f"{line} {word[:room]}-".strip())
            line = word[room:]
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def write_paper_pdf(paper: SamplePaper, path: Path, pages_of_filler: int = 0) -> Path:
    from paperlab.retrieval import mupdf

    pymupdf = mupdf.load()

    doc = pymupdf.open()
    width, height = 612, 792
    col_w, gutter, top, bottom, left = 250, 20, 90, 730, 46
    fontsize, leading, chars = 9, 11.5, 58
    header = f"{paper.title[:60]} - preprint"
    stamp = f"arXiv:{paper.arxiv_id}v{paper.version}  [{paper.primary_category}]  6 Jan 2022"

    blocks: list[tuple[str, str]] = [("heading", "Abstract"), ("text", paper.abstract)]
    for heading, body in paper.sections:
        blocks += [("heading", heading), ("text", body)]
    for n in range(pages_of_filler):
        blocks += [("text", f"Additional discussion {n}. " + " ".join(
            s for _, s in paper.sections)[:1800])]

    page = None
    col, y = 0, 0.0

    def new_page(first: bool) -> None:
        nonlocal page, col, y
        page = doc.new_page(width=width, height=height)
        page.insert_text((left, 40), header, fontsize=8)
        page.insert_text((width / 2 - 4, 760), str(doc.page_count), fontsize=8)
        page.insert_text((20, 600), stamp, fontsize=9, rotate=90)
        col, y = 0, float(top)
        if first:
            page.insert_text((left, 70), paper.title, fontsize=14)
            page.insert_text((left, 84), ", ".join(paper.authors), fontsize=9)
            y = float(top + 10)

    new_page(first=True)
    for kind, text in blocks:
        lines = [text] if kind == "heading" else _wrap(text, chars)
        # a block is one text object so PyMuPDF sees it as one block
        pos = 0
        while pos < len(lines):
            room = int((bottom - y) // leading)
            if room <= (1 if kind == "heading" else 0):
                if col == 0:
                    col, y = 1, float(top)
                else:
                    new_page(first=False)
                continue
            part = lines[pos:pos + room]
            x = left + col * (col_w + gutter)
            assert page is not None
            page.insert_text((x, y + fontsize), "\n".join(part), fontsize=fontsize + (1 if kind == "heading" else 0),
                             lineheight=leading / fontsize)
            y += leading * len(part) + leading * 0.8
            pos += len(part)
    doc.set_metadata({"title": paper.title, "author": ", ".join(paper.authors)})
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    doc.close()
    return path


GROKKING = SamplePaper(
    arxiv_id="2201.02177", version=1,
    title="Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets",
    authors=["Alethea Power", "Yuri Burda", "Harri Edwards", "Igor Babuschkin", "Vedant Misra"],
    abstract=(
        "In this paper we propose to study generalization of neural networks on small "
        "algorithmically generated datasets. In this setting, questions about data efficiency, "
        "memorization, generalization, and speed of learning can be studied in great detail. In "
        "some situations we show that neural networks learn through a process of grokking a "
        "pattern in the data, improving generalization performance from random chance level to "
        "perfect generalization, and that this improvement in generalization can happen well past "
        "the point of overfitting."
    ),
    sections=[
        ("1 Introduction", "Generalization of overparameterized neural networks has long been a "
         "source of interest. We study binary operation tables such as modular addition, where "
         "the network sees only a fraction of the table during training. Validation accuracy "
         "stays at chance for a long time after training accuracy reaches one hundred percent."),
        ("2 Method", "We train a decoder-only transformer with two layers, width 128 and four "
         "attention heads, using the AdamW optimizer with learning rate 0.001, weight decay 1 and "
         "minibatches of 512 equations. The operation is addition modulo 97 and half of all pairs "
         "are used for training."),
        ("3 Results", "With weight decay the validation accuracy reaches 99% after about 10^3 to "
         "10^4 optimization steps, long after the training accuracy saturates. Weight decay is the "
         "most effective intervention for data efficiency among the ones we tried, including "
         "dropout and gradient noise. The final validation accuracy is 100% on modular addition."),
        ("4 Conclusion", "Grokking is a striking instance of delayed generalization and a "
         "convenient testbed for studying regularization."),
    ],
)

ATTENTION = SamplePaper(
    arxiv_id="1706.03762", version=7, title="Attention Is All You Need",
    authors=["Ashish Vaswani", "Noam Shazeer", "Niki Parmar", "Jakob Uszkoreit"],
    published="2017-06-12T17:57:34Z", primary_category="cs.CL",
    abstract=(
        "The dominant sequence transduction models are based on complex recurrent or "
        "convolutional neural networks. We propose a new simple network architecture, the "
        "Transformer, based solely on attention mechanisms, dispensing with recurrence and "
        "convolutions entirely. Our model achieves 28.4 BLEU on the WMT 2014 English-to-German "
        "translation task."
    ),
    sections=[
        ("1 Introduction", "Recurrent neural networks have been firmly established as state of "
         "the art approaches in sequence modeling. Attention mechanisms allow modeling of "
         "dependencies without regard to their distance in the input or output sequences."),
        ("3 Model Architecture", "The encoder maps an input sequence of symbol representations to "
         "a sequence of continuous representations. Scaled dot-product attention computes the "
         "dot products of the query with all keys, divides each by the square root of the key "
         "dimension, and applies a softmax function to obtain the weights on the values. "
         "Multi-head attention lets the model jointly attend to information from different "
         "representation subspaces."),
        ("6 Results", "On the WMT 2014 English-to-German translation task, the big transformer "
         "model outperforms the best previously reported models by more than 2.0 BLEU, "
         "establishing a new state-of-the-art BLEU score of 28.4."),
    ],
)

BACKPROP = SamplePaper(
    arxiv_id="1502.03167", version=3,
    title="Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift",
    authors=["Sergey Ioffe", "Christian Szegedy"], published="2015-02-11T01:44:18Z",
    abstract=(
        "Training deep neural networks is complicated by the fact that the distribution of each "
        "layer's inputs changes during training. We refer to this phenomenon as internal "
        "covariate shift, and address the problem by normalizing layer inputs for each "
        "training mini-batch."
    ),
    sections=[
        ("2 Towards Reducing Internal Covariate Shift", "We make the normalization a part of the "
         "model architecture. Gradients flow through the normalization during backpropagation, "
         "so the optimizer accounts for it when computing parameter updates."),
        ("4 Experiments", "Batch normalization reaches 72.2% top-1 accuracy on ImageNet with 14 "
         "times fewer training steps, and an ensemble reaches 4.9% top-5 validation error."),
    ],
)

SAMPLES = [GROKKING, ATTENTION, BACKPROP]


if __name__ == "__main__":  # python -m paperlab.samples DIR: write the sample PDFs into DIR
    import sys

    out = Path(sys.argv[1] if len(sys.argv) > 1 else "samples")
    for sample in SAMPLES:
        print(write_paper_pdf(sample, out / f"{sample.arxiv_id}.pdf", pages_of_filler=2))
