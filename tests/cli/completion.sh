# The bash completion script (cvat-ingest help-completion bash, what the build installs) parses
# and completes commands, options, and option values, driven as bash drives it (COMP_WORDS and
# COMP_CWORD). The zsh one parses with zsh when zsh is there, and names every command.
"$CVAT_INGEST" help-completion bash > cvat-ingest.bash
"$CVAT_INGEST" help-completion zsh > _cvat-ingest
bash -n cvat-ingest.bash && echo "bash -n: ok"
# complete WORD...: what <TAB> offers after the words (the last one being completed).
complete_words() {
  bash -c '. ./cvat-ingest.bash; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _cvat_ingest
           printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "; echo' complete "$@"
}
touch token.txt tiles.list
mkdir -p "$XDG_CONFIG_HOME/cvat-ingest"
printf '[default]\nserver = "http://127.0.0.1:1"\n[work]\norg = "x"\n' \
  > "$XDG_CONFIG_HOME/cvat-ingest/config.toml"
echo "up<TAB>: $(complete_words cvat-ingest up)"
echo "<TAB>: $(complete_words cvat-ingest '')"
echo "upload --conn<TAB>: $(complete_words cvat-ingest upload --conn)"
echo "bench --prof<TAB>: $(complete_words cvat-ingest bench --prof)"
echo "upload --progress <TAB>: $(complete_words cvat-ingest upload --progress '')"
echo "upload --token-file to<TAB>: $(complete_words cvat-ingest upload --token-file to)"
echo "upload --server <TAB>: $(complete_words cvat-ingest upload --server '')"
echo "upload --config-profile <TAB>: $(complete_words cvat-ingest upload --config-profile '')"
echo "scan ti<TAB>: $(complete_words cvat-ingest scan ti)"
echo "frob --x<TAB>: $(complete_words cvat-ingest frob --x)"
echo "== zsh"
head -1 _cvat-ingest
for c in scan manifest upload plan status resume serve bench; do
  grep -q "^    ($c)" _cvat-ingest || echo "zsh: no $c"
done
grep -q -- "'\*--connections\[" _cvat-ingest && echo "zsh: --connections is there"
if command -v zsh > /dev/null; then zsh -n _cvat-ingest || echo "zsh -n failed"; fi
echo "done"
