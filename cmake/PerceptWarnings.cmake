# Warnings for percept's own targets only; third-party headers are included as SYSTEM.
function(percept_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
    -Woverloaded-virtual -Wimplicit-fallthrough -Wformat=2)
  if(PERCEPT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
