# `cmake --install` of the build folder ($INGEST_BUILD_DIR) into a DESTDIR puts the binary, a
# man page per command and the bash and zsh completions in the usual places; the installed
# pages are what the installed binary prints.
DESTDIR=$PWD/dest cmake --install "$INGEST_BUILD_DIR" --prefix /usr > install.log 2>&1 ||
  { echo "install failed"; cat install.log; }
(cd dest && find . -type f | sort)
dest/usr/bin/cvat-ingest --version | sed 's/[0-9.]*$/VERSION/'
for c in scan manifest plan upload status resume serve bench; do
  HOME='~' XDG_STATE_HOME= "$CVAT_INGEST" help-man "$c" | cmp - "dest/usr/share/man/man1/cvat-ingest-$c.1" ||
    echo "$c: the installed page differs from help-man $c"
done
"$CVAT_INGEST" help-completion bash | cmp - dest/usr/share/bash-completion/completions/cvat-ingest &&
  echo "bash completion as generated"
grep -c '~/.local/state/cvat' dest/usr/share/man/man1/cvat-ingest-resume.1
