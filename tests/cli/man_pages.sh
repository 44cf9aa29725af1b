# Every command's man page (cvat-ingest help-man COMMAND, what the build installs) names every
# option its --help lists, and groff renders every page without a warning. The check itself is
# shown to fail on a page with one option taken out.
commands="scan manifest plan upload status resume serve bench"
# options_of COMMAND: the --long options in the options section of COMMAND --help.
options_of() {
  "$CVAT_INGEST" "$1" --help | sed -n '/^options:/,$p' | grep -oE '^  (-[a-zA-Z], )? *--[a-z0-9-]+' |
    grep -oE -- '--[a-z0-9-]+'
}
# render PAGE: plain text, no hyphenation, wide lines (or the raw roff without groff).
render() {
  if command -v groff > /dev/null; then
    groff -man -Tascii -rHY=0 -rLL=200n -P-cbou "$1"
  else
    sed 's/\\-/-/g' "$1"
  fi
}
# missing PAGE COMMAND: the options of COMMAND --help that PAGE does not name.
missing() {
  local text
  text=$(render "$1")
  for o in $(options_of "$2"); do
    grep -qe "$o\b" <<<"$text" || echo "$o"
  done
}
for c in $commands; do
  "$CVAT_INGEST" help-man "$c" > "cvat-ingest-$c.1" || echo "help-man $c failed"
  n=$(options_of "$c" | wc -l)
  [ "$n" -ge 3 ] || echo "$c: only $n options found in --help"
  m=$(missing "cvat-ingest-$c.1" "$c")
  if [ -z "$m" ]; then echo "$c: every option of --help is in its man page"; else echo "$c: missing $m"; fi
done
"$CVAT_INGEST" help-man > cvat-ingest.1
grep -c '^\.TP' cvat-ingest.1 | sed 's/^/cvat-ingest.1 entries: /'
echo "== the check fails on a page without --connections"
grep -v 'connections' cvat-ingest-upload.1 > doctored.1
missing doctored.1 upload
echo "== groff warnings"
if command -v groff > /dev/null; then
  for page in *.1; do
    [ "$page" = doctored.1 ] && continue
    groff -man -Tutf8 -ww -z "$page" 2>&1 | sed "s/^/$page: /"
  done
  man -l --warnings -P cat cvat-ingest-upload.1 2>&1 >/dev/null | head -5
else
  # No groff: every page at least has the structure man(7) needs.
  for page in *.1; do
    for m in '^\.TH ' '^\.SH NAME' '^\.SH SYNOPSIS' '^\.SH DESCRIPTION'; do
      grep -q "$m" "$page" || echo "$page: no $m"
    done
  done
fi
echo "done"
