# cmake -DPILESIM=<exe> -DSTATIC=<file.h2m> -DOUT=<file.h2m> -P man_page.cmake
# Writes the help2man include file of the man page: the hand-written sections of STATIC, then a COMMANDS section
# holding `pilesim COMMAND --help` for every command `pilesim --help` lists, so that the page documents every
# flag that exists and no other.
execute_process(COMMAND ${PILESIM} --help OUTPUT_VARIABLE help RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PILESIM} --help failed")
endif()
file(READ ${STATIC} text)
string(APPEND text "\n[COMMANDS]\nEach command's own help (pilesim COMMAND --help):\n")
string(REGEX MATCH "Subcommands:\n.*" commands "${help}")
string(REGEX MATCHALL "\n  [a-z]+ " words "${commands}")
foreach(word IN LISTS words)
  string(STRIP "${word}" command)
  execute_process(COMMAND ${PILESIM} ${command} --help OUTPUT_VARIABLE sub RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${PILESIM} ${command} --help failed")
  endif()
  string(REPLACE "\\" "\\\\" sub "${sub}")   # roff escapes
  string(REPLACE "\n." "\n\\&." sub "${sub}")
  string(REPLACE "\n'" "\n\\&'" sub "${sub}")
  string(APPEND text ".SS ${command}\n.nf\n${sub}.fi\n")
endforeach()
file(WRITE ${OUT} "${text}")
