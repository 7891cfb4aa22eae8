UPDATE runs SET reuse_indexed = TRUE WHERE id = $1 AND reuse_indexed = FALSE
