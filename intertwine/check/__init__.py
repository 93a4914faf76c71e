"""Checking files from their own contents: ``verify`` (equivariance, independence, the
count), ``sqrt`` (square-root values exactly) and ``bands`` (reading large files in
bands of rows, in bounded memory)."""
