// Where each of several scenario files writes its own output (`run DIR --trace 'out/{stem}.jsonl'`,
// `--db 'db/{stem}.sqlite'`): `{stem}` is the file's name without folder and extension. A plain path is fine for
// one file and refused for several, which would otherwise overwrite each other and keep only the last. It only
// computes names; it never touches the file system.
#pragma once

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace pilesim::tools {

struct path_problem {
  std::string message;
};

// Only reached by calling .value() on a refused pattern, which is a bug in the caller.
[[noreturn]] void throw_exception_from_error(const path_problem& p, const boost::source_location& loc);

// One path per file, in the order of `files`, for the flag `flag` ("--trace") given as `pattern`; an empty pattern
// gives empty paths (no output). Refused: a plain path with several files, two files with one stem, a `{` that
// is not `{stem}`.
boost::system::result<std::vector<std::string>, path_problem> per_file_paths(std::string_view flag,
                                                                             std::string_view pattern,
                                                                             const std::vector<std::string>& files);

}  // namespace pilesim::tools
