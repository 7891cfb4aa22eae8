UPDATE reuse_index_lock SET id = id
