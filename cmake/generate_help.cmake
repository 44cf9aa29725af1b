# Writes what `cvat-ingest help-man ...` or `help-completion ...` prints to a file, failing the
# build if the command fails. Run by cli/CMakeLists.txt:
#   cmake -DBIN=cvat-ingest -DARGS=help-man:upload -DOUT=file -P generate_help.cmake
# (ARGS: the arguments separated by ':').
string(REPLACE ":" ";" ARGS "${ARGS}")
# The defaults as a user reads them (~/.local/state/...), not the build user's home.
set(ENV{HOME} "~")
unset(ENV{XDG_STATE_HOME})
unset(ENV{XDG_CONFIG_HOME})
execute_process(COMMAND ${BIN} ${ARGS} OUTPUT_FILE ${OUT}.tmp RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(REMOVE ${OUT}.tmp)
  message(FATAL_ERROR "${BIN} ${ARGS} failed (${rc})")
endif()
file(RENAME ${OUT}.tmp ${OUT})
