UPDATE runs SET partial = $2, sampling = $3 WHERE id = $1
