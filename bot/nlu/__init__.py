"""Understanding a parent's message: normalisation, concept lexicon, safety check."""
