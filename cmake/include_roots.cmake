# Include roots scoped per target, so that an #include across a layer the target may not see fails to
# compile ("No such file or directory"), not merely to link. No target gets the source tree as an include
# directory. Each library gets a directory of its own in the build tree, build/include/<name>/, holding
# symbolic links to its public headers under their usual paths ("pile/protocol.hpp") and nothing else; its
# own sources and everyone linking it see that root, and a library sees another's root only by linking it.
# The links are made at configure time and point at the sources, so editing a header needs no reconfigure
# and the compiler, ninja and ccache read the real files. A root is rebuilt whole at every configure, so a
# header dropped from a list stops being reachable.

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
#   PRIVATE  headers only the target's own sources include (a second root, build/include/<name>.private/).
# <name> is the target's name without its pilesim_ prefix. An executable, whose headers nobody else
# includes, may name its whole folder as PRIVATE.
function(pilesim_include_root target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "PUBLIC;PRIVATE")
  string(REGEX REPLACE "^pilesim_" "" name ${target})
  if(arg_PUBLIC)
    pilesim_link_headers(${PROJECT_BINARY_DIR}/include/${name} ${arg_PUBLIC})
    target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include/${name}>)
    set_property(TARGET ${target} PROPERTY PILESIM_PUBLIC_HEADERS ${arg_PUBLIC})
    list(TRANSFORM arg_PUBLIC PREPEND ${PROJECT_SOURCE_DIR}/ OUTPUT_VARIABLE sources)
    target_sources(${target} PRIVATE ${sources})  # so that IDEs show them with their target
  endif()
  if(arg_PRIVATE)
    pilesim_link_headers(${PROJECT_BINARY_DIR}/include/${name}.private ${arg_PRIVATE})
    target_include_directories(${target} PRIVATE ${PROJECT_BINARY_DIR}/include/${name}.private)
  endif()
endfunction()
