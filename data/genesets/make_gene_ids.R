# The offline identifier table that lets chapter 09 read count matrices keyed by Ensembl gene ids
# or Entrez ids: every human gene of Debian's org.Hs.eg.db with its symbol.
#
# Run once, from the repository root:
#   apt-get install --no-install-recommends r-bioc-org.hs.eg.db
#   Rscript data/genesets/make_gene_ids.R
# Writes data/genesets/gene_ids.csv.gz (columns ensembl_id, entrez_id, symbol; one row per
# Ensembl-Entrez pair, genes without an Ensembl id with ensembl_id empty; sorted, and gzip with a
# zero time stamp, so reruns are byte-identical). org.Hs.eg.db is released under the Artistic-2.0
# licence; the table is derived data from NCBI Gene and Ensembl (public domain / open).
suppressPackageStartupMessages(library(org.Hs.eg.db))

symbols <- AnnotationDbi::select(org.Hs.eg.db, keys = keys(org.Hs.eg.db), columns = "SYMBOL", keytype = "ENTREZID")
ensembl <- AnnotationDbi::select(org.Hs.eg.db, keys = keys(org.Hs.eg.db), columns = "ENSEMBL", keytype = "ENTREZID")
table <- merge(symbols, ensembl, by = "ENTREZID", all.x = TRUE)
table <- table[!is.na(table$SYMBOL), c("ENSEMBL", "ENTREZID", "SYMBOL")]
table$ENSEMBL[is.na(table$ENSEMBL)] <- ""
table <- unique(table[order(table$ENSEMBL, as.integer(table$ENTREZID), table$SYMBOL), ])
colnames(table) <- c("ensembl_id", "entrez_id", "symbol")
out <- gzfile("data/genesets/gene_ids.csv.gz", "w")
write.csv(table, out, row.names = FALSE, quote = FALSE)
close(out)
cat("wrote", nrow(table), "rows;", sum(table$ensembl_id != ""), "with an Ensembl id\n")
