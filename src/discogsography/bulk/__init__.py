"""What `load` and `export` share: finding dump files, parsing their blocks in worker processes."""
