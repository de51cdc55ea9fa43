"""Retrieval: PDF text with pages and sections, chunking, embedding, the FAISS vectors and the bm25
keyword snapshot, incremental ingest, and hybrid search over papers and the user's notes."""
