UPDATE runs SET reuse_indexed = TRUE WHERE id = $1
