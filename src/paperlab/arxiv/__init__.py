"""arXiv: identifiers in every form users paste, the API and PDF client (retries, politeness), and
`fetch`, which brings a paper's metadata and PDF into the library, all or nothing."""
