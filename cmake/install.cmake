# What `cmake --install` puts where, and the .deb CPack makes of it (`make deb`):
#   bin/pilesim                                       the command            component runtime
#   share/man/man1/pilesim.1.gz                       its man page           component runtime
#   share/bash-completion/completions/pilesim         its bash completion    component runtime
#   lib/libpilesim_*.a, include/{sim,contract,...}/   the engine's libraries and public headers   component dev
#   lib/cmake/pilesim/                                pilesimConfig.cmake, its version file and the exported
#                                                     targets, for find_package(pilesim CONFIG) component dev
# Another project links pilesim::engine (load a scenario, run it, judge and report it: scenarios/engine/*.hpp).
# The man page and the completion script are generated from the built command (`pilesim --help`, `pilesim
# completion bash`), so they cannot list a flag that does not exist. The man page's date is SOURCE_DATE_EPOCH
# when it is set, else the last commit's time, so that two builds of one commit give the same bytes.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# The libraries a consumer of pilesim::engine needs, in link order: the engine links the others privately, and
# static libraries carry those links along. Exported as pilesim::<name> (pilesim_sim -> pilesim::sim).
set(pilesim_exported_libraries
  pilesim_boost pilesim_sim pilesim_contract_relay pilesim_contract pilesim_pile_protocol pilesim_pile
  pilesim_server_api pilesim_server pilesim_agent pilesim_scenarios pilesim_engine)

foreach(lib IN LISTS pilesim_exported_libraries)
  string(REGEX REPLACE "^pilesim_" "" name ${lib})
  set_property(TARGET ${lib} PROPERTY EXPORT_NAME ${name})
  get_target_property(type ${lib} TYPE)
  if(type STREQUAL "INTERFACE_LIBRARY")
    target_include_directories(${lib} INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  else()
    target_include_directories(${lib} PUBLIC $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  endif()
  # Each public header under its usual path: include/sim/trace.hpp, include/scenarios/engine/world.hpp.
  get_target_property(headers ${lib} PILESIM_PUBLIC_HEADERS)
  if(headers)
    foreach(header IN LISTS headers)
      get_filename_component(dir ${header} DIRECTORY)
      install(FILES ${PROJECT_SOURCE_DIR}/${header} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/${dir} COMPONENT dev)
    endforeach()
  endif()
endforeach()

install(TARGETS ${pilesim_exported_libraries} EXPORT pilesimTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
install(TARGETS pilesim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)

set(pilesim_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/pilesim)
install(EXPORT pilesimTargets NAMESPACE pilesim:: DESTINATION ${pilesim_cmake_dir} COMPONENT dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/pilesimConfig.cmake.in
  ${PROJECT_BINARY_DIR}/pilesimConfig.cmake INSTALL_DESTINATION ${pilesim_cmake_dir})
# 0.x: a minor version may change the API, so only the same minor version is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/pilesimConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/pilesimConfig.cmake ${PROJECT_BINARY_DIR}/pilesimConfigVersion.cmake
  DESTINATION ${pilesim_cmake_dir} COMPONENT dev)

# The man page, from `pilesim --help`, `--version` and every `pilesim COMMAND --help` (help2man; docs/pilesim.h2m
# holds its hand-written sections), gzipped without a time stamp (gzip -n).
find_program(PILESIM_HELP2MAN help2man)
find_program(PILESIM_GZIP gzip)
if(PILESIM_HELP2MAN AND PILESIM_GZIP)
  if(DEFINED ENV{SOURCE_DATE_EPOCH})
    set(pilesim_date_epoch $ENV{SOURCE_DATE_EPOCH})
  else()
    execute_process(COMMAND git log -1 --format=%ct WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                    OUTPUT_VARIABLE pilesim_date_epoch OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(NOT pilesim_date_epoch)
      set(pilesim_date_epoch 0)
    endif()
  endif()
  set(pilesim_man ${PROJECT_BINARY_DIR}/man/pilesim.1)
  set(pilesim_h2m ${PROJECT_BINARY_DIR}/man/pilesim.h2m)
  add_custom_command(OUTPUT ${pilesim_man}.gz
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
    COMMAND ${CMAKE_COMMAND} -DPILESIM=$<TARGET_FILE:pilesim> -DSTATIC=${PROJECT_SOURCE_DIR}/docs/pilesim.h2m
            -DOUT=${pilesim_h2m} -P ${PROJECT_SOURCE_DIR}/cmake/man_page.cmake
    COMMAND ${CMAKE_COMMAND} -E env SOURCE_DATE_EPOCH=${pilesim_date_epoch}
            ${PILESIM_HELP2MAN} --no-info --section=1 --source=pilesim
            "--name=deterministic end-to-end simulator of charging-pile sharing over Bluetooth"
            --include=${pilesim_h2m}
            --output=${pilesim_man} $<TARGET_FILE:pilesim>
    COMMAND ${PILESIM_GZIP} -9 -n -f ${pilesim_man}
    DEPENDS pilesim ${PROJECT_SOURCE_DIR}/docs/pilesim.h2m ${PROJECT_SOURCE_DIR}/cmake/man_page.cmake
    COMMENT "Generating the man page pilesim.1 (help2man)")
  add_custom_target(pilesim_man ALL DEPENDS ${pilesim_man}.gz)
  install(FILES ${pilesim_man}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT runtime)
else()
  message(STATUS "help2man or gzip not found: no man page (tools/install-deps.sh installs help2man)")
endif()

# The bash completion script, where bash-completion looks for it on demand.
set(pilesim_completion ${PROJECT_BINARY_DIR}/completion/pilesim)
add_custom_command(OUTPUT ${pilesim_completion}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/completion
  COMMAND $<TARGET_FILE:pilesim> completion bash > ${pilesim_completion}
  DEPENDS pilesim
  COMMENT "Generating the bash completion script")
add_custom_target(pilesim_completion ALL DEPENDS ${pilesim_completion})
install(FILES ${pilesim_completion} DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
  COMPONENT runtime)

# CPack: two Debian packages, `pilesim` (the command, man page, completion; its library dependencies found by
# dpkg-shlibdeps) and `libpilesim-dev` (headers, static libraries, CMake package; the -dev packages they need).
set(CPACK_PACKAGE_NAME pilesim)
set(CPACK_PACKAGE_VENDOR pilesim)
set(CPACK_PACKAGE_CONTACT "pilesim maintainers <pilesim@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "deterministic end-to-end simulator of charging-pile sharing over Bluetooth")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME pilesim)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_DEV_PACKAGE_NAME libpilesim-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
    "libboost1.81-dev, libboost-json1.81-dev, libsqlite3-dev, libyaml-cpp-dev, libsodium-dev, pkg-config")
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION_SUMMARY}
 The pilesim command: run, check, sweep, diff and draw scenarios of a server, a phone app and a charging
 pile in virtual time, deterministic for a given file and seed.")
set(CPACK_DEBIAN_DEV_DESCRIPTION "pilesim scenario engine: static libraries, headers and CMake package
 Link pilesim::engine (find_package(pilesim CONFIG)) to load and run pilesim scenarios from a test suite.")
include(CPack)
