# Writes OUTPUT from INPUT with the version and the source revision; run at
# every build (cmake -P), so that binaries name the commit they were built
# from without a reconfigure. configure_file rewrites OUTPUT only when its
# text changes, so a build of the same revision recompiles and relinks
# nothing. Inputs: SOURCE_DIR, INPUT, OUTPUT, SLAMON_VERSION.
set(SLAMON_REVISION "unknown")
find_package(Git QUIET)
if(GIT_FOUND)
  # Only the project's own checkout: sources unpacked inside another git
  # tree must not take that tree's revision.
  execute_process(COMMAND "${GIT_EXECUTABLE}" -C "${SOURCE_DIR}" rev-parse --show-toplevel
                  OUTPUT_VARIABLE toplevel OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE result ERROR_QUIET)
  if(result EQUAL 0)
    file(REAL_PATH "${toplevel}" toplevel)
    file(REAL_PATH "${SOURCE_DIR}" source)
  endif()
  if(result EQUAL 0 AND toplevel STREQUAL source)
    execute_process(COMMAND "${GIT_EXECUTABLE}" -C "${SOURCE_DIR}" describe --always --dirty --abbrev=12
                    OUTPUT_VARIABLE revision OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE result ERROR_QUIET)
    if(result EQUAL 0 AND NOT revision STREQUAL "")
      set(SLAMON_REVISION "${revision}")
    endif()
  endif()
endif()
configure_file("${INPUT}" "${OUTPUT}" @ONLY)
