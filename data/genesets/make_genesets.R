# Extract the book's offline gene sets from Debian's Bioconductor annotation packages.
#
# Run once, from the repository root:
#   apt-get install --no-install-recommends r-bioc-org.hs.eg.db r-bioc-go.db
#   Rscript data/genesets/make_genesets.R
# Writes (sorted, so reruns are byte-identical):
#   data/genesets/protein_coding_genes.tsv  Entrez id and symbol of every protein-coding gene
#   data/genesets/kegg_2011.gmt             KEGG pathway membership, 2011-03-15 snapshot
#   data/genesets/go_selected.gmt           selected GO terms (with descendants), GO 2022-07-01
# Pathway names are not shipped offline; kegg_2011_names.csv is a hand-checked table of the
# names used in the book, and the GMT description column says which pathways have one.
suppressPackageStartupMessages({
  library(org.Hs.eg.db)
  library(GO.db)
})
out <- "data/genesets"

genes <- AnnotationDbi::select(org.Hs.eg.db, keys = keys(org.Hs.eg.db),
                               columns = c("SYMBOL", "GENETYPE"), keytype = "ENTREZID")
genes <- genes[genes$GENETYPE == "protein-coding" & !is.na(genes$SYMBOL), c("ENTREZID", "SYMBOL")]
genes <- genes[order(genes$SYMBOL), ]
colnames(genes) <- c("entrez_id", "symbol")
write.table(genes, file.path(out, "protein_coding_genes.tsv"), sep = "\t", quote = FALSE, row.names = FALSE)
symbol_of <- setNames(genes$symbol, genes$entrez_id)

write_gmt <- function(sets, descriptions, path) {
  lines <- vapply(names(sets), function(id) {
    members <- sort(unique(symbol_of[sets[[id]]]))
    members <- members[!is.na(members)]
    paste(c(id, descriptions[[id]], members), collapse = "\t")
  }, character(1))
  writeLines(lines[order(names(sets))], path)
}

kegg <- as.list(org.Hs.egPATH2EG)
names(kegg) <- paste0("hsa", names(kegg))
kegg_names <- read.csv(file.path(out, "kegg_2011_names.csv"), stringsAsFactors = FALSE)
kegg_description <- setNames(as.list(rep("KEGG 2011 snapshot, name not shipped offline", length(kegg))), names(kegg))
for (i in seq_len(nrow(kegg_names))) kegg_description[[kegg_names$pathway_id[i]]] <- kegg_names$name[i]
write_gmt(kegg, kegg_description, file.path(out, "kegg_2011.gmt"))

go_terms <- c(
  "GO:0045063",  # T-helper 1 cell differentiation (stands in for KEGG hsa04658, added after 2011)
  "GO:0045064",  # T-helper 2 cell differentiation
  "GO:0042093",  # T-helper cell differentiation
  "GO:0006955",  # immune response
  "GO:0002250",  # adaptive immune response
  "GO:0045087",  # innate immune response
  "GO:0019221",  # cytokine-mediated signaling pathway
  "GO:0030097",  # hemopoiesis
  "GO:0007155",  # cell adhesion
  "GO:0005764",  # lysosome
  "GO:0006412"   # translation (a pathway the simulation leaves alone)
)
go_all <- as.list(org.Hs.egGO2ALLEGS[go_terms])
go_description <- setNames(as.list(paste0("GO ", Term(GOTERM[go_terms]))), go_terms)
write_gmt(go_all, go_description, file.path(out, "go_selected.gmt"))
cat("wrote", nrow(genes), "genes,", length(kegg), "KEGG pathways,", length(go_all), "GO terms\n")
