// The Import module: IATI and CSV imports with provenance (issue 7).
