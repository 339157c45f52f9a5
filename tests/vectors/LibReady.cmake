# tests/vectors/LibReady.cmake - WB_LIB_READY is TRUE once lib/ holds every file the vector,
# interop and install tests link against (they use the whole public API). While the library is
# being written in parallel those tests register a placeholder that reports "skipped" (exit 77)
# instead of breaking the build with undefined symbols.
set(WB_LIB_READY TRUE)
foreach(f jwa.c jws.c claims.c verifier.c keyset.c)
  if(NOT EXISTS ${CMAKE_SOURCE_DIR}/lib/${f})
    set(WB_LIB_READY FALSE)
  endif()
endforeach()
file(GLOB _wb_jwk_sources ${CMAKE_SOURCE_DIR}/lib/jwk*.c)
if(NOT _wb_jwk_sources)
  set(WB_LIB_READY FALSE)
endif()

# Registers test NAME as skipped (exit 77) because the library is not complete yet.
function(wb_placeholder_test name)
  add_test(NAME ${name} COMMAND sh -c "echo '${name} skipped: libwristband is not complete yet'; exit 77")
  set_tests_properties(${name} PROPERTIES SKIP_RETURN_CODE 77)
endfunction()
