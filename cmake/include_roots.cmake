# Include roots scoped per target, so that an #include across a layer the target may not see fails to
# compile ("No such file or directory"), not merely to link. No target gets the source tree as an include
# directory. Each library gets a directory of its own in the build tree, build/include/<name>/, holding
# symbolic links to its public headers under their usual paths ("pile/protocol.hpp") and nothing else; its
# own sources and everyone linking it see that root, and a library sees another's root only by linking it.
# The links are made at configure time and point at the sources, so editing a header needs no reconfigure
# and the compiler, ninja and ccache read the real files. A root is rebuilt whole at every configure, so a
# header dropped from a list stops being reachable; so is the whole of build/include/, so a root whose target
# is gone goes with it.
file(REMOVE_RECURSE ${PROJECT_BINARY_DIR}/include)  # removes the links themselves, never what they point at

# Links each of `paths` (relative to the project's root) into `root` under the same relative path. A path
# that names a directory links the whole directory.
function(pilesim_link_headers root)
  file(REMOVE_RECURSE ${root})  # removes the links themselves, never what they point at
  foreach(path IN LISTS ARGN)
    if(NOT EXISTS ${PROJECT_SOURCE_DIR}/${path})
      message(FATAL_ERROR "pilesim_link_headers: ${path} does not exist")
    endif()
    get_filename_component(parent ${root}/${path} DIRECTORY)
    file(MAKE_DIRECTORY ${parent})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${path} ${root}/${path} SYMBOLIC)
  endforeach()
endfunction()

# pilesim_include_root(<target> [PUBLIC <header>...] [PRIVATE <header>...])
#   PUBLIC   the headers the target offers, one by one: its public header set, kept in the target property
#            PILESIM_PUBLIC_HEADERS (what an install copies), and reachable by it and by whoever links it.
#   PRIVATE  headers only the target's own sources include (a second root, build/include/<name>.private/),
#            and the test suite that checks those inner parts (pilesim_include_private_root).
# <name> is the target's name without its pilesim_ prefix. A header-only (INTERFACE) library offers PUBLIC
# headers only. An executable, whose headers nobody else includes, lists its own as PRIVATE.
function(pilesim_include_root target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "PUBLIC;PRIVATE")
  string(REGEX REPLACE "^pilesim_" "" name ${target})
  get_target_property(type ${target} TYPE)
  if(arg_PUBLIC)
    pilesim_link_headers(${PROJECT_BINARY_DIR}/include/${name} ${arg_PUBLIC})
    set_property(TARGET ${target} PROPERTY PILESIM_PUBLIC_HEADERS ${arg_PUBLIC})
    if(type STREQUAL "INTERFACE_LIBRARY")
      target_include_directories(${target} INTERFACE $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include/${name}>)
    else()
      target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include/${name}>)
      list(TRANSFORM arg_PUBLIC PREPEND ${PROJECT_SOURCE_DIR}/ OUTPUT_VARIABLE sources)
      target_sources(${target} PRIVATE ${sources})  # so that IDEs show them with their target
    endif()
  endif()
  if(arg_PRIVATE)
    if(type STREQUAL "INTERFACE_LIBRARY")
      message(FATAL_ERROR "pilesim_include_root: ${target} is header-only and has no private headers")
    endif()
    pilesim_link_headers(${PROJECT_BINARY_DIR}/include/${name}.private ${arg_PRIVATE})
    target_include_directories(${target} PRIVATE ${PROJECT_BINARY_DIR}/include/${name}.private)
    set_property(TARGET ${target} PROPERTY PILESIM_PRIVATE_ROOT ${PROJECT_BINARY_DIR}/include/${name}.private)
  endif()
endfunction()

# pilesim_include_private_root(<suite> <library>)
# Lets one test suite include the private headers of the library it checks (the parts of a run, say), and no
# other target. The suite still links whatever those headers need.
function(pilesim_include_private_root suite library)
  get_target_property(root ${library} PILESIM_PRIVATE_ROOT)
  if(NOT root)
    message(FATAL_ERROR "pilesim_include_private_root: ${library} has no private headers")
  endif()
  target_include_directories(${suite} PRIVATE ${root})
endfunction()
