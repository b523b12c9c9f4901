# Builds one layering probe (tests/layering) and says whether the include it tries was refused.
#   cmake -DBUILD_DIR=<dir> -DPROBE=<target> [-DCONFIG=<config>] [-DREFUSED=<header>] -P build_probe.cmake
# Without REFUSED the probe must build: the exit status is the build's. With REFUSED the test is WILL_FAIL, and
# this exits 1 only when the build failed because REFUSED was not found. A probe that built, or that failed for
# any other reason (a typo, a broken library), exits 0, so its WILL_FAIL test fails and prints why: a refusal
# cannot pass by accident.
foreach(var BUILD_DIR PROBE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "build_probe.cmake: -D${var}=... is required")
  endif()
endforeach()
set(config_args)
if(CONFIG)
  set(config_args --config ${CONFIG})
endif()
execute_process(
  COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target ${PROBE} ${config_args}
  RESULT_VARIABLE status
  OUTPUT_VARIABLE output
  ERROR_VARIABLE output)
message("${output}")
if(NOT DEFINED REFUSED)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${PROBE} did not build: this include must be allowed")
  endif()
  return()
endif()
string(REGEX REPLACE "([][+.*()^$?|\\\\])" "\\\\\\1" refused_re "${REFUSED}")
if(status EQUAL 0)
  message("${PROBE} built: ${REFUSED} was reachable where it must not be")
elseif(output MATCHES "${refused_re}: No such file or directory")
  message(FATAL_ERROR "${PROBE} refused ${REFUSED}, as it must")  # exit status 1: the WILL_FAIL test passes
else()
  message("${PROBE} failed, but not because ${REFUSED} was out of reach")
endif()
