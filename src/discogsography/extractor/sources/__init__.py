"""Where dumps come from: data.discogs.com, an S3 bucket (or mirror), or a local directory."""
